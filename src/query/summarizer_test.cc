#include "query/summarizer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "query/test_documents.h"

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
  EXPECT_THAT(s.service_ids, ElementsAre(svc));
  EXPECT_EQ(s.entry_point, svc);
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

}  // namespace
}  // namespace roentgen::query
