#include "storage/summary_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "storage/coding.h"

namespace roentgen::storage {
namespace {

using model::ServiceId;
using model::TraceSummary;

model::TraceId Id() {
  model::TraceId::Key key{};
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(i * 17 + 3);
  return model::TraceId::FromKey(key);
}

TraceSummary FullSummary() {
  TraceSummary s;
  s.id = Id();
  s.start_time = 1700000000.123;
  s.duration = 0.25;
  s.response_time = 0.2000001;  // needs the raw form
  s.has_fault = true;
  s.has_error = false;
  s.has_throttle = true;
  s.is_partial = true;
  s.http = model::HttpInfo{"https://example.com/cart?id=1", 503, "POST", "curl/8.0", "10.0.0.1"};
  const ServiceId web{"web", {"web", "web-alias"}, "123456789012", "AWS::EC2::Instance"};
  const ServiceId db{"db", {"db"}, "", "AWS::RDS::DBInstance"};
  s.service_ids = {web, db};
  s.entry_point = web;
  s.annotations["customer"] = {{std::string("c-123"), {web}}, {std::string("c-9"), {web, db}}};
  s.annotations["items"] = {{3.0, {db}}, {-1.5, {}}};
  s.annotations["vip"] = {{true, {web}}, {false, {}}};
  s.annotations["empty"] = {};
  s.users = {{"alice", {web}}, {"", {}}};
  s.resource_arns = {"arn:aws:lambda:us-east-1:123456789012:function:f"};
  s.instance_ids = {"i-0123", "i-4567"};
  s.availability_zones = {"us-east-1a"};
  s.revision = 4000000000u;
  s.updated_at = 1700000001.000001;

  auto entity = [](std::string name, std::vector<model::RootCauseException> exceptions,
                   std::optional<double> coverage, bool remote) {
    model::RootCauseEntity e;
    e.name = std::move(name);
    e.exceptions = std::move(exceptions);
    e.coverage = coverage;
    e.remote = remote;
    return e;
  };
  auto service = [](const ServiceId& id, bool inferred, std::vector<model::RootCauseEntity> path) {
    model::RootCauseService out;
    out.name = id.name;
    out.names = id.names;
    out.type = id.type;
    out.account_id = id.account_id;
    out.inferred = inferred;
    out.entity_path = std::move(path);
    return out;
  };
  const ServiceId sql{"db", {"db"}, "", "Database::SQL"};
  model::RootCause fault;
  fault.client_impacting = true;
  fault.services = {
      service(web, false,
              {entity("web", {}, std::nullopt, false),
               entity("db", {{"TimeoutError", "db timeout"}, {"", "retry"}}, std::nullopt, true)}),
      service(sql, true, {entity("db", {}, std::nullopt, false)})};
  s.fault_root_causes = {fault, fault};
  model::RootCause error = fault;
  error.client_impacting = false;
  error.services.pop_back();
  s.error_root_causes = {error};
  model::RootCause slow;
  slow.client_impacting = true;
  slow.services = {
      service(web, false, {entity("web", {}, 1.0, false), entity("db", {}, 0.7123456789, true)})};
  s.response_time_root_causes = {slow};

  model::EntityFacts root_segment;
  root_segment.root = true;
  root_segment.fault = true;
  root_segment.response_time = 0.2000001;
  root_segment.http = model::HttpInfo{"/cart", 500, "GET", "", ""};
  root_segment.user = "alice";
  root_segment.availability_zone = "us-east-1a";
  root_segment.instance_id = "i-0123";
  root_segment.resource_arn = "arn:x";
  model::EntityFacts open_segment;
  open_segment.error = true;
  open_segment.throttle = true;
  open_segment.in_progress = true;
  model::EntityFacts call;
  call.fault = true;
  call.response_time = 0.05;
  call.http = model::HttpInfo{"", std::nullopt, "", "", ""};
  s.nodes.resize(2);
  s.nodes[0].id = sql;
  s.nodes[0].inferred = true;
  s.nodes[0].segments = {call};
  s.nodes[1].id = web;
  s.nodes[1].root = true;
  s.nodes[1].segments = {root_segment, open_segment};
  s.edges.resize(2);
  s.edges[0].source = 1;
  s.edges[0].destination = 0;
  s.edges[0].calls = {call, call};
  s.edges[1].source = 1;
  s.edges[1].destination = 1;
  return s;
}

void ExpectServicesEq(const std::vector<ServiceId>& a, const std::vector<ServiceId>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(a[i] == b[i]) << i;
}

void ExpectSummaryEq(const TraceSummary& a, const TraceSummary& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(DoubleBits(a.start_time), DoubleBits(b.start_time));
  EXPECT_EQ(a.duration.has_value(), b.duration.has_value());
  if (a.duration && b.duration) {
    EXPECT_EQ(DoubleBits(*a.duration), DoubleBits(*b.duration));
  }
  EXPECT_EQ(a.response_time.has_value(), b.response_time.has_value());
  if (a.response_time && b.response_time) {
    EXPECT_EQ(DoubleBits(*a.response_time), DoubleBits(*b.response_time));
  }
  EXPECT_EQ(a.has_fault, b.has_fault);
  EXPECT_EQ(a.has_error, b.has_error);
  EXPECT_EQ(a.has_throttle, b.has_throttle);
  EXPECT_EQ(a.is_partial, b.is_partial);
  ASSERT_EQ(a.http.has_value(), b.http.has_value());
  if (a.http) {
    EXPECT_EQ(a.http->url, b.http->url);
    EXPECT_EQ(a.http->status, b.http->status);
    EXPECT_EQ(a.http->method, b.http->method);
    EXPECT_EQ(a.http->user_agent, b.http->user_agent);
    EXPECT_EQ(a.http->client_ip, b.http->client_ip);
  }
  ASSERT_EQ(a.annotations.size(), b.annotations.size());
  for (const auto& [key, values] : a.annotations) {
    ASSERT_TRUE(b.annotations.count(key)) << key;
    const auto& other = b.annotations.at(key);
    ASSERT_EQ(values.size(), other.size()) << key;
    for (size_t i = 0; i < values.size(); ++i) {
      EXPECT_TRUE(values[i].value == other[i].value) << key << "[" << i << "]";
      ExpectServicesEq(values[i].service_ids, other[i].service_ids);
    }
  }
  ASSERT_EQ(a.users.size(), b.users.size());
  for (size_t i = 0; i < a.users.size(); ++i) {
    EXPECT_EQ(a.users[i].user_name, b.users[i].user_name);
    ExpectServicesEq(a.users[i].service_ids, b.users[i].service_ids);
  }
  ExpectServicesEq(a.service_ids, b.service_ids);
  EXPECT_EQ(a.resource_arns, b.resource_arns);
  EXPECT_EQ(a.instance_ids, b.instance_ids);
  EXPECT_EQ(a.availability_zones, b.availability_zones);
  EXPECT_EQ(a.entry_point.has_value(), b.entry_point.has_value());
  if (a.entry_point && b.entry_point) {
    EXPECT_TRUE(*a.entry_point == *b.entry_point);
  }
  EXPECT_EQ(a.revision, b.revision);
  EXPECT_EQ(DoubleBits(a.updated_at), DoubleBits(b.updated_at));
  EXPECT_EQ(a.fault_root_causes, b.fault_root_causes);
  EXPECT_EQ(a.error_root_causes, b.error_root_causes);
  EXPECT_EQ(a.response_time_root_causes, b.response_time_root_causes);
  EXPECT_EQ(a.nodes, b.nodes);
  EXPECT_EQ(a.edges, b.edges);
}

TraceSummary RoundTrip(const TraceSummary& summary) {
  std::string bytes;
  EncodeTraceSummary(summary, &bytes);
  Result<TraceSummary> decoded = DecodeTraceSummary(bytes, summary.id);
  EXPECT_TRUE(decoded.ok()) << decoded.status().ToString();
  return decoded.ok() ? std::move(decoded).value() : TraceSummary{};
}

std::string Encoded(const TraceSummary& summary) {
  std::string bytes;
  EncodeTraceSummary(summary, &bytes);
  return bytes;
}

// Decodes `bytes` both into a fresh summary and into `reused` (which holds whatever an earlier
// decode left) and expects the same outcome: both fail, or both hold the same summary. Compares
// encodings, which are exact for every double (NaN included) where operator== is not.
void ExpectIntoMatchesFresh(std::string_view bytes, TraceSummary& reused) {
  Result<TraceSummary> fresh = DecodeTraceSummary(bytes, Id());
  const Status into = DecodeTraceSummaryInto(bytes, Id(), &reused);
  ASSERT_EQ(into.ok(), fresh.ok()) << into.ToString();
  if (!fresh.ok()) {
    EXPECT_EQ(into.code(), StatusCode::kCorruption);
    return;
  }
  EXPECT_EQ(reused.id, fresh->id);
  EXPECT_EQ(Encoded(reused), Encoded(*fresh));
}

// Summaries that differ from FullSummary in every way a reused object could get wrong: fewer
// or no elements, absent optionals, annotation keys added, dropped or retyped.
std::vector<TraceSummary> Variants() {
  std::vector<TraceSummary> out;
  out.push_back(FullSummary());
  TraceSummary empty;
  empty.id = Id();
  out.push_back(empty);

  TraceSummary smaller = FullSummary();
  smaller.duration.reset();
  smaller.response_time.reset();
  smaller.http->status.reset();
  smaller.http->url = "u";
  smaller.entry_point.reset();
  smaller.annotations.erase("customer");
  smaller.annotations["items"] = {{std::string("now a string that is longer than SSO"), {}}};
  smaller.annotations["vip"] = {{2.5, {}}};
  smaller.annotations["aaa-first"] = {{true, {smaller.service_ids[1]}}};
  smaller.annotations["zzz-last"] = {};
  smaller.users.pop_back();
  smaller.users[0].service_ids.clear();
  smaller.service_ids[0].names = {"web"};
  smaller.service_ids.pop_back();
  smaller.instance_ids.clear();
  smaller.fault_root_causes.pop_back();
  smaller.fault_root_causes[0].services[0].entity_path[1].exceptions.clear();
  smaller.error_root_causes.clear();
  smaller.response_time_root_causes[0].services[0].entity_path[1].coverage.reset();
  smaller.nodes.pop_back();
  smaller.nodes[0].segments[0].http.reset();
  smaller.nodes[0].segments[0].response_time.reset();
  smaller.nodes[0].segments[0].fault = false;
  smaller.edges.resize(1);
  smaller.edges[0].source = 0;
  smaller.edges[0].destination = 0;
  smaller.edges[0].calls.resize(1);
  smaller.edges[0].calls[0].http->status = 404;
  out.push_back(smaller);

  TraceSummary no_graph = FullSummary();
  no_graph.fault_root_causes.clear();
  no_graph.error_root_causes.clear();
  no_graph.response_time_root_causes.clear();
  no_graph.nodes.clear();
  no_graph.edges.clear();
  no_graph.annotations = {{"only", {{std::string("one"), {}}}}};
  out.push_back(no_graph);
  return out;
}

TEST(SummaryCodecTest, FullSummaryRoundTrips) {
  const TraceSummary summary = FullSummary();
  ExpectSummaryEq(RoundTrip(summary), summary);
}

TEST(SummaryCodecTest, GraphAndRootCausesRoundTrip) {
  const TraceSummary summary = FullSummary();
  const TraceSummary back = RoundTrip(summary);
  ASSERT_EQ(back.nodes.size(), 2u);
  EXPECT_TRUE(back.nodes[0].inferred);
  EXPECT_TRUE(back.nodes[1].root);
  EXPECT_TRUE(back.nodes[1].segments[1].in_progress);
  EXPECT_FALSE(back.nodes[1].segments[1].response_time.has_value());
  EXPECT_EQ(back.edges.at(0).calls.size(), 2u);
  EXPECT_FALSE(back.edges.at(0).calls[0].http->status.has_value());
  ASSERT_EQ(back.response_time_root_causes.size(), 1u);
  EXPECT_EQ(DoubleBits(*back.response_time_root_causes[0].services[0].entity_path[1].coverage),
            DoubleBits(0.7123456789));
  EXPECT_FALSE(back.fault_root_causes[0].services[0].entity_path[0].coverage.has_value());
  EXPECT_EQ(back.fault_root_causes[0].services[0].entity_path[1].exceptions[1].message, "retry");
}

TEST(SummaryCodecTest, VersionOneRecordsStillDecode) {
  // A version-1 record is a version-2 one without root causes and graph.
  TraceSummary summary = FullSummary();
  summary.fault_root_causes.clear();
  summary.error_root_causes.clear();
  summary.response_time_root_causes.clear();
  summary.nodes.clear();
  summary.edges.clear();
  std::string v1;
  EncodeTraceSummary(summary, &v1);
  ASSERT_EQ(v1[0], 2);
  v1[0] = 1;
  Result<TraceSummary> decoded = DecodeTraceSummary(v1, Id());
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  ExpectSummaryEq(*decoded, summary);
  // Version 1 knows no graph.
  std::string with_graph;
  EncodeTraceSummary(FullSummary(), &with_graph);
  EXPECT_GT(with_graph.size(), v1.size());
  with_graph[0] = 1;
  EXPECT_EQ(DecodeTraceSummary(with_graph, Id()).status().code(), StatusCode::kCorruption);
}

TEST(SummaryCodecTest, EdgeToAMissingNodeIsCorruption) {
  TraceSummary summary;
  summary.id = Id();
  summary.nodes.resize(1);
  summary.nodes[0].id = ServiceId{"a", {"a"}, "", ""};
  summary.edges.resize(1);
  summary.edges[0].destination = 1;
  std::string bytes;
  EncodeTraceSummary(summary, &bytes);
  EXPECT_EQ(DecodeTraceSummary(bytes, Id()).status().code(), StatusCode::kCorruption);
  summary.edges[0].destination = 0;
  bytes.clear();
  EncodeTraceSummary(summary, &bytes);
  EXPECT_TRUE(DecodeTraceSummary(bytes, Id()).ok());
}

TEST(SummaryCodecTest, EmptySummaryRoundTripsAndIsTiny) {
  TraceSummary summary;
  summary.id = Id();
  ExpectSummaryEq(RoundTrip(summary), summary);
  std::string bytes;
  EncodeTraceSummary(summary, &bytes);
  EXPECT_LE(bytes.size(), 16u);
}

TEST(SummaryCodecTest, StringsAndServicesAreStoredOnce) {
  TraceSummary summary = FullSummary();
  std::string one;
  EncodeTraceSummary(summary, &one);
  // Referring to the same service and strings again costs a few bytes, not their text.
  for (int i = 0; i < 10; ++i) {
    summary.annotations["customer"].push_back({std::string("c-123"), {summary.service_ids[0]}});
  }
  std::string more;
  EncodeTraceSummary(summary, &more);
  EXPECT_LE(more.size(), one.size() + 10 * 4);
  ExpectSummaryEq(RoundTrip(summary), summary);
}

TEST(SummaryCodecTest, DoublesRoundTripExactly) {
  const double values[] = {0.0,
                           -0.0,
                           1e-9,
                           0.001,
                           0.123456,
                           1700000000.5,
                           1700000000.123456,
                           1700000000.1234567,
                           -3.25,
                           8.9e9,
                           1e300,
                           std::numeric_limits<double>::infinity(),
                           std::numeric_limits<double>::quiet_NaN(),
                           std::numeric_limits<double>::denorm_min()};
  for (double v : values) {
    TraceSummary summary;
    summary.id = Id();
    summary.start_time = v;
    summary.duration = v;
    summary.updated_at = v;
    summary.annotations["n"] = {{v, {}}};
    const TraceSummary back = RoundTrip(summary);
    EXPECT_EQ(DoubleBits(back.start_time), DoubleBits(v)) << v;
    EXPECT_EQ(DoubleBits(*back.duration), DoubleBits(v)) << v;
    EXPECT_EQ(DoubleBits(back.updated_at), DoubleBits(v)) << v;
    EXPECT_EQ(DoubleBits(std::get<double>(back.annotations.at("n")[0].value)), DoubleBits(v)) << v;
  }
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> times(1.6e9, 1.8e9);
  for (int i = 0; i < 1000; ++i) {
    TraceSummary summary;
    summary.id = Id();
    summary.start_time = std::round(times(random) * 1e3) / 1e3;
    summary.updated_at = std::round(times(random) * 1e6) / 1e6;
    const TraceSummary back = RoundTrip(summary);
    ASSERT_EQ(DoubleBits(back.start_time), DoubleBits(summary.start_time));
    ASSERT_EQ(DoubleBits(back.updated_at), DoubleBits(summary.updated_at));
  }
}

TEST(SummaryCodecTest, HttpStatusExtremes) {
  for (std::optional<int32_t> status : std::initializer_list<std::optional<int32_t>>{
           std::nullopt, 0, 200, -1, INT32_MIN, INT32_MAX}) {
    TraceSummary summary;
    summary.id = Id();
    summary.http = model::HttpInfo{};
    summary.http->status = status;
    EXPECT_EQ(RoundTrip(summary).http->status, status);
  }
}

TEST(SummaryCodecTest, DecodeIntoOverwritesABiggerSummary) {
  TraceSummary reused;
  ASSERT_TRUE(DecodeTraceSummaryInto(Encoded(FullSummary()), Id(), &reused).ok());
  ExpectSummaryEq(reused, FullSummary());

  // A small summary into the object that held the full one: nothing of it may remain.
  TraceSummary small;
  small.id = Id();
  small.start_time = 1.5;
  small.annotations["zzz"] = {{std::string("z"), {}}};
  ASSERT_TRUE(DecodeTraceSummaryInto(Encoded(small), Id(), &reused).ok());
  ExpectSummaryEq(reused, small);
  EXPECT_FALSE(reused.http.has_value());
  EXPECT_FALSE(reused.duration.has_value());
  EXPECT_FALSE(reused.entry_point.has_value());
  EXPECT_FALSE(reused.has_fault);
  EXPECT_EQ(reused.annotations.size(), 1u);
  EXPECT_TRUE(reused.users.empty());
  EXPECT_TRUE(reused.service_ids.empty());
  EXPECT_TRUE(reused.fault_root_causes.empty());
  EXPECT_TRUE(reused.nodes.empty());
  EXPECT_TRUE(reused.edges.empty());
  EXPECT_EQ(reused.revision, 0u);

  // And back: the emptied object fills up again.
  ASSERT_TRUE(DecodeTraceSummaryInto(Encoded(FullSummary()), Id(), &reused).ok());
  ExpectSummaryEq(reused, FullSummary());
}

TEST(SummaryCodecTest, DecodeIntoAnyPreviousSummaryEqualsAFreshDecode) {
  const std::vector<TraceSummary> variants = Variants();
  for (size_t first = 0; first < variants.size(); ++first) {
    for (size_t second = 0; second < variants.size(); ++second) {
      SCOPED_TRACE(std::to_string(first) + " then " + std::to_string(second));
      TraceSummary reused;
      ASSERT_TRUE(DecodeTraceSummaryInto(Encoded(variants[first]), Id(), &reused).ok());
      ExpectSummaryEq(reused, variants[first]);
      ASSERT_TRUE(DecodeTraceSummaryInto(Encoded(variants[second]), Id(), &reused).ok());
      ExpectSummaryEq(reused, variants[second]);
    }
  }
}

TEST(SummaryCodecTest, DecodeIntoHandlesUnorderedAndRepeatedAnnotationKeys) {
  // The encoder writes keys in order, but a record with keys out of order or repeated still
  // decodes (as a fresh map would hold it), reused object or not. Made by editing the string
  // table of a record whose only strings are its keys "b" and "d" and a value "x".
  TraceSummary summary;
  summary.id = Id();
  summary.annotations["b"] = {{std::string("x"), {}}};
  summary.annotations["d"] = {{1.0, {}}, {true, {}}};
  const std::string bytes = Encoded(summary);
  const size_t b = bytes.find(std::string{'\x01', 'b'});
  const size_t d = bytes.find(std::string{'\x01', 'd'});
  ASSERT_NE(b, std::string::npos);
  ASSERT_NE(d, std::string::npos);
  std::string swapped = bytes;  // keys "d", then "b"
  std::swap(swapped[b + 1], swapped[d + 1]);
  std::string repeated = bytes;  // keys "b", then "b" again
  repeated[d + 1] = 'b';
  std::string between = bytes;  // keys "c", then "a"
  between[b + 1] = 'c';
  between[d + 1] = 'a';

  for (const std::string& edited : {swapped, repeated, between}) {
    Result<TraceSummary> fresh = DecodeTraceSummary(edited, Id());
    ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
    for (const TraceSummary& previous : Variants()) {
      TraceSummary reused;
      ASSERT_TRUE(DecodeTraceSummaryInto(Encoded(previous), Id(), &reused).ok());
      reused.annotations["a"] = {{false, {}}};
      reused.annotations["c"] = {};
      ExpectIntoMatchesFresh(edited, reused);
      ExpectSummaryEq(reused, *fresh);
    }
  }
  Result<TraceSummary> fresh = DecodeTraceSummary(repeated, Id());
  ASSERT_TRUE(fresh.ok());
  ASSERT_EQ(fresh->annotations.size(), 1u);
  EXPECT_EQ(fresh->annotations.at("b").size(), 2u);  // the last list wins
}

TEST(SummaryCodecTest, DecodeWithoutGraphLeavesItEmpty) {
  const TraceSummary full = FullSummary();
  TraceSummary without_graph = full;
  without_graph.fault_root_causes.clear();
  without_graph.error_root_causes.clear();
  without_graph.response_time_root_causes.clear();
  without_graph.nodes.clear();
  without_graph.edges.clear();
  TraceSummary reused;
  ASSERT_TRUE(DecodeTraceSummaryInto(Encoded(full), Id(), &reused).ok());
  ASSERT_TRUE(
      DecodeTraceSummaryInto(Encoded(full), Id(), &reused, SummaryParts::kWithoutGraph).ok());
  ExpectSummaryEq(reused, without_graph);
  ASSERT_TRUE(DecodeTraceSummaryInto(Encoded(full), Id(), &reused).ok());
  ExpectSummaryEq(reused, full);
  // A record without a graph still decodes exactly, trailing bytes included.
  ASSERT_TRUE(
      DecodeTraceSummaryInto(Encoded(without_graph), Id(), &reused, SummaryParts::kWithoutGraph)
          .ok());
  ExpectSummaryEq(reused, without_graph);
  EXPECT_FALSE(DecodeTraceSummaryInto(Encoded(without_graph) + "x", Id(), &reused,
                                      SummaryParts::kWithoutGraph)
                   .ok());
  // Whatever the graph holds is not read: truncating it goes unnoticed.
  const std::string bytes = Encoded(full);
  ASSERT_TRUE(DecodeTraceSummaryInto(std::string_view(bytes).substr(0, bytes.size() - 1), Id(),
                                     &reused, SummaryParts::kWithoutGraph)
                  .ok());
  ExpectSummaryEq(reused, without_graph);
}

TEST(SummaryCodecTest, GarbageIsCorruptionNeverACrash) {
  std::string valid;
  EncodeTraceSummary(FullSummary(), &valid);

  // Every truncation of a valid record.
  for (size_t n = 0; n < valid.size(); ++n) {
    Result<TraceSummary> decoded = DecodeTraceSummary(valid.substr(0, n), Id());
    ASSERT_FALSE(decoded.ok()) << n;
    EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  }
  // Trailing bytes.
  EXPECT_FALSE(DecodeTraceSummary(valid + "x", Id()).ok());
  // Unknown version.
  std::string future = valid;
  future[0] = 3;
  EXPECT_EQ(DecodeTraceSummary(future, Id()).status().code(), StatusCode::kCorruption);

  // Single-byte corruptions and random bytes: any result is fine as long as nothing crashes
  // (ASan/UBSan watch) and failures are Corruption.
  std::mt19937_64 random(1);
  for (int i = 0; i < 20000; ++i) {
    std::string bytes = valid;
    const int flips = 1 + static_cast<int>(random() % 3);
    for (int f = 0; f < flips; ++f) {
      bytes[random() % bytes.size()] = static_cast<char>(random());
    }
    Result<TraceSummary> decoded = DecodeTraceSummary(bytes, Id());
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
    }
  }
  for (int i = 0; i < 20000; ++i) {
    std::string bytes(random() % 64, '\0');
    for (char& ch : bytes) ch = static_cast<char>(random());
    if (!bytes.empty() && (random() % 2)) {
      bytes[0] = static_cast<char>(1 + random() % 2);  // get past the version check
    }
    Result<TraceSummary> decoded = DecodeTraceSummary(bytes, Id());
    if (!decoded.ok()) {
      EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
    }
  }
  // Huge counts must not allocate.
  std::string huge(1, '\x01');
  PutVarint64(&huge, uint64_t{1} << 60);
  EXPECT_FALSE(DecodeTraceSummary(huge, Id()).ok());
}

TEST(SummaryCodecTest, DecodeIntoGarbageBehavesLikeAFreshDecode) {
  const std::string valid = Encoded(FullSummary());
  const std::vector<TraceSummary> variants = Variants();
  // One object reused throughout, as a scan does: whatever a previous (possibly failed) decode
  // left in it, the next decode's outcome is that of a fresh one.
  TraceSummary reused;
  for (size_t n = 0; n <= valid.size(); ++n) {
    ExpectIntoMatchesFresh(valid.substr(0, n), reused);
    ExpectIntoMatchesFresh(Encoded(variants[n % variants.size()]), reused);
  }
  std::mt19937_64 random(2);
  for (int i = 0; i < 5000; ++i) {
    std::string bytes = Encoded(variants[random() % variants.size()]);
    const int flips = 1 + static_cast<int>(random() % 3);
    for (int f = 0; f < flips; ++f) {
      bytes[random() % bytes.size()] = static_cast<char>(random());
    }
    ExpectIntoMatchesFresh(bytes, reused);
    if (i % 8 == 0) ExpectIntoMatchesFresh(Encoded(variants[random() % variants.size()]), reused);
    if (HasFatalFailure()) return;
  }
}

}  // namespace
}  // namespace roentgen::storage
