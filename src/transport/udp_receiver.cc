// transport/udp_receiver.cc — UdpReceiver on POSIX sockets: a non-blocking socket, poll() on it
// and on an eventfd that Stop signals, and recvmmsg into one preallocated block of buffers.

#include "transport/udp_receiver.h"

#include <linux/sock_diag.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <exception>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "core/check.h"
#include "core/log.h"
#include "core/status.h"

namespace roentgen::transport {
namespace {

using SteadyClock = std::chrono::steady_clock;

// While datagrams keep coming, check for Stop after this many batches.
constexpr int kBatchesPerStopCheck = 64;
// Stop drains the kernel queue for at most this long.
constexpr auto kStopDrainTime = std::chrono::milliseconds(250);
constexpr int kPollTimeoutMs = 100;
constexpr auto kDropsRefreshPeriod = std::chrono::milliseconds(100);
constexpr size_t kMaxDatagramLimit = 1 << 20;
constexpr int kMaxBatchSize = 1024;  // UIO_MAXIOV, recvmmsg's own cap

std::string ErrnoText(int error) { return std::strerror(error); }

class UdpReceiverImpl final : public UdpReceiver {
 public:
  UdpReceiverImpl(const UdpReceiverOptions& options, DatagramSink sink)
      : options_(options), sink_(std::move(sink)) {}

  ~UdpReceiverImpl() override {
    Stop();
    CloseFds();
  }

  UdpReceiverImpl(const UdpReceiverImpl&) = delete;
  UdpReceiverImpl& operator=(const UdpReceiverImpl&) = delete;

  Status Open() {
    const std::string where = options_.address + ":" + std::to_string(options_.port);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_DGRAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* resolved = nullptr;
    const std::string port = std::to_string(options_.port);
    if (int rc = getaddrinfo(options_.address.c_str(), port.c_str(), &hints, &resolved); rc != 0) {
      return Status::Unavailable("UDP: cannot resolve " + where + ": " + gai_strerror(rc));
    }
    Status status = Bind(*resolved, where);
    freeaddrinfo(resolved);
    RETURN_IF_ERROR(status);

    SetReceiveBuffer();

    event_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (event_fd_ < 0) return Status::IoError("UDP: eventfd: " + ErrnoText(errno));

    const size_t slot = options_.max_datagram_bytes + 1;  // +1: a longer datagram is detectable
    const size_t batch = static_cast<size_t>(options_.batch_size);
    buffer_.resize(slot * batch);
    iovecs_.resize(batch);
    messages_.resize(batch);
    datagrams_.resize(batch);
    for (size_t i = 0; i < batch; ++i) {
      iovecs_[i].iov_base = buffer_.data() + i * slot;
      iovecs_[i].iov_len = slot;
      messages_[i] = {};
      messages_[i].msg_hdr.msg_iov = &iovecs_[i];
      messages_[i].msg_hdr.msg_iovlen = 1;
    }
    return Status::Ok();
  }

  void Run() {
    thread_ = std::thread([this] {
      pthread_setname_np(pthread_self(), "roentgen-udp");
      Loop();
    });
  }

  uint16_t port() const override { return port_; }
  int socket_buffer_bytes() const override { return socket_buffer_bytes_; }

  void Stop() override {
    if (!thread_.joinable()) return;
    CHECK(thread_.get_id() != std::this_thread::get_id())
        << "UdpReceiver::Stop called from the sink";
    uint64_t one = 1;
    ssize_t written = write(event_fd_, &one, sizeof one);
    CHECK(written == sizeof one) << "eventfd write: " << ErrnoText(errno);
    thread_.join();
    CloseFds();
  }

  UdpReceiverStats stats() const override {
    UdpReceiverStats stats;
    stats.datagrams = datagrams_received_.load(std::memory_order_relaxed);
    stats.truncated = truncated_.load(std::memory_order_relaxed);
    stats.batches = batches_.load(std::memory_order_relaxed);
    stats.recv_errors = recv_errors_.load(std::memory_order_relaxed);
    stats.kernel_drops = kernel_drops_.load(std::memory_order_relaxed);
    return stats;
  }

 private:
  Status Bind(const addrinfo& address, const std::string& where) {
    socket_fd_ = socket(address.ai_family, address.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (socket_fd_ < 0) return Status::Unavailable("UDP: socket: " + ErrnoText(errno));
    if (bind(socket_fd_, address.ai_addr, address.ai_addrlen) != 0) {
      return Status::Unavailable("UDP: cannot bind " + where + ": " + ErrnoText(errno));
    }
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    if (getsockname(socket_fd_, reinterpret_cast<sockaddr*>(&bound), &length) != 0) {
      return Status::Unavailable("UDP: getsockname: " + ErrnoText(errno));
    }
    if (bound.ss_family == AF_INET) {
      port_ = ntohs(reinterpret_cast<const sockaddr_in*>(&bound)->sin_port);
    } else {
      port_ = ntohs(reinterpret_cast<const sockaddr_in6*>(&bound)->sin6_port);
    }
    return Status::Ok();
  }

  void SetReceiveBuffer() {
    const int requested = options_.socket_buffer_bytes;
    if (requested > 0 &&
        setsockopt(socket_fd_, SOL_SOCKET, SO_RCVBUFFORCE, &requested, sizeof requested) != 0 &&
        setsockopt(socket_fd_, SOL_SOCKET, SO_RCVBUF, &requested, sizeof requested) != 0) {
      log::Warn("UDP: cannot set SO_RCVBUF to " + std::to_string(requested) + ": " +
                ErrnoText(errno));
    }
    int effective = 0;
    socklen_t length = sizeof effective;
    if (getsockopt(socket_fd_, SOL_SOCKET, SO_RCVBUF, &effective, &length) != 0) effective = 0;
    socket_buffer_bytes_ = effective;
    // Linux reports twice what it granted.
    if (requested > 0 && effective / 2 < requested) {
      log::Warn("UDP: socket receive buffer is " + std::to_string(effective / 2) +
                " bytes, not the " + std::to_string(requested) +
                " requested; raise net.core.rmem_max (or run with CAP_NET_ADMIN) to avoid drops");
    } else {
      log::Info("UDP: socket receive buffer " + std::to_string(effective) + " bytes");
    }
  }

  void CloseFds() {
    if (socket_fd_ >= 0) close(socket_fd_);
    if (event_fd_ >= 0) close(event_fd_);
    socket_fd_ = -1;
    event_fd_ = -1;
  }

  void Loop() {
    pollfd fds[2] = {{socket_fd_, POLLIN, 0}, {event_fd_, POLLIN, 0}};
    auto next_drops_refresh = SteadyClock::now();
    for (;;) {
      int ready = poll(fds, 2, kPollTimeoutMs);
      if (ready < 0 && errno != EINTR) {
        CountError("poll", errno);
        std::this_thread::sleep_for(std::chrono::milliseconds(1));  // no busy loop on ENOMEM
      }
      if (ready > 0 && fds[1].revents != 0) break;
      if (ready > 0 && fds[0].revents != 0) {
        for (int i = 0; i < kBatchesPerStopCheck; ++i) {
          if (ReceiveBatch() <= 0) break;
        }
      }
      if (SteadyClock::now() >= next_drops_refresh) {
        RefreshKernelDrops();
        next_drops_refresh = SteadyClock::now() + kDropsRefreshPeriod;
      }
    }
    // Stop: deliver what the kernel already holds, within a bounded time (a sender may still be
    // flooding us).
    const auto deadline = SteadyClock::now() + kStopDrainTime;
    while (SteadyClock::now() < deadline && ReceiveBatch() > 0) {
    }
    RefreshKernelDrops();
  }

  // Receives and delivers one batch. Returns the number of datagrams, 0 when none is waiting,
  // -1 after an error.
  int ReceiveBatch() {
    for (auto& message : messages_) {
      message.msg_hdr.msg_flags = 0;
      message.msg_len = 0;
    }
    int received;
    do {
      received = recvmmsg(socket_fd_, messages_.data(), static_cast<unsigned>(messages_.size()),
                          MSG_DONTWAIT, nullptr);
    } while (received < 0 && errno == EINTR);
    if (received < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      CountError("recvmmsg", errno);
      return -1;
    }
    if (received == 0) return 0;

    const size_t max = options_.max_datagram_bytes;
    uint64_t truncated = 0;
    for (int i = 0; i < received; ++i) {
      const mmsghdr& message = messages_[i];
      const size_t length = message.msg_len;
      const bool cut = (message.msg_hdr.msg_flags & MSG_TRUNC) != 0 || length > max;
      datagrams_[i].bytes =
          std::string_view(static_cast<const char*>(iovecs_[i].iov_base), std::min(length, max));
      datagrams_[i].truncated = cut;
      truncated += cut ? 1 : 0;
    }
    datagrams_received_.fetch_add(received, std::memory_order_relaxed);
    truncated_.fetch_add(truncated, std::memory_order_relaxed);
    batches_.fetch_add(1, std::memory_order_relaxed);
    try {
      sink_(std::span<const Datagram>(datagrams_.data(), static_cast<size_t>(received)));
    } catch (const std::exception& e) {
      log::Error(std::string("UDP: the datagram sink threw: ") + e.what());
    } catch (...) {
      log::Error("UDP: the datagram sink threw a non-standard exception");
    }
    return received;
  }

  void RefreshKernelDrops() {
    uint32_t meminfo[SK_MEMINFO_VARS] = {};
    socklen_t length = sizeof meminfo;
    if (getsockopt(socket_fd_, SOL_SOCKET, SO_MEMINFO, meminfo, &length) == 0 &&
        length > SK_MEMINFO_DROPS * sizeof(uint32_t)) {
      kernel_drops_.store(meminfo[SK_MEMINFO_DROPS], std::memory_order_relaxed);
    }
  }

  void CountError(const char* call, int error) {
    // Log the first error and then every 1000th, so a persistent failure cannot flood the log.
    uint64_t count = recv_errors_.fetch_add(1, std::memory_order_relaxed);
    if (count % 1000 == 0) {
      log::Error(std::string("UDP: ") + call + " failed: " + ErrnoText(error) + " (" +
                 std::to_string(count + 1) + " errors so far)");
    }
  }

  // Constant after Open.
  const UdpReceiverOptions options_;
  const DatagramSink sink_;
  int socket_fd_ = -1;
  int event_fd_ = -1;
  uint16_t port_ = 0;
  int socket_buffer_bytes_ = 0;

  // Used by the receive thread only.
  std::vector<char> buffer_;
  std::vector<iovec> iovecs_;
  std::vector<mmsghdr> messages_;
  std::vector<Datagram> datagrams_;

  std::atomic<uint64_t> datagrams_received_{0};
  std::atomic<uint64_t> truncated_{0};
  std::atomic<uint64_t> batches_{0};
  std::atomic<uint64_t> recv_errors_{0};
  std::atomic<uint64_t> kernel_drops_{0};

  std::thread thread_;
};

}  // namespace

Result<std::unique_ptr<UdpReceiver>> UdpReceiver::Start(const UdpReceiverOptions& options,
                                                        DatagramSink sink) {
  if (options.max_datagram_bytes < 1 || options.max_datagram_bytes > kMaxDatagramLimit) {
    return Status::InvalidArgument("UDP: max_datagram_bytes must be in [1, " +
                                   std::to_string(kMaxDatagramLimit) + "]");
  }
  if (options.batch_size < 1 || options.batch_size > kMaxBatchSize) {
    return Status::InvalidArgument("UDP: batch_size must be in [1, " +
                                   std::to_string(kMaxBatchSize) + "]");
  }
  if (options.socket_buffer_bytes < 0) {
    return Status::InvalidArgument("UDP: socket_buffer_bytes must not be negative");
  }
  if (!sink) return Status::InvalidArgument("UDP: no sink");
  try {
    auto receiver = std::make_unique<UdpReceiverImpl>(options, std::move(sink));
    RETURN_IF_ERROR(receiver->Open());
    receiver->Run();
    return std::unique_ptr<UdpReceiver>(std::move(receiver));
  } catch (const std::exception& e) {
    return Status::Internal(std::string("UDP: cannot start: ") + e.what());
  }
}

}  // namespace roentgen::transport
