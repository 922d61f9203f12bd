#include "query/document_scanner.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "query/test_documents.h"

namespace roentgen::query {
namespace {

using model::DocumentKind;

using testing::UdpSample;

model::EntityId Id(std::string_view hex) { return *model::ParseEntityId(hex); }

TEST(AnnotationRulesTest, Keys) {
  EXPECT_TRUE(IsIndexableAnnotationKey("customer"));
  EXPECT_TRUE(IsIndexableAnnotationKey("with_underscore_9"));
  EXPECT_TRUE(IsIndexableAnnotationKey("dotted.key"));
  EXPECT_TRUE(IsIndexableAnnotationKey(std::string(500, 'k')));
  EXPECT_FALSE(IsIndexableAnnotationKey(""));
  EXPECT_FALSE(IsIndexableAnnotationKey(std::string(501, 'k')));
  EXPECT_FALSE(IsIndexableAnnotationKey("bad key!"));
  EXPECT_FALSE(IsIndexableAnnotationKey("dash-key"));
  EXPECT_FALSE(IsIndexableAnnotationKey("\xc3\xbcmlaut"));
}

TEST(AnnotationRulesTest, StringValuesCountCodePoints) {
  EXPECT_TRUE(IsIndexableAnnotationString(""));
  EXPECT_TRUE(IsIndexableAnnotationString(std::string(1000, 'x')));
  EXPECT_FALSE(IsIndexableAnnotationString(std::string(1001, 'x')));
  std::string accents;
  for (int i = 0; i < 1000; ++i) accents += "\xc3\xa9";  // 1000 × é = 2000 bytes
  EXPECT_TRUE(IsIndexableAnnotationString(accents));
  EXPECT_FALSE(IsIndexableAnnotationString(accents + "\xc3\xa9"));
}

TEST(DocumentScannerTest, PythonFullSegment) {
  DocumentScanner scanner;
  DocumentFacts facts;
  ASSERT_TRUE(scanner
                  .Scan(UdpSample("aws-xray-sdk-python-0.95/01-sample-py-full.segment.datagram"),
                        DocumentKind::kSegment, ScanDetail::kRemoteCalls, &facts)
                  .ok());
  EXPECT_EQ(facts.name, "sample-py-full");
  EXPECT_EQ(facts.user, "alice");
  EXPECT_TRUE(facts.fault);
  EXPECT_FALSE(facts.error);
  ASSERT_TRUE(facts.http.has_value());
  EXPECT_EQ(facts.http->url, "http://shop.local/checkout");
  EXPECT_EQ(facts.http->method, "GET");
  EXPECT_EQ(facts.http->user_agent, "curl/8");
  EXPECT_EQ(facts.http->client_ip, "10.1.2.3");
  EXPECT_EQ(facts.http->status, 502);
  ASSERT_TRUE(facts.latest_end.has_value());
  EXPECT_DOUBLE_EQ(*facts.latest_end, 1795306220.2425456);
  EXPECT_FALSE(facts.embedded_in_progress);
  EXPECT_FALSE(facts.any_throttle);

  std::vector<model::EntityId> embedded = facts.embedded_ids;
  std::sort(embedded.begin(), embedded.end());
  std::vector<model::EntityId> expected = {Id("e8a9d3e589d7dfc2"), Id("6615b6af4168c254"),
                                           Id("dacc24b538172efa"), Id("de8252659124dcdc")};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(embedded, expected);

  ASSERT_EQ(facts.annotations.size(), 4u);
  EXPECT_EQ(facts.annotations[0].key, "customer");
  EXPECT_EQ(facts.annotations[0].value, model::AnnotationValue(std::string("c-123")));
  EXPECT_EQ(facts.annotations[1].key, "items");
  EXPECT_EQ(facts.annotations[1].value, model::AnnotationValue(3.0));
  EXPECT_EQ(facts.annotations[2].key, "vip");
  EXPECT_EQ(facts.annotations[2].value, model::AnnotationValue(true));
  EXPECT_EQ(facts.annotations[3].key, "step");  // on the embedded compute-price subsegment

  // The one downstream call: the remote HTTP subsegment, with its http block as sent.
  ASSERT_EQ(facts.remote_calls.size(), 1u);
  const RemoteCall& call = facts.remote_calls[0];
  EXPECT_EQ(call.id, Id("de8252659124dcdc"));
  EXPECT_EQ(call.name, "http://127.0.0.1:40419/inventory");
  EXPECT_EQ(call.name_space, "remote");
  EXPECT_DOUBLE_EQ(call.start_time, 1795306220.2345357);
  EXPECT_DOUBLE_EQ(call.end_time.value(), 1795306220.2424617);
  EXPECT_EQ(call.http_json,
            R"({"request": {"method": "get", "url": "http://127.0.0.1:40419/inventory"}, )"
            R"("response": {"status": 200}})");
  EXPECT_TRUE(call.aws_json.empty());
  EXPECT_FALSE(call.has_sql);
}

TEST(DocumentScannerTest, RemoteCallsOnlyWhenAsked) {
  DocumentScanner scanner;
  DocumentFacts facts;
  ASSERT_TRUE(
      scanner
          .Scan(UdpSample("aws-xray-sdk-node-3.12.0/01-sample-node-manual.segment.datagram"),
                DocumentKind::kSegment, ScanDetail::kSummary, &facts)
          .ok());
  EXPECT_TRUE(facts.remote_calls.empty());
  EXPECT_TRUE(facts.error);
  EXPECT_FALSE(facts.fault);
  EXPECT_FALSE(facts.http.has_value());
  ASSERT_TRUE(
      scanner
          .Scan(UdpSample("aws-xray-sdk-node-3.12.0/01-sample-node-manual.segment.datagram"),
                DocumentKind::kSegment, ScanDetail::kRemoteCalls, &facts)
          .ok());
  ASSERT_EQ(facts.remote_calls.size(), 1u);
  EXPECT_EQ(facts.remote_calls[0].id, Id("c72adfce8ad45160"));
  EXPECT_TRUE(facts.remote_calls[0].fault);
}

TEST(DocumentScannerTest, SegmentAwsBlockAndIndependentSubsegmentTopLevel) {
  DocumentScanner scanner;
  DocumentFacts facts;
  const std::string segment = R"({"id":"1111111111111111","name":"svc","start_time":1,"end_time":2,
    "origin":"AWS::EC2::Instance","resource_arn":"arn:aws:ec2:x",
    "aws":{"account_id":"123456789012","ec2":{"instance_id":"i-1","availability_zone":"az-1"}},
    "throttle":true})";
  ASSERT_TRUE(scanner.Scan(segment, DocumentKind::kSegment, ScanDetail::kRemoteCalls, &facts).ok());
  EXPECT_EQ(facts.origin, "AWS::EC2::Instance");
  EXPECT_EQ(facts.resource_arn, "arn:aws:ec2:x");
  EXPECT_EQ(facts.account_id, "123456789012");
  EXPECT_EQ(facts.instance_id, "i-1");
  EXPECT_EQ(facts.availability_zone, "az-1");
  EXPECT_TRUE(facts.any_throttle);
  EXPECT_TRUE(facts.remote_calls.empty());  // a segment is not a downstream call

  // An independent subsegment is itself a downstream call; its aws block is kept as raw text.
  const std::string subsegment =
      R"({"type":"subsegment","id":"2222222222222222","parent_id":"1111111111111111",)"
      R"("name":"DynamoDB","namespace":"aws","start_time":1,"in_progress":true,)"
      R"("aws":{"table_name":"t", "operation":"GetItem"},"traced":true})";
  ASSERT_TRUE(
      scanner.Scan(subsegment, DocumentKind::kSubsegment, ScanDetail::kRemoteCalls, &facts).ok());
  EXPECT_TRUE(facts.account_id.empty());
  ASSERT_EQ(facts.remote_calls.size(), 1u);
  EXPECT_EQ(facts.remote_calls[0].aws_json, R"({"table_name":"t", "operation":"GetItem"})");
  EXPECT_FALSE(facts.remote_calls[0].end_time.has_value());
  EXPECT_TRUE(facts.remote_calls[0].traced);
}

TEST(DocumentScannerTest, EmbeddedInProgressAndThrottle) {
  DocumentScanner scanner;
  DocumentFacts facts;
  const std::string doc = R"({"id":"1111111111111111","name":"svc","start_time":1,"end_time":5,
    "subsegments":[{"id":"2222222222222222","name":"a","start_time":1,"end_time":7,
      "subsegments":[{"id":"3333333333333333","name":"b","start_time":2,"in_progress":true,
                      "end_time":9,"throttle":true}]}]})";
  ASSERT_TRUE(scanner.Scan(doc, DocumentKind::kSegment, ScanDetail::kSummary, &facts).ok());
  EXPECT_TRUE(facts.embedded_in_progress);
  EXPECT_TRUE(facts.any_throttle);
  EXPECT_DOUBLE_EQ(facts.latest_end.value(), 7);  // not 9: "b" is still in progress
  EXPECT_EQ(facts.embedded_ids.size(), 2u);
}

TEST(DocumentScannerTest, MalformedJsonIsCorruption) {
  DocumentScanner scanner;
  DocumentFacts facts;
  facts.name = "stale";
  Status status = scanner.Scan(R"({"id":"1111111111111111","name":)", DocumentKind::kSegment,
                               ScanDetail::kSummary, &facts);
  EXPECT_EQ(status.code(), StatusCode::kCorruption);
  EXPECT_TRUE(facts.name.empty());
  EXPECT_EQ(scanner.Scan("[1,2]", DocumentKind::kSegment, ScanDetail::kSummary, &facts).code(),
            StatusCode::kCorruption);
  // The scanner is still usable afterwards.
  EXPECT_TRUE(
      scanner.Scan(R"({"name":"ok"})", DocumentKind::kSegment, ScanDetail::kSummary, &facts).ok());
  EXPECT_EQ(facts.name, "ok");
}

TEST(DocumentScannerTest, EntitiesInPreOrderWithTheirCallDetails) {
  DocumentScanner scanner;
  DocumentFacts facts;
  const std::string doc =
      R"({"id":"a100000000000001","name":"web","start_time":1,"end_time":2,"throttle":true,)"
      R"("http":{"request":{"url":"/cart"},"response":{"status":500}},"subsegments":[)"
      R"({"id":"5100000000000001","name":"outer","start_time":1.1,"end_time":1.9,)"
      R"("cause":"e100000000000009","subsegments":[{"id":"5100000000000002","name":"dynamodb",)"
      R"("namespace":"aws","start_time":1.2,"in_progress":true,"fault":true,)"
      R"("aws":{"table_name":"carts","resource_names":["carts-v2"]},)"
      R"("cause":{"exceptions":[{"id":"e100000000000001","type":"Boom","message":"m1",)"
      R"("stack":[{"path":"x"}]},{"message":"m2"}]}}]},)"
      R"({"id":"5100000000000003","name":"api","namespace":"remote","start_time":1.3,)"
      R"("end_time":1.4,"http":{"request":{"url":"http://b/","method":"POST","traced":true},)"
      R"("response":{"status":429}},"aws":{"queue_url":"https://sqs/1/orders"}}]})";
  ASSERT_TRUE(scanner.Scan(doc, DocumentKind::kSegment, ScanDetail::kEntities, &facts).ok());
  ASSERT_EQ(facts.entities.size(), 4u);
  const std::vector<int32_t> parents = {-1, 0, 1, 0};
  const std::vector<std::string> names = {"web", "outer", "dynamodb", "api"};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(facts.entities[i].parent, parents[i]) << i;
    EXPECT_EQ(facts.Text(facts.entities[i].name), names[i]) << i;
  }
  const ScannedEntity& top = facts.entities[0];
  EXPECT_TRUE(top.throttle);
  EXPECT_EQ(top.id, Id("a100000000000001"));
  EXPECT_EQ(facts.http.value().status, 500);  // the segment's http block is read as before
  EXPECT_EQ(facts.Text(top.http.value().url), "/cart");

  const ScannedEntity& outer = facts.entities[1];
  EXPECT_EQ(outer.cause_id, Id("e100000000000009"));
  EXPECT_EQ(outer.exception_count, 0u);

  const ScannedEntity& dynamodb = facts.entities[2];
  EXPECT_EQ(facts.Text(dynamodb.name_space), "aws");
  EXPECT_FALSE(dynamodb.end_time.has_value());  // in progress
  EXPECT_TRUE(dynamodb.fault);
  EXPECT_TRUE(dynamodb.has_table_name);
  EXPECT_EQ(facts.Text(dynamodb.resource_name), "carts-v2");  // resource_names come first
  ASSERT_EQ(dynamodb.exception_count, 2u);
  const ScannedException& first = facts.exceptions[dynamodb.first_exception];
  EXPECT_EQ(first.id, Id("e100000000000001"));
  EXPECT_EQ(facts.Text(first.type), "Boom");
  EXPECT_EQ(facts.Text(first.message), "m1");
  EXPECT_EQ(facts.Text(facts.exceptions[dynamodb.first_exception + 1].message), "m2");

  const ScannedEntity& api = facts.entities[3];
  EXPECT_TRUE(api.traced);  // http.request.traced
  ASSERT_TRUE(api.http.has_value());
  EXPECT_EQ(facts.Text(api.http->method), "POST");
  EXPECT_EQ(api.http->status, 429);
  EXPECT_EQ(facts.Text(api.resource_name), "orders");
  EXPECT_FALSE(api.has_table_name);

  // Other modes leave the entity tree empty.
  ASSERT_TRUE(scanner.Scan(doc, DocumentKind::kSegment, ScanDetail::kRemoteCalls, &facts).ok());
  EXPECT_TRUE(facts.entities.empty());
  EXPECT_TRUE(facts.exceptions.empty());
  EXPECT_EQ(facts.remote_calls.size(), 2u);
}

}  // namespace
}  // namespace roentgen::query
