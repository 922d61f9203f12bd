// Filter::Matches throughput over in-memory TraceSummary values: the per-trace cost of a
// GetTraceSummaries scan once candidates are loaded. Varied summaries (2–6 nodes of 1–3
// segments, edges between them, 0–5 annotations, users, http) are evaluated in a loop,
// single-threaded; items_per_second = summaries evaluated per second. Goal: ≥ 10M/s for the
// simple filters. /500 is cache-resident (the evaluator's own cost); /10000 is ~50 MB, beyond
// the caches, where filters that walk nodes are bound by memory latency (each node list is
// its own allocation), not by the evaluator.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "core/check.h"
#include "filter/filter.h"
#include "filter/test_summaries.h"

namespace roentgen::filter {
namespace {

std::vector<model::TraceSummary> MakeSummaries(size_t count) {
  std::mt19937 random(42);
  const auto uniform = [&](int low, int high) {
    return std::uniform_int_distribution<int>(low, high)(random);
  };
  const auto chance = [&](double p) { return std::bernoulli_distribution(p)(random); };
  const std::vector<std::string> types = {"AWS::EC2::Instance", "AWS::Lambda::Function",
                                          "AWS::DynamoDB::Table", "remote"};
  const std::vector<std::string> keys = {"tenant", "region", "order_id", "retries",
                                         "canary", "plan",   "shard",    "customer"};
  std::vector<model::TraceSummary> out;
  out.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    model::TraceSummary s;
    const int nodes = uniform(2, 6);
    for (int n = 0; n < nodes; ++n) {
      std::vector<model::EntityFacts> segments;
      const int segment_count = uniform(1, 3);
      for (int k = 0; k < segment_count; ++k) {
        model::EntityFacts facts =
            fixtures::Facts(chance(0.05), chance(0.05), chance(0.02), uniform(1, 3000) / 1000.0);
        facts.root = n == 0 && k == 0;
        if (facts.root) {
          facts.http = fixtures::Http(chance(0.7) ? "GET" : "POST",
                                      "https://shop.example.org/api/" + std::to_string(i % 50),
                                      facts.fault ? 500 : 200);
        }
        segments.push_back(std::move(facts));
      }
      s.nodes.push_back(fixtures::Node(
          fixtures::Id("svc-" + std::to_string(uniform(0, 19)), types[uniform(0, 3)]),
          std::move(segments), chance(0.2)));
      if (n > 0) {
        s.edges.push_back(fixtures::Edge(uniform(0, n - 1), n, {fixtures::Facts(chance(0.05))}));
      }
    }
    const model::EntityFacts& root = s.nodes[0].segments[0];
    s.has_fault = root.fault;
    s.has_error = root.error;
    s.has_throttle = root.throttle;
    s.response_time = root.response_time;
    s.duration = *root.response_time + uniform(0, 500) / 1000.0;
    s.http = root.http;
    for (const model::TraceNode& node : s.nodes) s.service_ids.push_back(node.id);
    const int annotations = uniform(0, 5);
    for (int a = 0; a < annotations; ++a) {
      const std::string& key = keys[uniform(0, static_cast<int>(keys.size()) - 1)];
      if (key == "retries") {
        fixtures::Annotate(&s, key, static_cast<double>(uniform(0, 5)));
      } else if (key == "canary") {
        fixtures::Annotate(&s, key, chance(0.5));
      } else {
        fixtures::Annotate(&s, key, "v" + std::to_string(uniform(0, 9)));
      }
    }
    if (chance(0.6)) s.users.push_back({"u-" + std::to_string(uniform(0, 99)), {}});
    out.push_back(std::move(s));
  }
  return out;
}

// The first `count` of 10k summaries: 10k (~40 MB, beyond the caches, as a scan over freshly
// loaded candidates would see them) or 500 (cache-resident, the evaluator's own cost).
std::span<const model::TraceSummary> Summaries(size_t count) {
  static const std::vector<model::TraceSummary> summaries = MakeSummaries(10'000);
  return std::span<const model::TraceSummary>(summaries).first(std::min(count, summaries.size()));
}

void BM_Matches(benchmark::State& state, const char* expression) {
  Result<Filter> compiled = Filter::Compile(expression);
  CHECK(compiled.ok()) << compiled.status().ToString();
  const Filter filter = std::move(compiled).value();
  const std::span<const model::TraceSummary> summaries =
      Summaries(static_cast<size_t>(state.range(0)));
  size_t matched = 0;
  for (auto _ : state) {
    for (const model::TraceSummary& summary : summaries) matched += filter.Matches(summary);
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(matched);
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * summaries.size()));
  state.counters["match_ratio"] =
      static_cast<double>(matched) / static_cast<double>(state.iterations() * summaries.size());
}

BENCHMARK_CAPTURE(BM_Matches, responsetime, "responsetime > 1")->Arg(10'000)->Arg(500);
BENCHMARK_CAPTURE(BM_Matches, fault, "fault")->Arg(10'000)->Arg(500);
BENCHMARK_CAPTURE(BM_Matches, annotation, "annotation.tenant = \"v3\"")->Arg(10'000)->Arg(500);
BENCHMARK_CAPTURE(BM_Matches, service_body, "service(\"svc-3\") { fault }")->Arg(10'000)->Arg(500);
BENCHMARK_CAPTURE(BM_Matches, complex,
                  "(service(\"svc-1\") { fault OR responsetime > 2 } OR annotation.retries > 3) "
                  "AND http.method = \"GET\" AND !(user = \"u-7\") AND duration < 2.5 "
                  "AND !edge(\"svc-2\", id(type: \"AWS::DynamoDB::Table\")) { error }")
    ->Arg(10'000)
    ->Arg(500);

}  // namespace
}  // namespace roentgen::filter

BENCHMARK_MAIN();
