#include "apps/serve_command.h"

#include <signal.h>

#include <cerrno>
#include <ctime>
#include <filesystem>
#include <memory>
#include <vector>

#include "api/routes.h"
#include "core/clock.h"
#include "core/log.h"
#include "ingest/pipeline.h"
#include "query/summarizer.h"
#include "storage/embedded_trace_store.h"
#include "transport/http_server.h"
#include "transport/udp_receiver.h"

namespace roentgen::apps {
namespace {

constexpr double kStatsLogIntervalSeconds = 60;
constexpr double kRetentionIntervalSeconds = 3600;

std::string StatsLine(const ingest::IngestSnapshot& s) {
  return "ingest: udp_datagrams=" + std::to_string(s.udp_datagrams) +
         " http_documents=" + std::to_string(s.http_documents) +
         " accepted=" + std::to_string(s.accepted_documents) +
         " rejected{bad_header=" + std::to_string(s.rejected_bad_header) +
         " bad_json=" + std::to_string(s.rejected_bad_json) +
         " invalid_document=" + std::to_string(s.rejected_invalid_document) +
         " too_large=" + std::to_string(s.rejected_too_large) +
         " queue_full=" + std::to_string(s.rejected_queue_full) + "}" +
         " store_failures=" + std::to_string(s.store_failures);
}

void EnforceRetention(storage::TraceStore& store, const Clock& clock, double retention_seconds) {
  Status status = store.DropBefore(clock.Now() - retention_seconds);
  if (!status.ok()) log::Error("retention: " + status.ToString());
}

}  // namespace

int RunServe(const ServeOptions& options) {
  log::SetLevel(options.log_level);

  // Signals are taken synchronously by this thread; every thread started below inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  SystemClock clock;
  std::error_code ignored;
  std::filesystem::create_directories(options.data_dir, ignored);
  const std::string data_dir = std::filesystem::absolute(options.data_dir).string();

  storage::EmbeddedStoreOptions store_options;
  store_options.directory = data_dir;
  store_options.clock = &clock;
  store_options.summarizer = query::SummarizeTrace;
  store_options.retention_seconds = options.retention_seconds;
  auto store = storage::EmbeddedTraceStore::Open(store_options);
  if (!store.ok()) {
    log::Error("cannot open the store in " + data_dir + ": " + store.status().ToString());
    return 1;
  }
  EnforceRetention(**store, clock, options.retention_seconds);

  ingest::IngestPipeline pipeline(**store, clock);

  transport::UdpReceiverOptions udp_options;
  udp_options.address = options.udp.address;
  udp_options.port = options.udp.port;
  auto udp = transport::UdpReceiver::Start(
      udp_options, [&pipeline](std::span<const transport::Datagram> datagrams) {
        thread_local std::vector<ingest::DatagramView> views;
        views.clear();
        for (const transport::Datagram& d : datagrams) views.push_back({d.bytes, d.truncated});
        pipeline.OfferDatagrams(views);
      });
  if (!udp.ok()) {
    log::Error("cannot listen on UDP " + options.udp.address + ":" +
               std::to_string(options.udp.port) + ": " + udp.status().ToString());
    return 1;
  }

  transport::HttpServerOptions http_options;
  http_options.address = options.http.address;
  http_options.port = options.http.port;
  auto http =
      transport::HttpServer::Start(http_options, api::MakeApiHandler({pipeline, **store, clock}));
  if (!http.ok()) {
    log::Error("cannot listen on HTTP " + options.http.address + ":" +
               std::to_string(options.http.port) + ": " + http.status().ToString());
    (*udp)->Stop();
    return 1;
  }

  log::Info("roentgen serving: udp=" + options.udp.address + ":" + std::to_string((*udp)->port()) +
            " http=" + options.http.address + ":" + std::to_string((*http)->port()) +
            " data_dir=" + data_dir);

  ingest::IngestSnapshot logged = pipeline.counters();
  double next_stats_log = clock.Now() + kStatsLogIntervalSeconds;
  double next_retention = clock.Now() + kRetentionIntervalSeconds;
  const timespec tick{1, 0};
  int signal_number = -1;
  while (signal_number < 0) {
    signal_number = sigtimedwait(&stop_signals, nullptr, &tick);
    if (signal_number < 0 && errno != EAGAIN && errno != EINTR) break;
    const double now = clock.Now();
    if (now >= next_stats_log) {
      next_stats_log = now + kStatsLogIntervalSeconds;
      ingest::IngestSnapshot current = pipeline.counters();
      if (current.udp_datagrams != logged.udp_datagrams ||
          current.http_documents != logged.http_documents) {
        log::Info(StatsLine(current));
        logged = current;
      }
    }
    if (now >= next_retention) {
      next_retention = now + kRetentionIntervalSeconds;
      EnforceRetention(**store, clock, options.retention_seconds);
    }
  }

  log::Info("roentgen stopping (signal " + std::to_string(signal_number) +
            "): flushing accepted segments");
  // Reverse order of start-up: no new input, then drain what was accepted, then close the store.
  (*http)->Stop();
  (*udp)->Stop();
  pipeline.Stop();
  log::Info(StatsLine(pipeline.counters()));
  log::Info("roentgen stopped");
  return 0;
}

}  // namespace roentgen::apps
