// summary_query_bench — GetTraceSummaries' store scan at scale: the first page (100 summaries)
// of filtered queries over an hour of traces, with the filter's candidate terms (the postings
// index, storage/partition.h) and without them (a scan of every summary, newest first), plus the
// raw scan rate (summaries decoded and evaluated per second).
//
// The store holds --traces N traces (default 1,000,000) with trace-id epochs spread over one
// hour, made by the load test's generator (bench/segment_generator.h) and summarized by the
// server's own query::SummarizeTrace. Two adjustments give the queries something to find: ~0.1%
// of traces carry the annotation tenant = "acme-rare", and each root segment's end time is drawn
// uniformly so that responsetime varies (0.025–0.475 s) instead of being the generator's 0.5 s.
//
//   summary_query_bench [--traces N] [--dir PATH] [--repeat R]
//     --dir PATH   build the store in PATH and keep it; a later run with the same PATH reuses it
//                  (otherwise a temporary directory, removed at exit)
//     --repeat R   runs per query (default 7); the median and the best are printed
//
// Not a Google Benchmark binary: building the store is the expensive part and happens once.
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "bench/segment_generator.h"
#include "core/clock.h"
#include "filter/filter.h"
#include "model/segment_parser.h"
#include "query/summarizer.h"
#include "storage/embedded_trace_store.h"

namespace roentgen {
namespace {

namespace fs = std::filesystem;

constexpr EpochSeconds kStart = 1'700'000'000;
constexpr EpochSeconds kWindow = 3600;
constexpr size_t kBatchDocuments = 20000;
constexpr const char* kRareTenant = "acme-rare";

struct Flags {
  size_t traces = 1'000'000;
  std::string dir;
  int repeat = 7;
};

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--traces" && has_value) {
      flags.traces = std::strtoull(argv[++i], nullptr, 10);
    } else if (arg == "--dir" && has_value) {
      flags.dir = argv[++i];
    } else if (arg == "--repeat" && has_value) {
      flags.repeat = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: %s [--traces N] [--dir PATH] [--repeat R]\n", argv[0]);
      std::exit(2);
    }
  }
  return flags;
}

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// Replaces the value of the first `"key":` in `doc` (up to the next ',' or '}').
void ReplaceFirstValue(std::string& doc, std::string_view key, std::string_view value) {
  const size_t at = doc.find(key);
  if (at == std::string::npos) return;
  const size_t begin = at + key.size();
  const size_t end = doc.find_first_of(",}", begin);
  doc.replace(begin, end - begin, value);
}

// Writes `traces` generated traces to `store`, epochs spread evenly over the hour.
void Build(storage::EmbeddedTraceStore& store, size_t traces, FakeClock& clock) {
  bench::SegmentGenerator generator(42);
  model::SegmentParser parser;
  std::mt19937_64 random(7);
  std::vector<std::string> texts;
  std::vector<model::SegmentDocument> batch;
  size_t documents = 0;
  size_t rare = 0;
  size_t next_report = 100000;
  const auto t0 = std::chrono::steady_clock::now();
  for (size_t t = 0; t < traces; ++t) {
    const EpochSeconds now =
        kStart + kWindow * static_cast<double>(t) / static_cast<double>(traces);
    texts.clear();
    generator.NextTrace(now, texts);
    // The root is texts[0]: its own end_time comes before its subsegments'.
    char end[32];
    std::snprintf(end, sizeof(end), "%.6f",
                  now - 0.5 + 0.025 + 0.45 * std::uniform_real_distribution<double>(0, 1)(random));
    ReplaceFirstValue(texts[0], "\"end_time\":", end);
    if (random() % 1000 == 0) {
      ReplaceFirstValue(texts[0], "\"tenant\":", std::string("\"") + kRareTenant + "\"");
      ++rare;
    }
    for (const std::string& text : texts) {
      for (model::ParsedDocument& parsed : parser.Parse(text)) {
        if (auto* doc = std::get_if<model::SegmentDocument>(&parsed)) batch.push_back(*doc);
      }
    }
    if (batch.size() >= kBatchDocuments || t + 1 == traces) {
      documents += batch.size();
      clock.Set(now);
      Status status = store.Write(batch, now);
      if (!status.ok()) {
        std::fprintf(stderr, "write: %s\n", status.ToString().c_str());
        std::exit(1);
      }
      batch.clear();
      if (t + 1 >= next_report) {
        std::fprintf(stderr, "  %zu traces written (%.0f s)\n", t + 1, Seconds(t0));
        next_report += 100000;
      }
    }
  }
  const double seconds = Seconds(t0);
  std::printf(
      "built: %zu traces, %zu documents, %zu with tenant=%s in %.1f s (%.0f docs/s, "
      "generation and parsing included)\n",
      traces, documents, rare, kRareTenant, seconds, static_cast<double>(documents) / seconds);
}

struct Query {
  std::string name;
  std::string expression;
};

struct Timing {
  double median_ms = 0;
  double best_ms = 0;
  size_t matches = 0;
  uint64_t scanned = 0;
};

Timing TimeFirstPage(const storage::TraceStore& store, const filter::Filter& filter, bool use_terms,
                     int repeat) {
  storage::SummaryScan scan;
  scan.start_time = kStart;
  scan.end_time = kStart + kWindow;
  scan.range_type = storage::TimeRangeType::kTraceId;
  scan.limit = 100;
  scan.max_scanned = 10'000'000;
  if (!filter.MatchesAll()) {
    scan.predicate = [&filter](const model::TraceSummary& s) { return filter.Matches(s); };
  }
  if (use_terms) scan.candidate_terms = filter.CandidateTerms();
  scan.need_graph = filter.ReadsGraph();  // as GetTraceSummaries sets it
  std::vector<double> runs;
  Timing timing;
  for (int r = 0; r < repeat; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    Result<storage::SummaryPage> page = store.ScanSummaries(scan);
    runs.push_back(Seconds(t0) * 1e3);
    if (!page.ok()) {
      std::fprintf(stderr, "scan: %s\n", page.status().ToString().c_str());
      std::exit(1);
    }
    timing.matches = page->summaries.size();
    timing.scanned = page->scanned;
  }
  std::sort(runs.begin(), runs.end());
  timing.median_ms = runs[runs.size() / 2];
  timing.best_ms = runs.front();
  return timing;
}

int Main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  const bool temporary = flags.dir.empty();
  std::string dir = flags.dir;
  if (temporary) {
    dir = "/tmp/roentgen-summary-query-bench-XXXXXX";
    if (::mkdtemp(dir.data()) == nullptr) return 1;
  }
  const bool reuse = !temporary && fs::exists(dir + "/partitions");

  FakeClock clock(kStart);
  storage::EmbeddedStoreOptions options;
  options.directory = dir;
  options.clock = &clock;
  options.summarizer = query::SummarizeTrace;
  const auto open_start = std::chrono::steady_clock::now();
  Result<std::unique_ptr<storage::EmbeddedTraceStore>> opened =
      storage::EmbeddedTraceStore::Open(options);
  const double open_seconds = Seconds(open_start);
  if (!opened.ok()) {
    std::fprintf(stderr, "open: %s\n", opened.status().ToString().c_str());
    return 1;
  }
  std::unique_ptr<storage::EmbeddedTraceStore> store = std::move(opened).value();
  if (reuse) {
    std::printf("reusing the store in %s (opened in %.2f s)\n", dir.c_str(), open_seconds);
  } else {
    Build(*store, flags.traces, clock);
    if (Status synced = store->SyncIndexes(); !synced.ok()) return 1;
  }
  Result<storage::StoreStats> stats = store->Stats();
  if (stats.ok()) {
    std::printf("store: %llu traces, %llu documents, %.1f MB on disk (%.0f B per trace)\n",
                static_cast<unsigned long long>(stats->traces),
                static_cast<unsigned long long>(stats->documents),
                static_cast<double>(stats->bytes_on_disk) / 1e6,
                static_cast<double>(stats->bytes_on_disk) /
                    static_cast<double>(std::max<uint64_t>(stats->traces, 1)));
  }

  const Query queries[] = {
      {"rare annotation", std::string("annotation.tenant = \"") + kRareTenant + "\""},
      {"service() { fault }", "service() { fault }"},
      {"responsetime > 0.25", "responsetime > 0.25"},
  };
  std::printf("\nfirst page (limit 100) of %s, newest first, median / best of %d runs:\n",
              "the hour", flags.repeat);
  std::printf("  %-22s %-10s %9s %9s %8s %10s %6s\n", "query", "plan", "median_ms", "best_ms",
              "matches", "scanned", "terms");
  for (const Query& query : queries) {
    Result<filter::Filter> compiled = filter::Filter::Compile(query.expression);
    if (!compiled.ok()) {
      std::fprintf(stderr, "compile %s: %s\n", query.expression.c_str(),
                   compiled.status().ToString().c_str());
      return 1;
    }
    for (bool use_terms : {true, false}) {
      if (use_terms && compiled->CandidateTerms().empty()) {
        std::printf("  %-22s %-10s %9s %9s %8s %10s %6s\n", query.name.c_str(), "postings", "-",
                    "-", "-", "-", "none");
        continue;
      }
      const Timing t = TimeFirstPage(*store, *compiled, use_terms, flags.repeat);
      std::printf("  %-22s %-10s %9.2f %9.2f %8zu %10llu %6zu\n", query.name.c_str(),
                  use_terms ? "postings" : "full scan", t.median_ms, t.best_ms, t.matches,
                  static_cast<unsigned long long>(t.scanned),
                  use_terms ? compiled->CandidateTerms().size() : size_t{0});
    }
  }

  // The raw rate: every summary of the hour decoded and run through a filter that matches none.
  Result<filter::Filter> none = filter::Filter::Compile("responsetime > 1000");
  if (none.ok()) {
    storage::SummaryScan scan;
    scan.start_time = kStart;
    scan.end_time = kStart + kWindow;
    scan.limit = 100;
    scan.max_scanned = 100'000'000;
    scan.predicate = [&none](const model::TraceSummary& s) { return none->Matches(s); };
    scan.need_graph = none->ReadsGraph();
    const auto t0 = std::chrono::steady_clock::now();
    Result<storage::SummaryPage> page = store->ScanSummaries(scan);
    const double seconds = Seconds(t0);
    if (page.ok()) {
      std::printf("\nraw scan: %llu summaries decoded + evaluated in %.2f s = %.0f per second\n",
                  static_cast<unsigned long long>(page->scanned), seconds,
                  static_cast<double>(page->scanned) / seconds);
    }
  }

  store.reset();
  if (temporary) fs::remove_all(dir);
  return 0;
}

}  // namespace
}  // namespace roentgen

int main(int argc, char** argv) { return roentgen::Main(argc, argv); }
