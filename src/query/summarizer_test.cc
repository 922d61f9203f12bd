#include "query/summarizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "query/test_documents.h"
#include "query/trace_assembler.h"

namespace roentgen::model {

// Readable gtest output for the values compared below.
void PrintTo(const ServiceId& id, std::ostream* os) { *os << id.name << " (" << id.type << ")"; }

void PrintTo(const RootCause& cause, std::ostream* os) {
  *os << "{client_impacting=" << cause.client_impacting;
  for (const RootCauseService& service : cause.services) {
    *os << " | " << service.name << " (" << service.type << (service.inferred ? ", inferred" : "")
        << "):";
    for (const RootCauseEntity& entity : service.entity_path) {
      *os << " " << entity.name << (entity.remote ? "[remote]" : "");
      if (entity.coverage) *os << "@" << *entity.coverage;
      for (const RootCauseException& e : entity.exceptions) {
        *os << "<" << e.name << ": " << e.message << ">";
      }
    }
  }
  *os << "}";
}

}  // namespace roentgen::model

namespace roentgen::query {
namespace {

using model::AnnotationValue;
using model::ServiceId;
using storage::StoredDocument;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::MakeDocument;

constexpr char kTrace[] = "1-6b0232ec-000000000000000000000001";

using testing::UdpSample;

StoredDocument SampleDocument(const std::string& relative) {
  return MakeDocument(UdpSample(relative));
}

model::TraceId TraceOf(const std::vector<StoredDocument>& docs) {
  return docs.front().document.trace_id;
}

model::TraceSummary Summarize(const std::vector<StoredDocument>& docs) {
  return SummarizeTrace(TraceOf(docs), docs);
}

ServiceId Service(std::string name, std::string type = "", std::string account = "") {
  return ServiceId{.name = name, .names = {name}, .account_id = account, .type = type};
}

// A hand-written document of trace kTrace; `fields` is spliced in after the identity fields.
std::string Doc(std::string_view id, std::string_view fields) {
  return std::string(R"({"trace_id":")") + kTrace + R"(","id":")" + std::string(id) + "\"," +
         std::string(fields) + "}";
}

TEST(SummarizerTest, PythonFullSegment) {
  std::vector<StoredDocument> docs = {
      SampleDocument("aws-xray-sdk-python-0.95/01-sample-py-full.segment.datagram")};
  model::TraceSummary s = Summarize(docs);
  EXPECT_EQ(s.id.ToString(), "1-6b0232ec-63341cd307a3f86c19238913");
  EXPECT_DOUBLE_EQ(s.start_time, 1795306220.2306397);
  EXPECT_DOUBLE_EQ(s.duration.value(), 1795306220.2425456 - 1795306220.2306397);
  EXPECT_DOUBLE_EQ(s.response_time.value(), 1795306220.2425456 - 1795306220.2306397);
  EXPECT_TRUE(s.has_fault);  // fault: true, http 502
  EXPECT_FALSE(s.has_error);
  EXPECT_FALSE(s.has_throttle);
  EXPECT_FALSE(s.is_partial);
  ASSERT_TRUE(s.http.has_value());
  EXPECT_EQ(s.http->url, "http://shop.local/checkout");
  EXPECT_EQ(s.http->status, 502);
  EXPECT_EQ(s.http->method, "GET");
  EXPECT_EQ(s.http->user_agent, "curl/8");
  EXPECT_EQ(s.http->client_ip, "10.1.2.3");

  const ServiceId svc = Service("sample-py-full");
  // Its remote call to http://127.0.0.1:40419/inventory is not traced and has no child segment.
  const ServiceId inventory = Service("http://127.0.0.1:40419/inventory", "remote");
  EXPECT_THAT(s.service_ids, ElementsAre(inventory, svc));
  EXPECT_EQ(s.entry_point, svc);
  // The root faulted because charge-card did.
  ASSERT_EQ(s.fault_root_causes.size(), 1u);
  const model::RootCause& cause = s.fault_root_causes[0];
  EXPECT_TRUE(cause.client_impacting);
  ASSERT_EQ(cause.services.size(), 1u);
  EXPECT_EQ(cause.services[0].name, "sample-py-full");
  ASSERT_EQ(cause.services[0].entity_path.size(), 2u);
  EXPECT_EQ(cause.services[0].entity_path[0].name, "sample-py-full");
  EXPECT_EQ(cause.services[0].entity_path[1].name, "charge-card");
  EXPECT_FALSE(cause.services[0].entity_path[1].remote);  // namespace "local"
  EXPECT_THAT(cause.services[0].entity_path[1].exceptions,
              ElementsAre(model::RootCauseException{"RuntimeError", "card declined"}));
  EXPECT_THAT(s.error_root_causes, IsEmpty());
  ASSERT_EQ(s.users.size(), 1u);
  EXPECT_EQ(s.users[0].user_name, "alice");
  EXPECT_THAT(s.users[0].service_ids, ElementsAre(svc));

  ASSERT_EQ(s.annotations.size(), 4u);  // customer, items, vip + "step" on a subsegment
  const auto& customer = s.annotations.at("customer");
  ASSERT_EQ(customer.size(), 1u);
  EXPECT_EQ(customer[0].value, AnnotationValue(std::string("c-123")));
  EXPECT_THAT(customer[0].service_ids, ElementsAre(svc));
  EXPECT_EQ(s.annotations.at("items")[0].value, AnnotationValue(3.0));
  EXPECT_EQ(s.annotations.at("vip")[0].value, AnnotationValue(true));
  EXPECT_EQ(s.annotations.at("step")[0].value, AnnotationValue(std::string("price")));
  EXPECT_THAT(s.annotations.at("step")[0].service_ids, ElementsAre(svc));
  EXPECT_THAT(s.resource_arns, IsEmpty());
  EXPECT_EQ(s.revision, 0u);  // the store's business
}

TEST(SummarizerTest, NodeManualSegmentErrorComesFromRootOnly) {
  std::vector<StoredDocument> docs = {
      SampleDocument("aws-xray-sdk-node-3.12.0/01-sample-node-manual.segment.datagram")};
  model::TraceSummary s = Summarize(docs);
  EXPECT_TRUE(s.has_error);
  EXPECT_FALSE(s.has_fault);  // only the charge-card subsegment faulted
  EXPECT_FALSE(s.http.has_value());
  EXPECT_DOUBLE_EQ(s.duration.value(), 0);
  EXPECT_DOUBLE_EQ(s.response_time.value(), 0);
  EXPECT_EQ(s.annotations.size(), 4u);
}

TEST(SummarizerTest, NodeExpressServiceACallsB) {
  // B's datagram arrived before A's.
  std::vector<StoredDocument> docs = {
      SampleDocument("aws-xray-sdk-node-3.12.0/04-sample-node-B.segment.datagram"),
      SampleDocument("aws-xray-sdk-node-3.12.0/05-sample-node-A.segment.datagram")};
  model::TraceSummary s = Summarize(docs);
  EXPECT_THAT(s.service_ids, ElementsAre(Service("sample-node-A"), Service("sample-node-B")));
  EXPECT_EQ(s.entry_point, Service("sample-node-A"));
  EXPECT_DOUBLE_EQ(s.start_time, 1795306222.731);
  EXPECT_DOUBLE_EQ(s.duration.value(), 1795306222.749 - 1795306222.731);
  EXPECT_DOUBLE_EQ(s.response_time.value(), 1795306222.749 - 1795306222.731);
  ASSERT_TRUE(s.http.has_value());
  EXPECT_EQ(s.http->url, "http://127.0.0.1:36291/call");
  EXPECT_EQ(s.http->user_agent, "Python-urllib/3.11");
  EXPECT_EQ(s.http->status, 200);
  EXPECT_FALSE(s.is_partial);

  // Without A there is no root: no entry point, response time or http.
  model::TraceSummary b_only = SummarizeTrace(TraceOf(docs), std::span(docs).first(1));
  EXPECT_FALSE(b_only.entry_point.has_value());
  EXPECT_FALSE(b_only.response_time.has_value());
  EXPECT_FALSE(b_only.http.has_value());
  EXPECT_THAT(b_only.service_ids, ElementsAre(Service("sample-node-B")));
  EXPECT_DOUBLE_EQ(b_only.duration.value(), 1795306222.742 - 1795306222.738);
}

TEST(SummarizerTest, StreamedSubsegmentExtendsDurationInEitherOrder) {
  StoredDocument sub = SampleDocument("aws-xray-sdk-python-0.95/02-stream-a.subsegment.datagram");
  StoredDocument seg =
      SampleDocument("aws-xray-sdk-python-0.95/03-sample-py-streamed.segment.datagram");
  for (const auto& docs : {std::vector<StoredDocument>{sub, seg}, {seg, sub}}) {
    model::TraceSummary s = Summarize(docs);
    EXPECT_DOUBLE_EQ(s.start_time, 1795306220.2430537);
    EXPECT_DOUBLE_EQ(s.duration.value(), 1795306220.2431545 - 1795306220.2430537);
    EXPECT_THAT(s.service_ids, ElementsAre(Service("sample-py-streamed")));
    EXPECT_FALSE(s.is_partial);
  }
}

TEST(SummarizerTest, AsyncIndependentSubsegmentEndingLateExtendsDurationOnly) {
  std::vector<StoredDocument> docs = {
      MakeDocument(Doc("a000000000000001", R"("name":"web","start_time":100,"end_time":100.9)")),
      MakeDocument(Doc("a000000000000002",
                       R"("type":"subsegment","parent_id":"a000000000000001","name":"audit",)"
                       R"("start_time":100.8,"end_time":101.4)"))};
  model::TraceSummary s = Summarize(docs);
  EXPECT_NEAR(s.duration.value(), 1.4, 1e-9);
  EXPECT_NEAR(s.response_time.value(), 0.9, 1e-9);
}

TEST(SummarizerTest, InProgressRootIsPartialWithoutResponseTime) {
  std::vector<StoredDocument> docs = {MakeDocument(
      Doc("a000000000000001", R"("name":"web","start_time":100,"in_progress":true,"fault":true)"))};
  model::TraceSummary s = Summarize(docs);
  EXPECT_TRUE(s.is_partial);
  EXPECT_FALSE(s.response_time.has_value());
  EXPECT_FALSE(s.duration.has_value());  // nothing has ended
  EXPECT_TRUE(s.has_fault);
  EXPECT_EQ(s.entry_point, Service("web"));

  // A completed child segment gives the trace a duration; the root still has no response time.
  docs.push_back(
      MakeDocument(Doc("a000000000000002", R"("name":"db","parent_id":"a000000000000009",)"
                                           R"("start_time":100.1,"end_time":100.5)")));
  s = Summarize(docs);
  EXPECT_TRUE(s.is_partial);
  EXPECT_FALSE(s.response_time.has_value());
  EXPECT_NEAR(s.duration.value(), 0.5, 1e-9);
}

TEST(SummarizerTest, InProgressEmbeddedSubsegmentIsPartial) {
  std::vector<StoredDocument> docs = {
      MakeDocument(Doc("a000000000000001", R"("name":"web","start_time":1,"end_time":2,)"
                                           R"("subsegments":[{"id":"b000000000000001","name":"x",)"
                                           R"("start_time":1,"in_progress":true}])"))};
  model::TraceSummary s = Summarize(docs);
  EXPECT_TRUE(s.is_partial);
  EXPECT_DOUBLE_EQ(s.response_time.value(), 1);
}

TEST(SummarizerTest, ThrottleOnAnySegmentOrSubsegment) {
  const std::string root = Doc("a000000000000001", R"("name":"web","start_time":1,"end_time":2)");
  EXPECT_FALSE(Summarize({MakeDocument(root)}).has_throttle);
  // Embedded, deep.
  EXPECT_TRUE(
      Summarize(
          {MakeDocument(Doc(
              "a000000000000001",
              R"("name":"web","start_time":1,"end_time":2,"subsegments":[{"id":"b000000000000001",)"
              R"("name":"x","start_time":1,"end_time":2,"subsegments":[{"id":"b000000000000002",)"
              R"("name":"y","start_time":1,"end_time":2,"throttle":true}]}])"))})
          .has_throttle);
  // An independent subsegment.
  EXPECT_TRUE(
      Summarize({MakeDocument(root),
                 MakeDocument(Doc("b000000000000003",
                                  R"("type":"subsegment","parent_id":"a000000000000001",)"
                                  R"("name":"z","start_time":1,"end_time":2,"throttle":true)"))})
          .has_throttle);
  // A downstream segment.
  model::TraceSummary s = Summarize(
      {MakeDocument(root),
       MakeDocument(Doc("c000000000000001", R"("name":"api","parent_id":"b000000000000009",)"
                                            R"("start_time":1,"end_time":2,"throttle":true)"))});
  EXPECT_TRUE(s.has_throttle);
  EXPECT_FALSE(s.has_error);  // flags other than throttle come from the root only
}

TEST(SummarizerTest, AnnotationKeyAndValueFiltering) {
  std::string long_key(501, 'k');
  std::string max_key(500, 'k');
  std::string long_value(1001, 'v');
  std::string max_value(1000, 'v');
  std::vector<StoredDocument> docs = {
      MakeDocument(Doc("a000000000000001",
                       R"("name":"web","start_time":1,"end_time":2,"annotations":{)"
                       R"("ok_key":"yes","dotted.key":1.5,"bad key!":"x","":"empty","dash-key":1,)"
                       R"("null_value":null,"object_value":{"a":1},"array_value":[1],"flag":false,)"
                       R"("big":12345678901234567890,"neg":-2e-3,)"
                       R"(")" +
                           long_key + R"(":"x",")" + max_key +
                           R"(":"x",)"
                           R"("long_value":")" +
                           long_value + R"(","max_value":")" + max_value + R"("})"))};
  model::TraceSummary s = Summarize(docs);
  std::vector<std::string> keys;
  for (const auto& [key, values] : s.annotations) keys.push_back(key);
  EXPECT_THAT(keys,
              ElementsAre("big", "dotted.key", "flag", max_key, "max_value", "neg", "ok_key"));
  EXPECT_EQ(s.annotations.at("dotted.key")[0].value, AnnotationValue(1.5));
  EXPECT_EQ(s.annotations.at("flag")[0].value, AnnotationValue(false));
  EXPECT_EQ(s.annotations.at("big")[0].value, AnnotationValue(12345678901234567890.0));
  EXPECT_EQ(s.annotations.at("neg")[0].value, AnnotationValue(-2e-3));
}

TEST(SummarizerTest, AnnotationValuesAreDistinctWithTheirServices) {
  std::vector<StoredDocument> docs = {
      MakeDocument(Doc("a000000000000001",
                       R"("name":"web","start_time":1,"end_time":2,)"
                       R"("annotations":{"tenant":"acme","n":3,"b":true},)"
                       R"("subsegments":[{"id":"b000000000000001","name":"x","start_time":1,)"
                       R"("end_time":2,"annotations":{"tenant":"acme","n":3.0}}])")),
      MakeDocument(Doc("a000000000000002",
                       R"("name":"api","parent_id":"b000000000000001","start_time":1,)"
                       R"("end_time":2,"annotations":{"tenant":"acme","n":"3","b":true})"))};
  model::TraceSummary s = Summarize(docs);
  const auto& tenant = s.annotations.at("tenant");
  ASSERT_EQ(tenant.size(), 1u);
  EXPECT_THAT(tenant[0].service_ids, ElementsAre(Service("api"), Service("web")));
  // 3 (number) and "3" (string) are different values; sorted string < number < bool.
  const auto& n = s.annotations.at("n");
  ASSERT_EQ(n.size(), 2u);
  EXPECT_EQ(n[0].value, AnnotationValue(std::string("3")));
  EXPECT_THAT(n[0].service_ids, ElementsAre(Service("api")));
  EXPECT_EQ(n[1].value, AnnotationValue(3.0));
  EXPECT_THAT(n[1].service_ids, ElementsAre(Service("web")));
}

TEST(SummarizerTest, AtMostFiftyAnnotationKeysInArrivalOrder) {
  std::string first = R"("name":"web","start_time":1,"end_time":2,"annotations":{)";
  for (int i = 0; i < 40; ++i) first += (i ? "," : "") + ("\"z" + std::to_string(i) + "\":1");
  first += "}";
  std::string second = R"("name":"web","start_time":1,"end_time":2,"parent_id":"c000000000000001",)"
                       R"("annotations":{)";
  for (int i = 0; i < 20; ++i) second += (i ? "," : "") + ("\"a" + std::to_string(i) + "\":1");
  second += R"(,"z0":2})";
  std::vector<StoredDocument> docs = {MakeDocument(Doc("a000000000000001", first)),
                                      MakeDocument(Doc("a000000000000002", second))};
  model::TraceSummary s = Summarize(docs);
  EXPECT_EQ(s.annotations.size(), kMaxAnnotationKeysPerTrace);
  EXPECT_TRUE(s.annotations.contains("z39"));
  EXPECT_TRUE(s.annotations.contains("a9"));
  EXPECT_FALSE(s.annotations.contains("a10"));
  EXPECT_EQ(s.annotations.at("z0").size(), 2u);  // a known key still takes new values
}

TEST(SummarizerTest, IndependentSubsegmentChainsResolveToTheirSegmentsService) {
  // web ─ embedded e ─ (independent) x ─ y ─ z, arriving in reverse; plus an orphan.
  auto sub = [&](std::string_view id, std::string_view parent, std::string_view value) {
    return MakeDocument(Doc(id, std::string(R"("type":"subsegment","name":"s","start_time":1,)"
                                            R"("end_time":2,"parent_id":")") +
                                    std::string(parent) + R"(","annotations":{"k":")" +
                                    std::string(value) + "\"}"));
  };
  std::vector<StoredDocument> docs = {
      sub("b000000000000004", "b000000000000003", "z"),
      sub("b000000000000003", "b000000000000002", "y"),
      sub("b000000000000002", "b000000000000001", "x"),
      sub("b000000000000009", "f00000000000000f", "orphan"),
      MakeDocument(Doc("a000000000000001",
                       R"("name":"web","origin":"AWS::EC2::Instance","start_time":1,)"
                       R"("end_time":2,"subsegments":[{"id":"b000000000000001","name":"e",)"
                       R"("start_time":1,"end_time":2}])"))};
  model::TraceSummary s = Summarize(docs);
  const ServiceId web = Service("web", "AWS::EC2::Instance");
  const auto& values = s.annotations.at("k");
  ASSERT_EQ(values.size(), 4u);
  for (const model::ValueWithServiceIds& v : values) {
    if (v.value == AnnotationValue(std::string("orphan"))) {
      EXPECT_THAT(v.service_ids, IsEmpty());
    } else {
      EXPECT_THAT(v.service_ids, ElementsAre(web)) << std::get<std::string>(v.value);
    }
  }
  EXPECT_THAT(s.service_ids, ElementsAre(web));  // subsegments are not services
}

TEST(SummarizerTest, ServicesUsersAndResources) {
  std::vector<StoredDocument> docs = {
      MakeDocument(Doc("a000000000000001",
                       R"("name":"web","origin":"AWS::EC2::Instance","start_time":1,)"
                       R"("end_time":3,"user":"u-7","resource_arn":"arn:b",)"
                       R"("aws":{"ec2":{"instance_id":"i-2","availability_zone":"az-b"}})")),
      MakeDocument(
          Doc("a000000000000002",
              R"("name":"web","origin":"AWS::EC2::Instance","parent_id":"b000000000000001",)"
              R"("start_time":1.5,"end_time":2,"user":"u-7","resource_arn":"arn:a",)"
              R"("aws":{"account_id":"123456789012","ec2":{"instance_id":"i-1",)"
              R"("availability_zone":"az-b"}})")),
      MakeDocument(Doc("a000000000000003",
                       R"("name":"web","parent_id":"b000000000000002","start_time":1.5,)"
                       R"("end_time":2,"user":"u-1","resource_arn":"arn:a")"))};
  model::TraceSummary s = Summarize(docs);
  const ServiceId web_ec2 = Service("web", "AWS::EC2::Instance", "123456789012");
  const ServiceId web = Service("web");
  EXPECT_THAT(s.service_ids, ElementsAre(web, web_ec2));
  EXPECT_EQ(s.entry_point, web_ec2);
  ASSERT_EQ(s.users.size(), 2u);
  EXPECT_EQ(s.users[0].user_name, "u-1");
  EXPECT_THAT(s.users[0].service_ids, ElementsAre(web));
  EXPECT_EQ(s.users[1].user_name, "u-7");
  EXPECT_THAT(s.users[1].service_ids, ElementsAre(web_ec2));
  EXPECT_THAT(s.resource_arns, ElementsAre("arn:a", "arn:b"));
  EXPECT_THAT(s.instance_ids, ElementsAre("i-1", "i-2"));
  EXPECT_THAT(s.availability_zones, ElementsAre("az-b"));
}

TEST(SummarizerTest, EarliestParentlessSegmentIsTheRoot) {
  std::vector<StoredDocument> docs = {
      MakeDocument(
          Doc("a000000000000001", R"("name":"late","start_time":5,"end_time":6,"error":true)")),
      MakeDocument(
          Doc("a000000000000002", R"("name":"early","start_time":4,"end_time":9,"fault":true)"))};
  model::TraceSummary s = Summarize(docs);
  EXPECT_EQ(s.entry_point, Service("early"));
  EXPECT_TRUE(s.has_fault);
  EXPECT_FALSE(s.has_error);
  EXPECT_DOUBLE_EQ(s.response_time.value(), 5);
  EXPECT_DOUBLE_EQ(s.duration.value(), 5);
}

TEST(SummarizerTest, CorruptDocumentStillCountsByItsFields) {
  StoredDocument corrupt =
      MakeDocument(Doc("a000000000000001", R"("name":"web","start_time":1,"end_time":4)"));
  corrupt.document.json = "{not json";
  model::TraceSummary s = Summarize({corrupt});
  EXPECT_DOUBLE_EQ(s.start_time, 1);
  EXPECT_DOUBLE_EQ(s.duration.value(), 3);
  EXPECT_DOUBLE_EQ(s.response_time.value(), 3);
}

TEST(SummarizerTest, IsTheStoresSummarizer) {
  storage::Summarizer summarizer = SummarizeTrace;
  std::vector<StoredDocument> docs = {
      SampleDocument("aws-xray-sdk-python-0.95/04-sample-py-continued.segment.datagram")};
  model::TraceSummary s = summarizer(TraceOf(docs), docs);
  EXPECT_THAT(s.service_ids, ElementsAre(Service("sample-py-continued")));
  EXPECT_FALSE(s.entry_point.has_value());  // it continues an upstream trace: not the root
}

TEST(SummarizerTest, NoDocuments) {
  model::TraceSummary s = SummarizeTrace(*model::TraceId::Parse(kTrace), {});
  EXPECT_EQ(s.id.ToString(), kTrace);
  EXPECT_FALSE(s.duration.has_value());
  EXPECT_THAT(s.service_ids, IsEmpty());
}

// ---- The trace graph and root causes ----

model::RootCauseService CauseService(const ServiceId& id, std::vector<model::RootCauseEntity> path,
                                     bool inferred = false) {
  model::RootCauseService service;
  service.name = id.name;
  service.names = id.names;
  service.type = id.type;
  service.account_id = id.account_id;
  service.inferred = inferred;
  service.entity_path = std::move(path);
  return service;
}

model::RootCauseEntity Step(std::string name, bool remote = false,
                            std::vector<model::RootCauseException> exceptions = {}) {
  model::RootCauseEntity entity;
  entity.name = std::move(name);
  entity.remote = remote;
  entity.exceptions = std::move(exceptions);
  return entity;
}

model::RootCauseEntity Covered(std::string name, double coverage, bool remote = false) {
  model::RootCauseEntity entity = Step(std::move(name), remote);
  entity.coverage = coverage;
  return entity;
}

// Coverages rounded to 1e-9, so computed and expected ratios compare exactly.
std::vector<model::RootCause> Rounded(std::vector<model::RootCause> causes) {
  for (model::RootCause& cause : causes) {
    for (model::RootCauseService& service : cause.services) {
      for (model::RootCauseEntity& entity : service.entity_path) {
        if (entity.coverage) entity.coverage = std::round(*entity.coverage * 1e9) / 1e9;
      }
    }
  }
  return causes;
}

const model::TraceNode* FindNode(const model::TraceSummary& s, std::string_view name) {
  for (const model::TraceNode& node : s.nodes) {
    if (node.id.name == name) return &node;
  }
  return nullptr;
}

// The edge between the nodes named `from` and `to`, or null.
const model::TraceEdge* FindEdge(const model::TraceSummary& s, std::string_view from,
                                 std::string_view to) {
  for (const model::TraceEdge& edge : s.edges) {
    if (s.nodes.at(edge.source).id.name == from && s.nodes.at(edge.destination).id.name == to) {
      return &edge;
    }
  }
  return nullptr;
}

// traces-and-graphs.md §10, at base time 100.
std::vector<StoredDocument> WorkedExample() {
  return {
      MakeDocument(
          Doc("a100000000000001",
              R"("name":"web","origin":"AWS::EC2::Instance","start_time":100,"end_time":100.9,)"
              R"("fault":true,"user":"u-7","annotations":{"tenant":"acme"},)"
              R"("http":{"request":{"method":"GET","url":"/cart"},"response":{"status":500}},)"
              R"("subsegments":[)"
              R"({"id":"5100000000000001","name":"inventory","namespace":"remote","traced":true,)"
              R"("start_time":100.05,"end_time":100.7,"fault":true,)"
              R"("http":{"request":{"method":"GET","url":"http://inventory/items"},)"
              R"("response":{"status":503}}},)"
              R"({"id":"5200000000000002","name":"DynamoDB","namespace":"aws",)"
              R"("start_time":100.71,"end_time":100.76,)"
              R"("aws":{"operation":"GetItem","table_name":"carts","resource_names":["carts"]},)"
              R"("http":{"response":{"status":200}}}])")),
      MakeDocument(Doc("5400000000000004",
                       R"("type":"subsegment","parent_id":"a100000000000001","name":"audit",)"
                       R"("start_time":100.8,"end_time":101.4)")),
      MakeDocument(Doc(
          "b100000000000001",
          R"("name":"inventory","origin":"AWS::ECS::Container","parent_id":"5100000000000001",)"
          R"("start_time":100.06,"end_time":100.69,"fault":true,)"
          R"("http":{"response":{"status":503}},)"
          R"("cause":{"working_directory":"/srv","exceptions":[{"id":"e100000000000001",)"
          R"("type":"TimeoutError","message":"db timeout","stack":[{"path":"a.py","line":1}]}]},)"
          R"("subsegments":[{"id":"5300000000000003","name":"postgres","namespace":"remote",)"
          R"("start_time":100.07,"end_time":100.68,"fault":true,)"
          R"("sql":{"url":"postgres://db/inventory","sanitized_query":"SELECT 1"},)"
          R"("cause":{"exceptions":[{"id":"e100000000000002","remote":true,)"
          R"("message":"connection timed out"}]}}])"))};
}

TEST(SummarizerGraphTest, WorkedExampleEndToEnd) {
  const std::vector<StoredDocument> docs = WorkedExample();
  // The outcome does not depend on arrival order.
  for (const std::vector<StoredDocument>& order :
       {docs, std::vector<StoredDocument>{docs[2], docs[1], docs[0]}}) {
    model::TraceSummary s = Summarize(order);
    EXPECT_NEAR(s.duration.value(), 1.4, 1e-9);
    EXPECT_NEAR(s.response_time.value(), 0.9, 1e-9);
    EXPECT_TRUE(s.has_fault);
    EXPECT_FALSE(s.has_error);
    EXPECT_FALSE(s.has_throttle);
    EXPECT_FALSE(s.is_partial);
    ASSERT_TRUE(s.http.has_value());
    EXPECT_EQ(s.http->method, "GET");
    EXPECT_EQ(s.http->url, "/cart");
    EXPECT_EQ(s.http->status, 500);

    const ServiceId web = Service("web", "AWS::EC2::Instance");
    const ServiceId inventory = Service("inventory", "AWS::ECS::Container");
    const ServiceId carts = Service("carts", "AWS::DynamoDB::Table");
    const ServiceId postgres = Service("postgres", "Database::SQL");
    EXPECT_EQ(s.entry_point, web);
    EXPECT_THAT(s.service_ids, ElementsAre(carts, inventory, postgres, web));
    ASSERT_EQ(s.users.size(), 1u);
    EXPECT_EQ(s.users[0].user_name, "u-7");
    EXPECT_THAT(s.users[0].service_ids, ElementsAre(web));
    ASSERT_EQ(s.annotations.at("tenant").size(), 1u);
    EXPECT_THAT(s.annotations.at("tenant")[0].service_ids, ElementsAre(web));

    // Nodes, sorted by id: inferred ones carry their caller subsegment's data.
    ASSERT_EQ(s.nodes.size(), 4u);
    for (size_t i = 0; i < 4; ++i) EXPECT_EQ(s.nodes[i].id, s.service_ids[i]);
    const std::vector<std::pair<bool, bool>> inferred_root = {
        {true, false}, {false, false}, {true, false}, {false, true}};
    for (size_t i = 0; i < 4; ++i) {
      EXPECT_EQ(s.nodes[i].inferred, inferred_root[i].first) << i;
      EXPECT_EQ(s.nodes[i].root, inferred_root[i].second) << i;
      ASSERT_EQ(s.nodes[i].segments.size(), 1u) << i;
    }
    const model::EntityFacts& carts_segment = s.nodes[0].segments[0];
    EXPECT_FALSE(carts_segment.fault);
    EXPECT_NEAR(carts_segment.response_time.value(), 0.05, 1e-9);
    EXPECT_EQ(carts_segment.http.value().status, 200);
    const model::EntityFacts& inventory_segment = s.nodes[1].segments[0];
    EXPECT_TRUE(inventory_segment.fault);
    EXPECT_FALSE(inventory_segment.root);
    EXPECT_NEAR(inventory_segment.response_time.value(), 0.63, 1e-9);
    EXPECT_TRUE(s.nodes[2].segments[0].fault);
    EXPECT_NEAR(s.nodes[2].segments[0].response_time.value(), 0.61, 1e-9);
    const model::EntityFacts& web_segment = s.nodes[3].segments[0];
    EXPECT_TRUE(web_segment.root);
    EXPECT_TRUE(web_segment.fault);
    EXPECT_EQ(web_segment.user, "u-7");
    EXPECT_NEAR(web_segment.response_time.value(), 0.9, 1e-9);
    EXPECT_EQ(web_segment.http.value().url, "/cart");

    // Edges, sorted by (source, destination): inventory→postgres, web→carts, web→inventory.
    ASSERT_EQ(s.edges.size(), 3u);
    const std::vector<std::pair<uint32_t, uint32_t>> ends = {{1, 2}, {3, 0}, {3, 1}};
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(std::pair(s.edges[i].source, s.edges[i].destination), ends[i]) << i;
      ASSERT_EQ(s.edges[i].calls.size(), 1u) << i;
    }
    EXPECT_TRUE(s.edges[0].calls[0].fault);
    EXPECT_NEAR(s.edges[0].calls[0].response_time.value(), 0.61, 1e-9);
    EXPECT_FALSE(s.edges[1].calls[0].fault);  // edge("web","carts") { ok }
    EXPECT_NEAR(s.edges[1].calls[0].response_time.value(), 0.05, 1e-9);
    // web → inventory as the caller's subsegment s1 saw it, not as b1 did.
    const model::EntityFacts& s1 = s.edges[2].calls[0];
    EXPECT_TRUE(s1.fault);
    EXPECT_NEAR(s1.response_time.value(), 0.65, 1e-9);
    EXPECT_EQ(s1.http.value().url, "http://inventory/items");
    EXPECT_EQ(s1.http.value().status, 503);

    // FaultRootCauses: web [web, inventory (Remote)] → inventory [inventory, postgres (Remote,
    // "connection timed out")] → postgres (Database::SQL, Inferred) [postgres].
    model::RootCause fault;
    fault.client_impacting = true;
    fault.services = {
        CauseService(web, {Step("web"), Step("inventory", /*remote=*/true)}),
        CauseService(inventory, {Step("inventory", false, {{"TimeoutError", "db timeout"}}),
                                 Step("postgres", true, {{"", "connection timed out"}})}),
        CauseService(postgres, {Step("postgres")}, /*inferred=*/true)};
    EXPECT_THAT(s.fault_root_causes, ElementsAre(fault));
    EXPECT_THAT(s.error_root_causes, IsEmpty());

    // ResponseTimeRootCauses: the longest child at each step (s1 0.65 beats the async audit's 0.6).
    model::RootCause slow;
    slow.client_impacting = true;
    slow.services = {CauseService(web, {Covered("web", 1), Covered("inventory", 0.65 / 0.9, true)}),
                     CauseService(inventory, {Covered("inventory", 0.63 / 0.9),
                                              Covered("postgres", 0.61 / 0.9, true)}),
                     CauseService(postgres, {Covered("postgres", 0.61 / 0.9)}, /*inferred=*/true)};
    EXPECT_THAT(Rounded(s.response_time_root_causes), ElementsAre(Rounded({slow})[0]));
  }
}

TEST(SummarizerGraphTest, InferredNodesAgreeWithTheTraceAssembler) {
  std::vector<StoredDocument> docs = {MakeDocument(Doc(
      "a100000000000001",
      R"("name":"web","start_time":1,"end_time":2,"subsegments":[)"
      R"({"id":"5100000000000001","name":"mydb","namespace":"remote","start_time":1.1,)"
      R"("end_time":1.2,"sql":{"url":"jdbc:mysql://db","database_type":"MySQL"}},)"
      R"({"id":"5100000000000002","name":"DynamoDB","namespace":"aws","start_time":1.2,)"
      R"("end_time":1.3,"aws":{"table_name":"carts"}},)"
      R"({"id":"5100000000000003","name":"DynamoDB","namespace":"aws","start_time":1.3,)"
      R"("end_time":1.35,"aws":{"table_name":"carts","operation":"PutItem"}},)"
      R"({"id":"5100000000000004","name":"sqs","namespace":"aws","start_time":1.4,)"
      R"("end_time":1.5,"aws":{"queue_url":"https://sqs.us-east-1.amazonaws.com/1/orders"}},)"
      R"({"id":"5100000000000005","name":"SNS","namespace":"aws","start_time":1.5,)"
      R"("end_time":1.6,"aws":{"operation":"Publish"}},)"
      R"({"id":"5100000000000006","name":"api.example.com","namespace":"remote",)"
      R"("start_time":1.6,"end_time":1.7,"http":{"request":{"url":"https://api.example.com/"}}},)"
      R"({"id":"5100000000000007","name":"traced-api","namespace":"remote","start_time":1.7,)"
      R"("end_time":1.8,"http":{"request":{"url":"http://b/","traced":true}}},)"
      R"({"id":"5100000000000008","name":"local-work","start_time":1.8,"end_time":1.9}])"))};
  model::TraceSummary s = Summarize(docs);
  EXPECT_THAT(
      s.service_ids,
      ElementsAre(Service("SNS", "AWS::SNS"), Service("api.example.com", "remote"),
                  Service("carts", "AWS::DynamoDB::Table"), Service("mydb", "Database::SQL"),
                  Service("orders", "AWS::SQS"), Service("web")));
  const model::TraceNode* carts = FindNode(s, "carts");
  ASSERT_NE(carts, nullptr);
  EXPECT_TRUE(carts->inferred);
  EXPECT_EQ(carts->segments.size(), 2u);  // two calls to one table: one node
  const model::TraceEdge* web_carts = FindEdge(s, "web", "carts");
  ASSERT_NE(web_carts, nullptr);
  EXPECT_EQ(web_carts->calls.size(), 2u);
  EXPECT_EQ(s.edges.size(), 5u);

  // The assembler's inferred segments have exactly these types.
  Result<AssembledTrace> assembled = AssembleTrace(TraceOf(docs), docs);
  ASSERT_TRUE(assembled.ok());
  std::multiset<std::string> assembler_types;
  for (const AssembledSegment& segment : assembled->segments) {
    if (!segment.inferred) continue;
    const size_t at = segment.document.find(R"("origin":")");
    ASSERT_NE(at, std::string::npos);
    const size_t begin = at + 10;
    assembler_types.insert(
        segment.document.substr(begin, segment.document.find('"', begin) - begin));
  }
  std::multiset<std::string> node_types;
  for (const model::TraceNode& node : s.nodes) {
    for (size_t i = 0; node.inferred && i < node.segments.size(); ++i)
      node_types.insert(node.id.type);
  }
  EXPECT_EQ(node_types, assembler_types);
}

TEST(SummarizerGraphTest, CallWhoseCalleeSentASegmentIsAnEdgeToTheRealNode) {
  std::vector<StoredDocument> docs = {
      MakeDocument(Doc(
          "a100000000000001",
          R"("name":"web","start_time":1,"end_time":2,"subsegments":[)"
          R"({"id":"5100000000000001","name":"api.example.com","namespace":"remote",)"
          R"("start_time":1.1,"end_time":1.5,"error":true,)"
          R"("http":{"request":{"url":"https://api.example.com/x"},"response":{"status":404}}}])")),
      MakeDocument(Doc("b100000000000001",
                       R"("name":"backend","parent_id":"5100000000000001","start_time":1.15,)"
                       R"("end_time":1.45,"error":true,"http":{"response":{"status":404}})")),
      // Lambda's service segment and its function segment (parent_id = a segment id).
      MakeDocument(Doc("b100000000000002",
                       R"("name":"fn","origin":"AWS::Lambda","parent_id":"5100000000000009",)"
                       R"("start_time":1.2,"end_time":1.3)")),
      MakeDocument(Doc("b100000000000003",
                       R"("name":"fn","origin":"AWS::Lambda::Function",)"
                       R"("parent_id":"b100000000000002","start_time":1.21,"end_time":1.29,)"
                       R"("fault":true)"))};
  model::TraceSummary s = Summarize(docs);
  EXPECT_THAT(s.service_ids, ElementsAre(Service("backend"), Service("fn", "AWS::Lambda"),
                                         Service("fn", "AWS::Lambda::Function"), Service("web")));
  for (const model::TraceNode& node : s.nodes) EXPECT_FALSE(node.inferred) << node.id.name;
  ASSERT_EQ(s.edges.size(), 2u);
  const model::TraceEdge* call = FindEdge(s, "web", "backend");
  ASSERT_NE(call, nullptr);
  ASSERT_EQ(call->calls.size(), 1u);
  EXPECT_TRUE(call->calls[0].error);
  EXPECT_NEAR(call->calls[0].response_time.value(), 0.4, 1e-9);  // the subsegment's, not 0.3
  EXPECT_EQ(call->calls[0].http.value().url, "https://api.example.com/x");
  // Segment → segment: the child segment's facts.
  const model::TraceEdge* lambda = FindEdge(s, "fn", "fn");
  ASSERT_NE(lambda, nullptr);
  EXPECT_EQ(s.nodes[lambda->source].id.type, "AWS::Lambda");
  EXPECT_EQ(s.nodes[lambda->destination].id.type, "AWS::Lambda::Function");
  EXPECT_TRUE(lambda->calls.at(0).fault);
  EXPECT_NEAR(lambda->calls[0].response_time.value(), 0.08, 1e-9);

  // The error comes from backend, reached through the remote call.
  model::RootCause error;
  error.client_impacting = false;  // web has no error flag
  error.services = {CauseService(Service("web"), {Step("web"), Step("api.example.com", true)}),
                    CauseService(Service("backend"), {Step("backend")})};
  EXPECT_THAT(s.error_root_causes, ElementsAre(error));
  // fn's fault is not in the root's tree (its chain ends outside the trace).
  EXPECT_THAT(s.fault_root_causes, IsEmpty());
}

TEST(SummarizerGraphTest, ErrorAndFaultCausesAreSeparate) {
  std::vector<StoredDocument> docs = {MakeDocument(
      Doc("a100000000000001",
          R"("name":"web","start_time":1,"end_time":2,"error":true,"subsegments":[)"
          R"({"id":"5100000000000001","name":"validate","start_time":1.1,"end_time":1.2,)"
          R"("error":true,"cause":{"exceptions":[{"type":"ValueError","message":"bad id"}]}},)"
          R"({"id":"5100000000000002","name":"cache","start_time":1.3,"end_time":1.4,)"
          R"("fault":true,"subsegments":[{"id":"5100000000000003","name":"get",)"
          R"("start_time":1.3,"end_time":1.35,"fault":true}]}])"))};
  model::TraceSummary s = Summarize(docs);
  model::RootCause error;
  error.client_impacting = true;
  error.services = {CauseService(
      Service("web"), {Step("web"), Step("validate", false, {{"ValueError", "bad id"}})})};
  EXPECT_THAT(s.error_root_causes, ElementsAre(error));
  model::RootCause fault;
  fault.client_impacting = false;  // the root has no fault flag
  fault.services = {CauseService(Service("web"), {Step("web"), Step("cache"), Step("get")})};
  EXPECT_THAT(s.fault_root_causes, ElementsAre(fault));
  EXPECT_FALSE(s.has_fault);
  EXPECT_TRUE(s.has_error);
}

TEST(SummarizerGraphTest, ThrottledCallIsAnErrorOnItsEdgeAndInferredNode) {
  std::vector<StoredDocument> docs = {MakeDocument(
      Doc("a100000000000001",
          R"("name":"web","start_time":1,"end_time":2,"error":true,"subsegments":[)"
          R"({"id":"5100000000000001","name":"dynamodb","namespace":"aws","start_time":1.1,)"
          R"("end_time":1.2,"error":true,"throttle":true,"aws":{"operation":"PutItem"},)"
          R"("http":{"response":{"status":429}},"cause":{"exceptions":[{"id":"e100000000000001",)"
          R"("type":"ProvisionedThroughputExceededException","message":"slow down"}]}}])"))};
  model::TraceSummary s = Summarize(docs);
  EXPECT_TRUE(s.has_throttle);
  const ServiceId dynamodb = Service("dynamodb", "AWS::DynamoDB");  // canonical type spelling
  EXPECT_THAT(s.service_ids, ElementsAre(dynamodb, Service("web")));
  const model::TraceEdge* edge = FindEdge(s, "web", "dynamodb");
  ASSERT_NE(edge, nullptr);
  EXPECT_TRUE(edge->calls.at(0).throttle);
  EXPECT_TRUE(edge->calls[0].error);
  EXPECT_EQ(edge->calls[0].http.value().status, 429);
  const model::TraceNode* node = FindNode(s, "dynamodb");
  ASSERT_NE(node, nullptr);
  EXPECT_TRUE(node->segments.at(0).throttle);
  EXPECT_FALSE(FindNode(s, "web")->segments.at(0).throttle);

  model::RootCause error;
  error.client_impacting = true;
  error.services = {
      CauseService(Service("web"),
                   {Step("web"), Step("dynamodb", true,
                                      {{"ProvisionedThroughputExceededException", "slow down"}})}),
      CauseService(dynamodb, {Step("dynamodb")}, /*inferred=*/true)};
  EXPECT_THAT(s.error_root_causes, ElementsAre(error));
  EXPECT_THAT(s.fault_root_causes, IsEmpty());
}

TEST(SummarizerGraphTest, IndependentSubsegmentsJoinTheirParentsService) {
  std::vector<StoredDocument> docs = {
      // Arrive before their parent.
      MakeDocument(Doc("5200000000000001",
                       R"("type":"subsegment","parent_id":"5100000000000001","name":"S3",)"
                       R"("namespace":"aws","start_time":1.2,"end_time":1.3,"fault":true,)"
                       R"("aws":{"bucket_name":"photos"})")),
      MakeDocument(Doc("5200000000000002",
                       R"("type":"subsegment","parent_id":"a100000000000001","name":"call-api",)"
                       R"("namespace":"remote","start_time":1.4,"end_time":1.6)")),
      MakeDocument(Doc("b100000000000001",
                       R"("name":"api","parent_id":"5200000000000002","start_time":1.41,)"
                       R"("end_time":1.59)")),
      MakeDocument(Doc("a100000000000001",
                       R"("name":"web","start_time":1,"end_time":2,"fault":true,)"
                       R"("subsegments":[{"id":"5100000000000001","name":"upload",)"
                       R"("start_time":1.1,"end_time":1.35,"fault":true}])"))};
  model::TraceSummary s = Summarize(docs);
  EXPECT_THAT(s.service_ids,
              ElementsAre(Service("api"), Service("photos", "AWS::S3"), Service("web")));
  ASSERT_NE(FindEdge(s, "web", "photos"), nullptr);
  ASSERT_NE(FindEdge(s, "web", "api"), nullptr);
  EXPECT_EQ(s.edges.size(), 2u);
  model::RootCause fault;
  fault.client_impacting = true;
  fault.services = {
      CauseService(Service("web"), {Step("web"), Step("upload"), Step("S3", true)}),
      CauseService(Service("photos", "AWS::S3"), {Step("photos")}, /*inferred=*/true)};
  EXPECT_THAT(s.fault_root_causes, ElementsAre(fault));
}

TEST(SummarizerGraphTest, ResponseTimePathFollowsTheLongestChild) {
  std::vector<StoredDocument> docs = {
      MakeDocument(Doc("a100000000000001",
                       R"("name":"web","start_time":0,"end_time":1,"subsegments":[)"
                       R"({"id":"5100000000000001","name":"a","start_time":0,"end_time":0.3},)"
                       R"({"id":"5100000000000002","name":"b","start_time":0.35,"end_time":0.95,)"
                       R"("subsegments":[{"id":"5100000000000003","name":"c","namespace":"remote",)"
                       R"("start_time":0.4,"end_time":0.9},{"id":"5100000000000004","name":"open",)"
                       R"("start_time":0.36,"in_progress":true}]}])")),
      MakeDocument(Doc("b100000000000001",
                       R"("name":"svc","parent_id":"5100000000000003","start_time":0.41,)"
                       R"("end_time":0.89,"subsegments":[{"id":"5100000000000005","name":"d",)"
                       R"("start_time":0.5,"end_time":0.6}])"))};
  model::TraceSummary s = Summarize(docs);
  model::RootCause slow;
  slow.client_impacting = true;
  slow.services = {
      CauseService(Service("web"), {Covered("web", 1), Covered("b", 0.6), Covered("c", 0.5, true)}),
      CauseService(Service("svc"), {Covered("svc", 0.48)})};  // d (0.1) is under half of 0.48
  EXPECT_THAT(Rounded(s.response_time_root_causes), ElementsAre(Rounded({slow})[0]));
  EXPECT_THAT(s.fault_root_causes, IsEmpty());

  // A root without children still gets its one path.
  model::TraceSummary lone = Summarize(
      {MakeDocument(Doc("a100000000000001", R"("name":"web","start_time":0,"end_time":0.2)"))});
  model::RootCause alone;
  alone.client_impacting = true;
  alone.services = {CauseService(Service("web"), {Covered("web", 1)})};
  EXPECT_THAT(lone.response_time_root_causes, ElementsAre(alone));
}

TEST(SummarizerGraphTest, InProgressRootHasFaultCausesButNoResponseTimeCause) {
  std::vector<StoredDocument> docs = {MakeDocument(Doc(
      "a100000000000001",
      R"("name":"web","start_time":1,"in_progress":true,"fault":true,"subsegments":[)"
      R"({"id":"5100000000000001","name":"work","start_time":1.1,"end_time":1.2,"fault":true}])"))};
  model::TraceSummary s = Summarize(docs);
  EXPECT_THAT(s.response_time_root_causes, IsEmpty());
  model::RootCause fault;
  fault.client_impacting = true;
  fault.services = {CauseService(Service("web"), {Step("web"), Step("work")})};
  EXPECT_THAT(s.fault_root_causes, ElementsAre(fault));
  ASSERT_EQ(s.nodes.size(), 1u);
  EXPECT_TRUE(s.nodes[0].root);
  const model::EntityFacts& root = s.nodes[0].segments.at(0);
  EXPECT_TRUE(root.root);
  EXPECT_TRUE(root.in_progress);
  EXPECT_FALSE(root.response_time.has_value());
}

TEST(SummarizerGraphTest, CausesAreDedupedAndCapped) {
  std::string subsegments;
  auto add = [&](std::string_view id, std::string_view name, double start) {
    subsegments += std::string(subsegments.empty() ? "" : ",") + R"({"id":")" + std::string(id) +
                   R"(","name":")" + std::string(name) + R"(","start_time":)" +
                   std::to_string(start) + R"(,"end_time":1.9,"fault":true})";
  };
  add("5100000000000001", "dup", 1.01);
  add("5100000000000002", "dup", 1.02);
  add("5100000000000003", "dup", 1.03);
  for (int i = 1; i <= 6; ++i) {
    add("510000000000001" + std::to_string(i), "f" + std::to_string(i), 1.1 + i * 0.01);
  }
  model::TraceSummary s = Summarize({MakeDocument(
      Doc("a100000000000001",
          R"("name":"web","start_time":1,"end_time":2,"subsegments":[)" + subsegments + "]"))});
  ASSERT_EQ(s.fault_root_causes.size(), kMaxRootCausesPerKind);
  std::vector<std::string> culprits;
  for (const model::RootCause& cause : s.fault_root_causes) {
    culprits.push_back(cause.services.at(0).entity_path.back().name);
  }
  EXPECT_THAT(culprits, ElementsAre("dup", "f1", "f2", "f3", "f4"));
}

TEST(SummarizerGraphTest, CauseGivenAsAnExceptionIdIsFollowed) {
  model::TraceSummary s = Summarize({MakeDocument(
      Doc("a100000000000001",
          R"("name":"web","start_time":1,"end_time":2,"fault":true,"cause":"e10000000000000a",)"
          R"("subsegments":[{"id":"5100000000000001","name":"read","start_time":1.1,)"
          R"("end_time":1.2,"cause":{"exceptions":[{"id":"e10000000000000a","type":"IOError",)"
          R"("message":"disk"}]}}])"))});
  model::RootCause fault;
  fault.client_impacting = true;
  fault.services = {CauseService(Service("web"), {Step("web", false, {{"IOError", "disk"}})})};
  EXPECT_THAT(s.fault_root_causes, ElementsAre(fault));
}

}  // namespace
}  // namespace roentgen::query
