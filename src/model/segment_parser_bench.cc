// The "parse alone" ceiling of the ingest path: SplitDatagram + SegmentParser::Parse on realistic
// 0.5–3 KB documents shaped like what the Node and Python SDKs send (see
// ../shared/samples/udp/), single-threaded. Reported as documents/s (items_per_second) and
// bytes/s of document text.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "model/datagram.h"
#include "model/segment_parser.h"

namespace roentgen::model {
namespace {

std::string Hex(std::mt19937_64& random, int digits) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  uint64_t bits = random();
  for (int i = 0; i < digits; ++i) {
    if (i % 16 == 15) bits = random();
    out += kDigits[bits & 0xf];
    bits >>= 4;
  }
  return out;
}

std::string Time(double t) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%.7f", t);
  return buffer;
}

// One downstream call, ~250–400 bytes, alternating an HTTP call, an AWS SDK call and a SQL query.
std::string Subsegment(std::mt19937_64& random, int kind, double start) {
  std::string s = R"({"id":")" + Hex(random, 16) + R"(","start_time":)" + Time(start) +
                  R"(,"end_time":)" + Time(start + 0.012);
  switch (kind % 3) {
    case 0:
      s +=
          R"(,"name":"inventory.internal","namespace":"remote","http":{"request":{"url":"http://inventory.internal/items/)" +
          Hex(random, 8) +
          R"(","method":"GET","traced":true},"response":{"status":200,"content_length":1532}})";
      break;
    case 1:
      s +=
          R"(,"name":"DynamoDB","namespace":"aws","http":{"response":{"status":200,"content_length":60}},"aws":{"operation":"GetItem","region":"us-east-1","request_id":")" +
          Hex(random, 32) + R"(","table_name":"carts","retries":0,"resource_names":["carts"]})";
      break;
    case 2:
      s +=
          R"(,"name":"orders@db.internal","namespace":"remote","sql":{"url":"postgresql://db.internal:5432/orders","database_type":"PostgreSQL","database_version":"15.4","driver_version":"psycopg2 2.9","user":"app","preparation":"statement","sanitized_query":"SELECT id, total FROM orders WHERE customer_id = $1"})";
      break;
  }
  s += '}';
  return s;
}

// A complete segment of about `target_bytes`, like an instrumented web handler's.
std::string Segment(std::mt19937_64& random, size_t target_bytes) {
  const double start = 1795306220.0 + static_cast<double>(random() % 100000) / 1000.0;
  std::string s =
      R"({"trace_id":"1-6b0232ee-)" + Hex(random, 24) + R"(","id":")" + Hex(random, 16) +
      R"(","start_time":)" + Time(start) +
      R"(,"name":"checkout-api","origin":"AWS::EC2::Instance","user":"alice",)"
      R"("service":{"runtime":"node","runtime_version":"v20.20.2","version":"1.4.2"},)"
      R"("aws":{"ec2":{"instance_id":"i-0abc123def4567890","availability_zone":"us-east-1a"},)"
      R"("xray":{"sdk":"X-Ray for Node.js","sdk_version":"3.12.0","package":"aws-xray-sdk-core","rule_name":"Default"}},)"
      R"("http":{"request":{"method":"POST","user_agent":"Mozilla/5.0","client_ip":"10.1.2.3","url":"https://shop.example.com/checkout"},"response":{"status":200}},)"
      R"("annotations":{"customer":"c-123","items":3,"vip":true})";
  std::string subsegments;
  int kind = static_cast<int>(random() % 3);
  const std::string tail = R"(,"end_time":)" + Time(start + 0.25) + "}";
  while (s.size() + subsegments.size() + tail.size() + 20 < target_bytes) {
    if (!subsegments.empty()) subsegments += ',';
    subsegments += Subsegment(random, kind, start + 0.01 * kind);
    ++kind;
  }
  if (!subsegments.empty()) s += R"(,"subsegments":[)" + subsegments + "]";
  return s + tail;
}

struct Corpus {
  std::vector<std::string> documents;
  std::vector<std::string> datagrams;
  size_t bytes = 0;
};

// `count` documents, sizes spread uniformly over [min_bytes, max_bytes].
Corpus MakeCorpus(size_t min_bytes, size_t max_bytes, int count) {
  std::mt19937_64 random(12345);
  Corpus corpus;
  for (int i = 0; i < count; ++i) {
    const size_t target = min_bytes + random() % (max_bytes - min_bytes + 1);
    corpus.documents.push_back(Segment(random, target));
    corpus.datagrams.push_back((i % 2 ? "{\"format\":\"json\",\"version\":1}\n"
                                      : "{\"format\": \"json\", \"version\": 1}\n") +
                               corpus.documents.back());
    corpus.bytes += corpus.documents.back().size();
  }
  return corpus;
}

void ParseCorpus(benchmark::State& state, const Corpus& corpus) {
  SegmentParser parser;
  // Sanity: everything in the corpus is accepted.
  for (const std::string& doc : corpus.documents) {
    const std::vector<ParsedDocument> parsed = parser.Parse(doc);
    if (const auto* error = std::get_if<DocumentError>(&parsed.at(0))) {
      state.SkipWithError(("corpus document refused: " + error->Message()).c_str());
      return;
    }
  }
  for (auto _ : state) {
    for (const std::string& doc : corpus.documents) {
      std::vector<ParsedDocument> parsed = parser.Parse(doc);
      benchmark::DoNotOptimize(parsed);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(corpus.documents.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(corpus.bytes));
  state.counters["avg_doc_bytes"] =
      static_cast<double>(corpus.bytes) / static_cast<double>(corpus.documents.size());
}

// Parse only, per size band and for the full 0.5–3 KB mix.
void BM_Parse(benchmark::State& state) {
  static const Corpus* corpora[4] = {nullptr, nullptr, nullptr, nullptr};
  const auto band = static_cast<size_t>(state.range(0));
  static constexpr size_t kBands[4][2] = {{500, 700}, {900, 1100}, {2800, 3100}, {500, 3000}};
  if (corpora[band] == nullptr)
    corpora[band] = new Corpus(MakeCorpus(kBands[band][0], kBands[band][1], 512));
  state.SetLabel(std::to_string(kBands[band][0]) + "-" + std::to_string(kBands[band][1]) + " B");
  ParseCorpus(state, *corpora[band]);
}
BENCHMARK(BM_Parse)->DenseRange(0, 3);

// What the UDP path does per datagram: split, then parse.
void BM_SplitAndParse(benchmark::State& state) {
  static const Corpus* corpus = new Corpus(MakeCorpus(500, 3000, 512));
  SegmentParser parser;
  size_t accepted = 0;
  for (auto _ : state) {
    for (const std::string& datagram : corpus->datagrams) {
      const SplitDatagramResult split = SplitDatagram(datagram);
      const auto* body = std::get_if<std::string_view>(&split);
      std::vector<ParsedDocument> parsed = parser.Parse(*body);
      accepted += std::holds_alternative<SegmentDocument>(parsed[0]);
      benchmark::DoNotOptimize(parsed);
    }
  }
  if (accepted != static_cast<size_t>(state.iterations()) * corpus->datagrams.size()) {
    state.SkipWithError("refused");
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(corpus->datagrams.size()));
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(corpus->bytes));
}
BENCHMARK(BM_SplitAndParse);

// SplitDatagram alone, for each header spelling: the two fast-path byte patterns and one that
// needs the JSON fallback.
void BM_SplitDatagram(benchmark::State& state) {
  static constexpr const char* kHeaders[3] = {
      R"({"format":"json","version":1})",
      R"({"format": "json", "version": 1})",
      R"({ "format" : "JSON", "version" : 1 })",
  };
  std::mt19937_64 random(1);
  const std::string datagram = std::string(kHeaders[state.range(0)]) + "\n" + Segment(random, 1000);
  for (auto _ : state) {
    SplitDatagramResult split = SplitDatagram(datagram);
    benchmark::DoNotOptimize(split);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel(kHeaders[state.range(0)]);
}
BENCHMARK(BM_SplitDatagram)->DenseRange(0, 2);

// An invalid document (refused at the trace id), to show the cost of the error path.
void BM_ParseInvalid(benchmark::State& state) {
  std::mt19937_64 random(2);
  std::string doc = Segment(random, 1000);
  doc.replace(doc.find("1-6b0232ee-"), 11, "1-zzzz-nope");
  SegmentParser parser;
  for (auto _ : state) {
    std::vector<ParsedDocument> parsed = parser.Parse(doc);
    benchmark::DoNotOptimize(parsed);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(doc.size()));
}
BENCHMARK(BM_ParseInvalid);

}  // namespace
}  // namespace roentgen::model

BENCHMARK_MAIN();
