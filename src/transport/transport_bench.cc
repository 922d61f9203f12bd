// transport/transport_bench.cc — the network ceilings the server is compared against:
// - BM_UdpReceiveAlone: a sender thread sends 1 KiB datagrams on loopback for 3 s (arg 0: as fast
//   as it can; otherwise paced at arg datagrams/s) to a UdpReceiver whose sink only counts. Reports
//   datagrams/s sent and received, loss, the kernel's own drop count, and the receive thread's CPU
//   per datagram (with the rate that cost allows). Nothing else runs: "UDP receive alone". On a
//   2-core machine the sender (which also pays for loopback delivery) is usually the bottleneck,
//   so recv/s is a lower bound and recv_ceiling/s the receive thread's own limit.
// - BM_HttpKeepAlivePost: one HttpClient posting 1 KiB bodies over one keep-alive connection to an
//   HttpServer whose handler answers at once (request/response round trips per second).

#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <string>
#include <thread>
#include <vector>

#include "transport/http_client.h"
#include "transport/http_server.h"
#include "transport/udp_receiver.h"

namespace roentgen::transport {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr size_t kDatagramBytes = 1024;
constexpr double kSendSeconds = 3.0;
constexpr unsigned kSendBatch = 32;

struct SendResult {
  uint64_t sent = 0;
  double seconds = 0;
};

// Sends kDatagramBytes datagrams to 127.0.0.1:port with sendmmsg for `seconds`, at most `rate`
// per second (0: unpaced).
SendResult Blast(uint16_t port, double seconds, double rate) {
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    std::perror("connect");
    close(fd);
    return {};
  }
  std::string payload(kDatagramBytes, 'x');
  std::vector<iovec> iovecs(kSendBatch);
  std::vector<mmsghdr> messages(kSendBatch);
  for (unsigned i = 0; i < kSendBatch; ++i) {
    iovecs[i] = {payload.data(), payload.size()};
    messages[i] = {};
    messages[i].msg_hdr.msg_iov = &iovecs[i];
    messages[i].msg_hdr.msg_iovlen = 1;
  }
  SendResult result;
  const auto start = SteadyClock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  for (auto now = start; now < end; now = SteadyClock::now()) {
    if (rate > 0) {
      auto due = start + std::chrono::duration<double>(static_cast<double>(result.sent) / rate);
      if (due > now) std::this_thread::sleep_until(due);
    }
    int n = sendmmsg(fd, messages.data(), kSendBatch, 0);
    if (n > 0) result.sent += static_cast<uint64_t>(n);
  }
  result.seconds = std::chrono::duration<double>(SteadyClock::now() - start).count();
  close(fd);
  return result;
}

double ThreadCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

void BM_UdpReceiveAlone(benchmark::State& state) {
  const double rate = static_cast<double>(state.range(0));
  for (auto _ : state) {
    // Touched by the receive thread only, read after Stop (which joins it).
    uint64_t received = 0;
    uint64_t bytes = 0;
    double first_cpu = -1;  // the receive thread's CPU time at its first and latest batch
    double last_cpu = 0;
    UdpReceiverOptions options;
    options.port = 0;
    auto receiver = UdpReceiver::Start(options, [&](std::span<const Datagram> batch) {
      received += batch.size();
      for (const Datagram& d : batch) bytes += d.bytes.size();
      last_cpu = ThreadCpuSeconds();
      if (first_cpu < 0) first_cpu = last_cpu;
    });
    if (!receiver.ok()) {
      state.SkipWithError(receiver.status().ToString().c_str());
      return;
    }
    SendResult sent = Blast((*receiver)->port(), kSendSeconds, rate);
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the queue drain
    (*receiver)->Stop();
    UdpReceiverStats stats = (*receiver)->stats();
    state.SetIterationTime(sent.seconds);
    state.counters["sent/s"] = static_cast<double>(sent.sent) / sent.seconds;
    state.counters["recv/s"] = static_cast<double>(received) / sent.seconds;
    state.counters["recv_MB/s"] = static_cast<double>(bytes) / sent.seconds / 1e6;
    state.counters["loss_%"] =
        sent.sent == 0 ? 0.0 : 100.0 * static_cast<double>(sent.sent - received) / sent.sent;
    state.counters["kernel_drops"] = static_cast<double>(stats.kernel_drops);
    state.counters["batches"] = static_cast<double>(stats.batches);
    state.counters["rcvbuf"] = (*receiver)->socket_buffer_bytes();
    // The receive thread's own cost (loopback delivery itself is charged to the sender), and the
    // rate one receive thread could sustain at that cost.
    if (received > 1 && last_cpu > first_cpu) {
      double cpu_per_datagram = (last_cpu - first_cpu) / static_cast<double>(received - 1);
      state.counters["recv_cpu_us/dgram"] = cpu_per_datagram * 1e6;
      state.counters["recv_ceiling/s"] = 1.0 / cpu_per_datagram;
    }
  }
}
BENCHMARK(BM_UdpReceiveAlone)
    ->ArgName("rate")
    ->Arg(0)
    ->Arg(100'000)
    ->Arg(150'000)
    ->Arg(200'000)
    ->Arg(300'000)
    ->Iterations(1)
    ->UseManualTime()
    ->Unit(benchmark::kMillisecond);

void BM_HttpKeepAlivePost(benchmark::State& state) {
  HttpServerOptions options;
  options.port = 0;
  auto server = HttpServer::Start(options, [](HttpRequest, HttpResponder respond) {
    HttpResponse response;
    response.headers = {{"Content-Type", "application/json"}};
    response.body = R"({"UnprocessedTraceSegments":[]})";
    respond(std::move(response));
  });
  if (!server.ok()) {
    state.SkipWithError(server.status().ToString().c_str());
    return;
  }
  HttpClient client({.host = "127.0.0.1", .port = (*server)->port()});
  const std::string body(1024, 'x');
  for (auto _ : state) {
    auto response = client.Post("/TraceSegments", body);
    if (!response.ok() || response->status != 200) {
      state.SkipWithError("request failed");
      break;
    }
  }
  state.counters["req/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_HttpKeepAlivePost)->UseRealTime()->MinTime(2.0);

}  // namespace
}  // namespace roentgen::transport

BENCHMARK_MAIN();
