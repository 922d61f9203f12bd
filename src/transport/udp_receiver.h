// transport/udp_receiver.h — receives datagrams on one UDP endpoint with recvmmsg on a dedicated
// thread that never blocks on anything but the socket, and hands each batch to a sink.
//
// The sink runs on the receive thread and must not block (it should copy or enqueue and return).
// Datagrams longer than `max_datagram_bytes` are reported as truncated, not delivered whole: the
// sink sees their first `max_datagram_bytes` bytes with `truncated` set.
// Stop drains what the kernel has already queued (bounded to a fraction of a second) before the
// thread exits, so datagrams sent before Stop are not lost at a normal shutdown.
// Thread-safety: Start/Stop from one controlling thread, never from the sink; port(),
// socket_buffer_bytes() and stats() from any thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"

namespace roentgen::transport {

struct UdpReceiverOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 2000;               // 0 picks a free port (tests)
  size_t max_datagram_bytes = 65536;  // the reference daemon's receive buffer
  // Requested SO_RCVBUF. Set with SO_RCVBUFFORCE when the process may (CAP_NET_ADMIN), else with
  // SO_RCVBUF, which the kernel caps at net.core.rmem_max. 0 keeps the system default.
  int socket_buffer_bytes = 16 * 1024 * 1024;
  int batch_size = 64;  // datagrams per recvmmsg call, 1..1024
};

struct Datagram {
  std::string_view bytes;  // valid only during the sink call
  bool truncated = false;  // longer than max_datagram_bytes
};

using DatagramSink = std::function<void(std::span<const Datagram>)>;

// Counters since Start.
struct UdpReceiverStats {
  uint64_t datagrams = 0;    // delivered to the sink, truncated ones included
  uint64_t truncated = 0;    // delivered with `truncated` set
  uint64_t batches = 0;      // sink calls
  uint64_t recv_errors = 0;  // failed recvmmsg/poll calls (other than "nothing to read")
  // Datagrams the kernel dropped because the socket buffer was full (SO_MEMINFO), refreshed about
  // every 100 ms by the receive thread and at Stop.
  uint64_t kernel_drops = 0;
};

class UdpReceiver {
 public:
  // Binds and starts the receive thread. Fails with InvalidArgument on bad options, Unavailable
  // when the address cannot be bound.
  static Result<std::unique_ptr<UdpReceiver>> Start(const UdpReceiverOptions& options,
                                                    DatagramSink sink);
  virtual ~UdpReceiver() = default;
  virtual uint16_t port() const = 0;
  // Stops the receive thread and closes the socket. Idempotent; the destructor calls it.
  virtual void Stop() = 0;
  // The effective receive buffer as getsockopt(SO_RCVBUF) reports it: Linux doubles the
  // requested size for its bookkeeping, so 2 * min(requested, limit).
  virtual int socket_buffer_bytes() const = 0;
  virtual UdpReceiverStats stats() const = 0;
};

}  // namespace roentgen::transport
