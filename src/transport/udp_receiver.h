// transport/udp_receiver.h — receives datagrams on one UDP endpoint with recvmmsg on a dedicated
// thread that never blocks on anything but the socket, and hands each batch to a sink.
//
// The sink runs on the receive thread and must not block (it should copy or enqueue and return).
// Datagrams longer than `max_datagram_bytes` are reported as truncated, not delivered whole.
// Thread-safety: Start/Stop from one controlling thread.
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
  uint16_t port = 2000;              // 0 picks a free port (tests)
  size_t max_datagram_bytes = 65536;  // the reference daemon's receive buffer
  int socket_buffer_bytes = 16 * 1024 * 1024;
  int batch_size = 64;  // datagrams per recvmmsg call
};

struct Datagram {
  std::string_view bytes;  // valid only during the sink call
  bool truncated = false;  // longer than max_datagram_bytes
};

using DatagramSink = std::function<void(std::span<const Datagram>)>;

class UdpReceiver {
 public:
  static Result<std::unique_ptr<UdpReceiver>> Start(const UdpReceiverOptions& options,
                                                    DatagramSink sink);
  virtual ~UdpReceiver() = default;
  virtual uint16_t port() const = 0;
  // Stops the receive thread and closes the socket. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace roentgen::transport
