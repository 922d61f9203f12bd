// bench/load_generator.cc — roentgen-loadgen: sends realistic segment documents to a server over
// UDP (as SDKs do: header line + document per datagram) or PutTraceSegments (as the daemon does:
// up to 50 documents per call), at a fixed rate or flat out, and prints what it sent as JSON.
//
//   roentgen-loadgen --udp 127.0.0.1:2000 --rate 100000 --seconds 20
//   roentgen-loadgen --http 127.0.0.1:2000 --rate 0 --seconds 20 --threads 2

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <thread>
#include <vector>

#include "bench/segment_generator.h"
#include "transport/http_client.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Totals {
  std::atomic<uint64_t> documents{0};
  std::atomic<uint64_t> bytes{0};
  std::atomic<uint64_t> send_errors{0};
  std::atomic<uint64_t> unprocessed{0};
  std::atomic<uint64_t> throttled{0};
};

double WallNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The time a sender runs for, and its pacing within it.
class Window {
 public:
  explicit Window(double seconds)
      : start_(Clock::now()),
        stop_(start_ +
              std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds))) {
  }

  bool open() const { return Clock::now() < stop_; }

  // Sleeps until `sent` documents are due at `rate` per second (no-op flat out: rate 0).
  void Pace(double rate, uint64_t sent) const {
    if (rate <= 0) return;
    const auto due = start_ + std::chrono::duration_cast<Clock::duration>(
                                  std::chrono::duration<double>(sent / rate));
    if (due > Clock::now()) std::this_thread::sleep_until(due);
  }

 private:
  const Clock::time_point start_;
  const Clock::time_point stop_;
};

void SendUdp(const std::string& host, uint16_t port, double rate, double seconds, uint64_t seed,
             Totals& totals) {
  const int fd = socket(AF_INET, SOCK_DGRAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  inet_pton(AF_INET, host.c_str(), &address.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0) {
    std::perror("connect");
    return;
  }
  roentgen::bench::SegmentGenerator generator(seed);
  std::vector<std::string> documents;
  std::vector<std::string> datagrams;
  std::vector<iovec> iovecs;
  std::vector<mmsghdr> messages;
  const Window window(seconds);
  uint64_t sent = 0;
  while (window.open()) {
    documents.clear();
    while (documents.size() < 32) generator.NextTrace(WallNow(), documents);
    datagrams.clear();
    for (const std::string& document : documents) {
      datagrams.push_back("{\"format\":\"json\",\"version\":1}\n" + document);
    }
    iovecs.assign(datagrams.size(), {});
    messages.assign(datagrams.size(), {});
    for (size_t i = 0; i < datagrams.size(); ++i) {
      iovecs[i] = {datagrams[i].data(), datagrams[i].size()};
      messages[i].msg_hdr.msg_iov = &iovecs[i];
      messages[i].msg_hdr.msg_iovlen = 1;
    }
    size_t done = 0;
    while (done < messages.size()) {
      const int n = sendmmsg(fd, messages.data() + done, messages.size() - done, 0);
      if (n <= 0) {
        totals.send_errors.fetch_add(1);
        break;
      }
      for (int i = 0; i < n; ++i) totals.bytes.fetch_add(datagrams[done + i].size());
      done += n;
    }
    totals.documents.fetch_add(done);
    sent += done;
    window.Pace(rate, sent);
  }
  close(fd);
}

void SendHttp(const std::string& host, uint16_t port, double rate, double seconds, uint64_t seed,
              Totals& totals) {
  roentgen::transport::HttpClient client({host, port, 30'000, 64 << 20});
  roentgen::bench::SegmentGenerator generator(seed);
  std::vector<std::string> documents;
  const Window window(seconds);
  uint64_t sent = 0;
  while (window.open()) {
    documents.clear();
    while (documents.size() < 50) generator.NextTrace(WallNow(), documents);
    documents.resize(50);
    std::string body = "{\"TraceSegmentDocuments\":[";
    for (size_t i = 0; i < documents.size(); ++i) {
      if (i) body += ",";
      body += "\"";
      for (char c : documents[i]) {
        if (c == '"' || c == '\\') body += '\\';
        body += c;
      }
      body += "\"";
    }
    body += "]}";
    auto response = client.Post("/TraceSegments", body, {{"Content-Type", "application/json"}});
    if (!response.ok()) {
      totals.send_errors.fetch_add(1);
      continue;
    }
    if (response->status == 429) {
      totals.throttled.fetch_add(documents.size());
      continue;
    }
    if (response->status != 200) {
      totals.send_errors.fetch_add(1);
      continue;
    }
    if (response->body != "{\"UnprocessedTraceSegments\":[]}") {
      totals.unprocessed.fetch_add(1);
    }
    totals.documents.fetch_add(documents.size());
    totals.bytes.fetch_add(body.size());
    sent += documents.size();
    window.Pace(rate, sent);
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"roentgen-loadgen: realistic X-Ray segment traffic for benchmarks."};
  std::string udp, http;
  double rate = 0, seconds = 10;
  int threads = 1;
  uint64_t seed = 1;
  app.add_option("--udp", udp, "send datagrams to address:port");
  app.add_option("--http", http, "send PutTraceSegments to address:port");
  app.add_option("--rate", rate, "documents per second in total; 0 = flat out");
  app.add_option("--seconds", seconds, "how long to send");
  app.add_option("--threads", threads, "sending threads")->check(CLI::Range(1, 64));
  app.add_option("--seed", seed, "random seed");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "roentgen-loadgen: " << e.what() << "\n";
    return 2;
  }
  if (udp.empty() == http.empty()) {
    std::cerr << "roentgen-loadgen: give exactly one of --udp or --http\n";
    return 2;
  }
  const std::string& target = udp.empty() ? http : udp;
  const size_t colon = target.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "roentgen-loadgen: expected address:port, got '" << target << "'\n";
    return 2;
  }
  const std::string host = target.substr(0, colon);
  const auto port = static_cast<uint16_t>(std::stoi(target.substr(colon + 1)));

  Totals totals;
  const auto start = Clock::now();
  std::vector<std::thread> senders;
  for (int i = 0; i < threads; ++i) {
    senders.emplace_back([&, i] {
      if (!udp.empty()) {
        SendUdp(host, port, rate / threads, seconds, seed + i, totals);
      } else {
        SendHttp(host, port, rate / threads, seconds, seed + i, totals);
      }
    });
  }
  for (auto& sender : senders) sender.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf(
      "{\"transport\":\"%s\",\"documents\":%llu,\"bytes\":%llu,\"seconds\":%.3f,"
      "\"documents_per_second\":%.0f,\"send_errors\":%llu,\"throttled_documents\":%llu,"
      "\"responses_with_unprocessed\":%llu}\n",
      udp.empty() ? "http" : "udp", static_cast<unsigned long long>(totals.documents.load()),
      static_cast<unsigned long long>(totals.bytes.load()), elapsed,
      totals.documents.load() / elapsed, static_cast<unsigned long long>(totals.send_errors.load()),
      static_cast<unsigned long long>(totals.throttled.load()),
      static_cast<unsigned long long>(totals.unprocessed.load()));
  return 0;
}
