// storage_bench — the embedded store at the project's target shape: 200k segment documents
// written in batches of 1000, made by the server load test's own generator
// (bench/segment_generator.h): traces of 1–3 services, documents of 0.5–3 KB with 2–6
// subsegments, random hex ids. Reports documents/s and bytes on disk per
// document; then trace lookups and summary scans over the result.
//
// The summarizer builds a summary of realistic size and content (services, http, annotations,
// users, instance ids, zones; ~330 bytes encoded) from the documents' fields without parsing JSON,
// so the figures are the store's own cost: the server's summarizer (query/) parses every
// document and costs more than the whole store.
//
// Flags besides Google Benchmark's: none; environment FRAME_KIB and ZSTD_LEVEL override the
// store's defaults, KEEP_DIR=1 keeps the written directory for inspection.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "bench/segment_generator.h"
#include "core/clock.h"
#include "model/segment_parser.h"
#include "storage/embedded_trace_store.h"

namespace roentgen::storage {
namespace {

namespace fs = std::filesystem;

constexpr size_t kDocuments = 200'000;
constexpr size_t kBatch = 1000;
constexpr EpochSeconds kStart = 1'700'000'000;

using bench::kOrigins;
using bench::kPaths;
using bench::kServices;

// Documents in arrival order, batch by batch, from the load test's own generator; a fifth of
// the multi-document traces continue in the next batch (so their summaries are recomputed from
// documents read back).
std::vector<std::vector<model::SegmentDocument>> GenerateBatches(uint64_t seed) {
  bench::SegmentGenerator generator(seed);
  model::SegmentParser parser;
  std::mt19937_64 random(seed);
  std::vector<std::vector<model::SegmentDocument>> batches;
  std::vector<model::SegmentDocument> carried;
  std::vector<std::string> texts;
  EpochSeconds now = kStart;
  while (batches.size() * kBatch < kDocuments) {
    std::vector<model::SegmentDocument> batch = std::move(carried);
    carried.clear();
    while (batch.size() < kBatch) {
      now += 0.0005;
      texts.clear();
      generator.NextTrace(now, texts);
      const size_t keep = texts.size() > 1 && random() % 5 == 0 ? 1 : texts.size();
      for (size_t i = 0; i < texts.size(); ++i) {
        for (model::ParsedDocument& parsed : parser.Parse(texts[i])) {
          (i < keep ? batch : carried)
              .push_back(std::get<model::SegmentDocument>(std::move(parsed)));
        }
      }
    }
    batches.push_back(std::move(batch));
  }
  return batches;
}

model::TraceSummary Summarize(const model::TraceId& id, std::span<const StoredDocument> documents) {
  model::TraceSummary s;
  s.id = id;
  double end = 0;
  for (size_t i = 0; i < documents.size(); ++i) {
    const model::SegmentDocument& doc = documents[i].document;
    const uint64_t h = doc.id * 0x9E3779B97F4A7C15ULL;
    if (i == 0 || doc.start_time < s.start_time) s.start_time = doc.start_time;
    if (doc.end_time) end = std::max(end, *doc.end_time);
    s.is_partial |= doc.in_progress;
    const model::ServiceId service{kServices[h % 8], {kServices[h % 8]}, "", kOrigins[h % 4]};
    if (std::find(s.service_ids.begin(), s.service_ids.end(), service) == s.service_ids.end()) {
      s.service_ids.push_back(service);
    }
    s.annotations["tenant"].push_back({"tenant-" + std::to_string(1 + (h >> 8) % 40), {service}});
    s.annotations["cart_items"].push_back({static_cast<double>((h >> 16) % 13), {service}});
    s.annotations["vip"].push_back({(h >> 20) % 10 == 0, {service}});
    if ((h >> 24) % 3 == 0)
      s.users.push_back({"user-" + std::to_string((h >> 28) % 500), {service}});
    char instance[24];
    std::snprintf(instance, sizeof(instance), "i-0%016llx",
                  static_cast<unsigned long long>(h ^ (h >> 29)));
    s.instance_ids.push_back(instance);
    s.availability_zones.push_back(std::string("us-east-1") +
                                   static_cast<char>('a' + (h >> 40) % 4));
    if (!doc.parent_id) {
      s.entry_point = service;
      s.response_time = doc.end_time ? *doc.end_time - doc.start_time : 0;
      s.http = model::HttpInfo{
          std::string("https://shop.example.com") + kPaths[(h >> 44) % 7], 200, "GET",
          "Mozilla/5.0 (X11; Linux x86_64)",
          "10.0." + std::to_string((h >> 48) % 256) + "." + std::to_string((h >> 56) % 254 + 1)};
    }
  }
  if (end > 0) s.duration = end - s.start_time;
  return s;
}

const std::vector<std::vector<model::SegmentDocument>>& Batches() {
  static const auto* batches =
      new std::vector<std::vector<model::SegmentDocument>>(GenerateBatches(42));
  return *batches;
}

std::string TempDir() {
  std::string pattern = "/tmp/roentgen-storage-bench-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) std::abort();
  return pattern;
}

EmbeddedStoreOptions Options(const std::string& dir, const Clock& clock) {
  EmbeddedStoreOptions options;
  options.directory = dir;
  options.clock = &clock;
  options.summarizer = Summarize;
  if (const char* kib = std::getenv("FRAME_KIB")) {
    options.max_frame_body_bytes = static_cast<size_t>(std::atoi(kib)) * 1024;
  }
  if (const char* level = std::getenv("ZSTD_LEVEL")) options.zstd_level = std::atoi(level);
  return options;
}

void BM_WriteBatches(benchmark::State& state) {
  const auto& batches = Batches();
  size_t documents = 0;
  size_t json_bytes = 0;
  for (const auto& batch : batches) {
    documents += batch.size();
    for (const auto& doc : batch) json_bytes += doc.json.size();
  }
  SystemClock clock;
  double worst_batch_ms = 0;
  StoreStats stats;
  uint64_t log_bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    const std::string dir = TempDir();
    auto store = EmbeddedTraceStore::Open(Options(dir, clock));
    if (!store.ok()) {
      state.SkipWithError(store.status().ToString().c_str());
      break;
    }
    state.ResumeTiming();
    EpochSeconds received_at = kStart;
    for (const auto& batch : batches) {
      const auto t0 = std::chrono::steady_clock::now();
      Status status = (*store)->Write(batch, received_at);
      const auto t1 = std::chrono::steady_clock::now();
      worst_batch_ms =
          std::max(worst_batch_ms, std::chrono::duration<double, std::milli>(t1 - t0).count());
      if (!status.ok()) {
        state.SkipWithError(status.ToString().c_str());
        break;
      }
      received_at += 0.01;
    }
    state.PauseTiming();
    stats = *(*store)->Stats();
    store->reset();  // syncs the indexes: their size is final
    stats.bytes_on_disk = 0;
    log_bytes = 0;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file()) continue;
      stats.bytes_on_disk += entry.file_size();
      if (entry.path().filename() == "segments.log") log_bytes += entry.file_size();
    }
    if (std::getenv("KEEP_DIR") == nullptr) {
      fs::remove_all(dir);
    } else {
      std::fprintf(stderr, "kept %s\n", dir.c_str());
    }
    state.ResumeTiming();
  }
  const double n = static_cast<double>(documents);
  state.counters["docs_per_s"] =
      benchmark::Counter(n * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["json_B_per_doc"] = static_cast<double>(json_bytes) / n;
  state.counters["disk_B_per_doc"] = static_cast<double>(stats.bytes_on_disk) / n;
  state.counters["log_B_per_doc"] = static_cast<double>(log_bytes) / n;
  state.counters["index_B_per_doc"] = static_cast<double>(stats.bytes_on_disk - log_bytes) / n;
  state.counters["traces"] = static_cast<double>(stats.traces);
  state.counters["worst_batch_ms"] = worst_batch_ms;
}
BENCHMARK(BM_WriteBatches)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

// Reads over a store holding the 200k documents.
class ReadFixture {
 public:
  ReadFixture() : dir_(TempDir()) {
    store_ = std::move(EmbeddedTraceStore::Open(Options(dir_, clock_))).value();
    EpochSeconds received_at = kStart;
    for (const auto& batch : Batches()) {
      if (!store_->Write(batch, received_at).ok()) std::abort();
      for (const auto& doc : batch) ids_.push_back(doc.trace_id);
      received_at += 0.01;
    }
  }
  ~ReadFixture() {
    store_.reset();
    fs::remove_all(dir_);
  }
  EmbeddedTraceStore& store() { return *store_; }
  const std::vector<model::TraceId>& ids() const { return ids_; }

 private:
  SystemClock clock_;
  std::string dir_;
  std::unique_ptr<EmbeddedTraceStore> store_;
  std::vector<model::TraceId> ids_;
};

ReadFixture& Fixture() {
  static ReadFixture fixture;  // destroyed at exit, which removes its directory
  return fixture;
}

// Random trace lookups (mostly frame-cache misses: 64 MiB of cache for ~440 MB of text).
void BM_GetTrace(benchmark::State& state) {
  ReadFixture& fixture = Fixture();
  std::mt19937_64 random(1);
  size_t documents = 0;
  for (auto _ : state) {
    const model::TraceId& id = fixture.ids()[random() % fixture.ids().size()];
    Result<StoredTrace> trace = fixture.store().GetTrace(id);
    if (!trace.ok()) {
      state.SkipWithError(trace.status().ToString().c_str());
      break;
    }
    documents += trace->documents.size();
  }
  state.counters["traces_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["docs_per_trace"] =
      static_cast<double>(documents) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_GetTrace)->UseRealTime();

// Every summary of the store (by trace id, then by update time), filtered on has_fault.
void BM_ScanSummaries(benchmark::State& state) {
  ReadFixture& fixture = Fixture();
  const bool by_event = state.range(0) == 1;
  uint64_t scanned = 0;
  for (auto _ : state) {
    SummaryScan scan;
    scan.start_time = 0;
    scan.end_time = 4e9;
    scan.range_type = by_event ? TimeRangeType::kEvent : TimeRangeType::kTraceId;
    scan.limit = 1000;
    scan.max_scanned = 1'000'000;
    scan.predicate = [](const model::TraceSummary& s) { return s.has_fault; };
    Result<SummaryPage> page = fixture.store().ScanSummaries(scan);
    if (!page.ok()) {
      state.SkipWithError(page.status().ToString().c_str());
      break;
    }
    scanned += page->scanned;
  }
  state.counters["summaries_per_s"] =
      benchmark::Counter(static_cast<double>(scanned), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ScanSummaries)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace roentgen::storage

BENCHMARK_MAIN();
