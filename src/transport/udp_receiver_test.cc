#include "transport/udp_receiver.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace roentgen::transport {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

// Sends datagrams to 127.0.0.1:port from one socket.
class UdpSender {
 public:
  explicit UdpSender(uint16_t port) {
    fd_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
  }
  ~UdpSender() { close(fd_); }
  bool Send(const std::string& bytes) {
    return send(fd_, bytes.data(), bytes.size(), 0) == static_cast<ssize_t>(bytes.size());
  }

 private:
  int fd_ = -1;
};

// Collects everything the receiver delivers.
class Collector {
 public:
  void Add(std::span<const Datagram> batch) {
    std::lock_guard lock(mu_);
    for (const Datagram& d : batch) {
      payloads_.emplace_back(d.bytes);
      truncated_.push_back(d.truncated);
    }
    changed_.notify_all();
  }
  // Waits until `count` datagrams arrived or 5 s passed.
  bool WaitFor(size_t count) {
    std::unique_lock lock(mu_);
    return changed_.wait_for(lock, std::chrono::seconds(5),
                             [&] { return payloads_.size() >= count; });
  }
  std::vector<std::string> payloads() {
    std::lock_guard lock(mu_);
    return payloads_;
  }
  std::vector<bool> truncated() {
    std::lock_guard lock(mu_);
    return truncated_;
  }
  DatagramSink Sink() {
    return [this](std::span<const Datagram> batch) { Add(batch); };
  }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<std::string> payloads_;
  std::vector<bool> truncated_;
};

UdpReceiverOptions TestOptions() {
  UdpReceiverOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.socket_buffer_bytes = 4 * 1024 * 1024;
  options.batch_size = 16;
  return options;
}

// A sink that holds the receive thread inside its first batch until released, so that later
// datagrams pile up in the kernel.
class StalledSink {
 public:
  DatagramSink Sink() {
    return [this](std::span<const Datagram> batch) {
      received_ += static_cast<int>(batch.size());
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return released_; });
    };
  }
  // Waits (bounded) until the receive thread is stuck in the sink.
  void WaitUntilStalled() const {
    for (int i = 0; i < 200 && received_ == 0; ++i) std::this_thread::sleep_for(milliseconds(5));
  }
  void Release() {
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    cv_.notify_all();
  }
  int received() const { return received_.load(); }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool released_ = false;  // guarded by mu_
  std::atomic<int> received_{0};
};

std::unique_ptr<UdpReceiver> StartReceiver(const UdpReceiverOptions& options, DatagramSink sink) {
  auto receiver = UdpReceiver::Start(options, std::move(sink));
  EXPECT_TRUE(receiver.ok()) << receiver.status().ToString();
  return receiver.ok() ? std::move(receiver).value() : nullptr;
}

// Datagram `i`: "<i>:" followed by a pattern, 1..1400 bytes long, all byte values included.
std::string Payload(int i) {
  std::string bytes = std::to_string(i) + ":";
  size_t size = 1 + static_cast<size_t>(i * 7919) % 1400;
  while (bytes.size() < size) bytes += static_cast<char>((i + bytes.size()) % 256);
  return bytes;
}

TEST(UdpReceiverTest, ReceivesEveryDatagramByteExact) {
  Collector collector;
  auto receiver = StartReceiver(TestOptions(), collector.Sink());
  ASSERT_NE(receiver, nullptr);
  ASSERT_NE(receiver->port(), 0);
  constexpr int kCount = 2000;
  UdpSender sender(receiver->port());
  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(sender.Send(Payload(i)));
    // Paced in bursts of 100, so that even a default-sized socket buffer (no CAP_NET_ADMIN, a
    // small net.core.rmem_max) cannot overflow on a busy machine.
    if (i % 100 == 99) {
      ASSERT_TRUE(collector.WaitFor(i + 1)) << collector.payloads().size();
    }
  }
  ASSERT_TRUE(collector.WaitFor(kCount)) << collector.payloads().size();
  receiver->Stop();

  std::vector<std::string> got = collector.payloads();
  ASSERT_EQ(got.size(), static_cast<size_t>(kCount));
  std::vector<bool> seen(kCount, false);
  for (const std::string& payload : got) {
    int i = std::stoi(payload.substr(0, payload.find(':')));
    ASSERT_GE(i, 0);
    ASSERT_LT(i, kCount);
    EXPECT_FALSE(seen[i]) << "duplicate " << i;
    seen[i] = true;
    EXPECT_EQ(payload, Payload(i));
  }
  UdpReceiverStats stats = receiver->stats();
  EXPECT_EQ(stats.datagrams, static_cast<uint64_t>(kCount));
  EXPECT_EQ(stats.truncated, 0u);
  EXPECT_EQ(stats.recv_errors, 0u);
  EXPECT_EQ(stats.kernel_drops, 0u);
  EXPECT_GE(stats.batches, 1u);
}

TEST(UdpReceiverTest, ADatagramLongerThanTheMaximumIsFlaggedTruncated) {
  UdpReceiverOptions options = TestOptions();
  options.max_datagram_bytes = 100;
  Collector collector;
  auto receiver = StartReceiver(options, collector.Sink());
  ASSERT_NE(receiver, nullptr);
  UdpSender sender(receiver->port());
  ASSERT_TRUE(sender.Send(std::string(100, 'a')));   // exactly the maximum: whole
  ASSERT_TRUE(sender.Send(std::string(101, 'b')));   // one byte over: fits the +1 slot
  ASSERT_TRUE(sender.Send(std::string(5000, 'c')));  // far over: MSG_TRUNC
  ASSERT_TRUE(collector.WaitFor(3));
  receiver->Stop();
  EXPECT_EQ(collector.payloads(),
            (std::vector<std::string>{std::string(100, 'a'), std::string(100, 'b'),
                                      std::string(100, 'c')}));
  EXPECT_EQ(collector.truncated(), (std::vector<bool>{false, true, true}));
  EXPECT_EQ(receiver->stats().truncated, 2u);
}

TEST(UdpReceiverTest, StopReturnsPromptlyAndIsIdempotent) {
  Collector collector;
  auto receiver = StartReceiver(TestOptions(), collector.Sink());
  ASSERT_NE(receiver, nullptr);
  std::this_thread::sleep_for(milliseconds(50));  // the thread is blocked in poll
  auto start = steady_clock::now();
  receiver->Stop();
  EXPECT_LT(steady_clock::now() - start, milliseconds(300));
  receiver->Stop();
  receiver.reset();
}

TEST(UdpReceiverTest, StopDeliversDatagramsTheKernelAlreadyHolds) {
  // The sink stalls on its first batch while more datagrams queue up in the kernel; Stop must
  // still deliver them.
  StalledSink stalled;
  UdpReceiverOptions options = TestOptions();
  options.batch_size = 1;  // 64 batches between checks for Stop: the rest is left to the drain
  auto receiver = StartReceiver(options, stalled.Sink());
  ASSERT_NE(receiver, nullptr);
  UdpSender sender(receiver->port());
  ASSERT_TRUE(sender.Send("first"));
  stalled.WaitUntilStalled();
  ASSERT_EQ(stalled.received(), 1);
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(sender.Send(Payload(i)));  // fits a default buffer
  std::thread stopper([&] { receiver->Stop(); });
  std::this_thread::sleep_for(milliseconds(20));  // let Stop signal while the sink is stalled
  stalled.Release();
  stopper.join();
  EXPECT_EQ(stalled.received(), 101);
  EXPECT_EQ(receiver->stats().kernel_drops, 0u);
}

TEST(UdpReceiverTest, CountsDatagramsTheKernelDropped) {
  // A tiny socket buffer and a stalled sink: the kernel must drop, and say so.
  StalledSink stalled;
  UdpReceiverOptions options = TestOptions();
  options.socket_buffer_bytes = 4096;
  options.batch_size = 1;
  auto receiver = StartReceiver(options, stalled.Sink());
  ASSERT_NE(receiver, nullptr);
  UdpSender sender(receiver->port());
  ASSERT_TRUE(sender.Send("first"));
  stalled.WaitUntilStalled();
  constexpr int kMore = 200;
  for (int i = 0; i < kMore; ++i) ASSERT_TRUE(sender.Send(std::string(1000, 'x')));
  stalled.Release();
  receiver->Stop();
  UdpReceiverStats stats = receiver->stats();
  EXPECT_GT(stats.kernel_drops, 0u);
  EXPECT_EQ(stats.datagrams + stats.kernel_drops, static_cast<uint64_t>(kMore + 1));
}

TEST(UdpReceiverTest, ReportsTheEffectiveSocketBuffer) {
  UdpReceiverOptions options = TestOptions();
  options.socket_buffer_bytes = 200'000;  // under the default net.core.rmem_max
  Collector collector;
  auto receiver = StartReceiver(options, collector.Sink());
  ASSERT_NE(receiver, nullptr);
  EXPECT_EQ(receiver->socket_buffer_bytes(), 400'000);  // Linux doubles it
}

TEST(UdpReceiverTest, StartFailsOnATakenPortOrBadOptions) {
  Collector collector;
  auto first = StartReceiver(TestOptions(), collector.Sink());
  ASSERT_NE(first, nullptr);
  UdpReceiverOptions options = TestOptions();
  options.port = first->port();
  auto second = UdpReceiver::Start(options, collector.Sink());
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);

  options = TestOptions();
  options.batch_size = 0;
  EXPECT_EQ(UdpReceiver::Start(options, collector.Sink()).status().code(),
            StatusCode::kInvalidArgument);
  options = TestOptions();
  options.address = "192.0.2.1";  // TEST-NET-1: not a local address
  EXPECT_EQ(UdpReceiver::Start(options, collector.Sink()).status().code(),
            StatusCode::kUnavailable);
  EXPECT_EQ(UdpReceiver::Start(TestOptions(), nullptr).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace roentgen::transport
