#include "query/trace_assembler.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "query/summarizer.h"
#include "query/test_documents.h"

namespace roentgen::query {
namespace {

namespace rj = rapidjson;
using storage::StoredDocument;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using testing::MakeDocument;

constexpr char kTrace[] = "1-6b0232ec-000000000000000000000001";

using testing::UdpSample;

std::string Doc(std::string_view id, std::string_view fields) {
  return std::string(R"({"trace_id":")") + kTrace + R"(","id":")" + std::string(id) + "\"," +
         std::string(fields) + "}";
}

std::string Sub(std::string_view id, std::string_view parent, std::string_view extra = "") {
  return Doc(id, std::string(R"("type":"subsegment","name":"sub-)") + std::string(id) +
                     R"(","start_time":2,"end_time":3,"parent_id":")" + std::string(parent) + "\"" +
                     std::string(extra));
}

model::EntityId Id(std::string_view hex) { return *model::ParseEntityId(hex); }

AssembledTrace Assemble(const std::vector<StoredDocument>& docs, AssembleOptions options = {}) {
  Result<AssembledTrace> trace = AssembleTrace(docs.front().document.trace_id, docs, options);
  EXPECT_TRUE(trace.ok()) << trace.status().ToString();
  return std::move(trace).value();
}

AssembleOptions NoInference() { return AssembleOptions{.infer_segments = false}; }

rj::Document Parse(const std::string& json) {
  rj::Document d;
  d.Parse<rj::kParseFullPrecisionFlag>(json.data(), json.size());
  EXPECT_FALSE(d.HasParseError()) << json;
  return d;
}

std::string IdOf(const rj::Value& v) { return v["id"].GetString(); }

// The ids of an entity's "subsegments" array, in order.
std::vector<std::string> SubsegmentIds(const rj::Value& entity) {
  std::vector<std::string> ids;
  if (!entity.HasMember("subsegments")) return ids;
  for (const rj::Value& s : entity["subsegments"].GetArray()) ids.push_back(IdOf(s));
  return ids;
}

std::vector<model::EntityId> EntryIds(const AssembledTrace& trace) {
  std::vector<model::EntityId> ids;
  for (const AssembledSegment& s : trace.segments) ids.push_back(s.id);
  return ids;
}

TEST(TraceAssemblerTest, UnmergedDocumentsAreReturnedByteForByte) {
  std::vector<StoredDocument> docs = {
      MakeDocument(UdpSample("aws-xray-sdk-python-0.95/01-sample-py-full.segment.datagram"))};
  AssembledTrace trace = Assemble(docs, NoInference());
  EXPECT_EQ(trace.id, docs[0].document.trace_id);
  EXPECT_FALSE(trace.limit_exceeded);
  ASSERT_EQ(trace.segments.size(), 1u);
  EXPECT_EQ(trace.segments[0].id, Id("a375d770daf580e4"));
  EXPECT_EQ(trace.segments[0].document, docs[0].document.json);  // spaces after ':' and all
  EXPECT_FALSE(trace.segments[0].inferred);
}

TEST(TraceAssemblerTest, NodeExpressTwoServicesStayTwoDocumentsWithoutInference) {
  std::vector<StoredDocument> docs = {
      MakeDocument(UdpSample("aws-xray-sdk-node-3.12.0/04-sample-node-B.segment.datagram")),
      MakeDocument(UdpSample("aws-xray-sdk-node-3.12.0/05-sample-node-A.segment.datagram"))};
  // A's call to B is traced and B sent its segment: nothing to infer, nothing to merge.
  AssembledTrace trace = Assemble(docs);
  EXPECT_THAT(EntryIds(trace), ElementsAre(Id("5e42feacc0763d76"), Id("cf3f4a1262b55b69")));
  EXPECT_EQ(trace.segments[0].document, docs[0].document.json);
  EXPECT_EQ(trace.segments[1].document, docs[1].document.json);
  EXPECT_DOUBLE_EQ(trace.duration.value(), 1795306222.749 - 1795306222.731);

  // Before B arrives, A's subsegment is still "traced": X-Ray waits instead of inferring.
  AssembledTrace a_only = Assemble({docs[1]});
  EXPECT_THAT(EntryIds(a_only), ElementsAre(Id("cf3f4a1262b55b69")));
}

TEST(TraceAssemblerTest, StreamedSubsegmentMergedInBothArrivalOrders) {
  StoredDocument sub =
      MakeDocument(UdpSample("aws-xray-sdk-python-0.95/02-stream-a.subsegment.datagram"));
  StoredDocument seg =
      MakeDocument(UdpSample("aws-xray-sdk-python-0.95/03-sample-py-streamed.segment.datagram"));
  AssembledTrace first = Assemble({sub, seg});
  AssembledTrace second = Assemble({seg, sub});
  ASSERT_EQ(first.segments.size(), 1u);
  ASSERT_EQ(second.segments.size(), 1u);
  EXPECT_EQ(first.segments[0].id, Id("30217cfe7ddf33de"));
  EXPECT_EQ(first.segments[0].document, second.segments[0].document);

  rj::Document merged = Parse(first.segments[0].document);
  rj::Document parent = Parse(seg.document.json);
  rj::Document child = Parse(sub.document.json);
  // Every field of the parent is kept as sent, plus the child under "subsegments".
  for (auto& member : parent.GetObject()) {
    ASSERT_TRUE(merged.HasMember(member.name)) << member.name.GetString();
    EXPECT_TRUE(merged[member.name] == member.value) << member.name.GetString();
  }
  ASSERT_EQ(merged["subsegments"].Size(), 1u);
  EXPECT_TRUE(merged["subsegments"][0] == child);
  EXPECT_EQ(merged.MemberCount(), parent.MemberCount() + 1);
}

TEST(TraceAssemblerTest, NodeStreamedSubsegmentJoinsExistingSubsegments) {
  StoredDocument sub =
      MakeDocument(UdpSample("aws-xray-sdk-node-3.12.0/02-stream-a.subsegment.datagram"));
  StoredDocument seg =
      MakeDocument(UdpSample("aws-xray-sdk-node-3.12.0/03-sample-node-streamed.segment.datagram"));
  for (const auto& docs : {std::vector<StoredDocument>{sub, seg}, {seg, sub}}) {
    AssembledTrace trace = Assemble(docs);
    ASSERT_EQ(trace.segments.size(), 1u);
    rj::Document merged = Parse(trace.segments[0].document);
    EXPECT_THAT(SubsegmentIds(merged), ElementsAre("9a5b21b26277f035", "f9e9efa19f777bd5"));
  }
}

TEST(TraceAssemblerTest, NestedChainsResolveInEveryArrivalOrder) {
  // root ─ embedded e ─ embedded f; x → f, y → x, z → y, w → root (all independent).
  std::vector<StoredDocument> docs = {
      MakeDocument(Doc("a000000000000001",
                       R"("name":"root","start_time":1,"end_time":9,"subsegments":[)"
                       R"({"id":"e000000000000001","name":"e","start_time":1,"end_time":2,)"
                       R"("subsegments":[{"id":"e000000000000002","name":"f","start_time":1,)"
                       R"("end_time":2}]}])")),
      MakeDocument(Sub("b00000000000000a", "e000000000000002")),
      MakeDocument(Sub("b00000000000000b", "b00000000000000a")),
      MakeDocument(Sub("b00000000000000c", "b00000000000000b")),
      MakeDocument(Sub("b00000000000000d", "a000000000000001"))};
  std::vector<size_t> order = {0, 1, 2, 3, 4};
  std::set<std::string> outputs;
  do {
    std::vector<StoredDocument> permuted;
    for (size_t i : order) permuted.push_back(docs[i]);
    AssembledTrace trace = Assemble(permuted, NoInference());
    ASSERT_EQ(trace.segments.size(), 1u);
    outputs.insert(trace.segments[0].document);
  } while (std::next_permutation(order.begin(), order.end()));
  ASSERT_EQ(outputs.size(), 1u);  // the same document whatever the arrival order

  rj::Document root = Parse(*outputs.begin());
  EXPECT_THAT(SubsegmentIds(root), ElementsAre("e000000000000001", "b00000000000000d"));
  const rj::Value& e = root["subsegments"][0];
  EXPECT_THAT(SubsegmentIds(e), ElementsAre("e000000000000002"));
  const rj::Value& f = e["subsegments"][0];
  EXPECT_THAT(SubsegmentIds(f), ElementsAre("b00000000000000a"));
  const rj::Value& x = f["subsegments"][0];
  EXPECT_THAT(SubsegmentIds(x), ElementsAre("b00000000000000b"));
  const rj::Value& y = x["subsegments"][0];
  EXPECT_THAT(SubsegmentIds(y), ElementsAre("b00000000000000c"));
  EXPECT_EQ(std::string(y["subsegments"][0]["parent_id"].GetString()), "b00000000000000b");
}

TEST(TraceAssemblerTest, SiblingsAreOrderedByStartTime) {
  std::vector<StoredDocument> docs = {
      MakeDocument(Doc("a000000000000001", R"("name":"root","start_time":1,"end_time":9)")),
      MakeDocument(Doc("b000000000000002", R"("type":"subsegment","parent_id":"a000000000000001",)"
                                           R"("name":"late","start_time":5,"end_time":6)")),
      MakeDocument(Doc("b000000000000001", R"("type":"subsegment","parent_id":"a000000000000001",)"
                                           R"("name":"early","start_time":2,"end_time":3)"))};
  AssembledTrace trace = Assemble(docs);
  EXPECT_THAT(SubsegmentIds(Parse(trace.segments[0].document)),
              ElementsAre("b000000000000001", "b000000000000002"));
}

TEST(TraceAssemblerTest, OrphansAreTheirOwnEntries) {
  std::vector<StoredDocument> docs = {
      MakeDocument(Doc("a000000000000001", R"("name":"root","start_time":1,"end_time":9)")),
      MakeDocument(Sub("b000000000000001", "f00000000000000f")),   // parent never arrived
      MakeDocument(Sub("b000000000000002", "b000000000000001")),   // hangs under the orphan
      MakeDocument(Sub("b000000000000003", "f00000000000000e"))};  // another orphan
  AssembledTrace trace = Assemble(docs);
  EXPECT_THAT(EntryIds(trace),
              ElementsAre(Id("a000000000000001"), Id("b000000000000001"), Id("b000000000000003")));
  EXPECT_EQ(trace.segments[0].document, docs[0].document.json);
  EXPECT_EQ(trace.segments[2].document, docs[3].document.json);  // as stored
  rj::Document orphan = Parse(trace.segments[1].document);
  EXPECT_EQ(std::string(orphan["parent_id"].GetString()), "f00000000000000f");
  EXPECT_THAT(SubsegmentIds(orphan), ElementsAre("b000000000000002"));
}

TEST(TraceAssemblerTest, ParentCyclesAreCutAtTheEarliestDocument) {
  std::vector<StoredDocument> docs = {MakeDocument(Sub("b000000000000001", "b000000000000002")),
                                      MakeDocument(Sub("b000000000000002", "b000000000000001")),
                                      MakeDocument(Sub("b000000000000003", "b000000000000003"))};
  AssembledTrace trace = Assemble(docs);
  EXPECT_THAT(EntryIds(trace), ElementsAre(Id("b000000000000001"), Id("b000000000000003")));
  EXPECT_THAT(SubsegmentIds(Parse(trace.segments[0].document)), ElementsAre("b000000000000002"));
}

TEST(TraceAssemblerTest, MergedDocumentsKeepUnknownFieldsAndFullPrecision) {
  const std::string parent_text = Doc(
      "a000000000000001",
      R"("name":"root \"quoted\" \u00e9\ud83d\ude00 \/ tab\t","start_time":1795306220.2306397,)"
      R"("end_time":1.7953062202425456E9,"custom_field":{"nested":[1,-0,2.50,{"x":null}],)"
      R"("big_int":9007199254740993,"max_u64":18446744073709551615,"min_i64":-9223372036854775808,)"
      R"("tiny":1e-7,"huge":1.5E+300,"pi":3.141592653589793238462643383279},)"
      R"("Dummy":false,"notTraced":false,"metadata":{"default":{"empty":{},"list":[]}},)"
      R"("subsegments":[{"id":"e000000000000001","name":"kept","start_time":1795306220.2306979,)"
      R"("end_time":1795306220.23073,"precursor_ids":[]}])");
  const std::string child_text = Sub(
      "b000000000000001", "e000000000000001",
      R"(,"unknown":{"deep":[true,false,null,"s"]},"start_time_precise":0.1000000000000000055511151231257827)");
  std::vector<StoredDocument> docs = {MakeDocument(child_text), MakeDocument(parent_text)};
  AssembledTrace trace = Assemble(docs, NoInference());
  ASSERT_EQ(trace.segments.size(), 1u);
  const std::string& out = trace.segments[0].document;

  rj::Document merged = Parse(out);
  rj::Document parent = Parse(parent_text);
  rj::Document child = Parse(child_text);
  // Everything but "subsegments" is unchanged; the child joined the embedded subsegment.
  ASSERT_EQ(merged.MemberCount(), parent.MemberCount());
  for (auto& member : parent.GetObject()) {
    if (std::string(member.name.GetString()) == "subsegments") continue;
    EXPECT_TRUE(merged[member.name] == member.value) << member.name.GetString();
  }
  const rj::Value& kept = merged["subsegments"][0];
  EXPECT_EQ(kept.MemberCount(), parent["subsegments"][0].MemberCount() + 1);
  ASSERT_EQ(kept["subsegments"].Size(), 1u);
  EXPECT_TRUE(kept["subsegments"][0] == child);

  // Numbers survive exactly: integers as integers, doubles to the last bit.
  EXPECT_EQ(merged["custom_field"]["big_int"].GetUint64(), 9007199254740993ULL);
  EXPECT_EQ(merged["custom_field"]["max_u64"].GetUint64(), 18446744073709551615ULL);
  EXPECT_EQ(merged["custom_field"]["min_i64"].GetInt64(), INT64_MIN);
  EXPECT_EQ(merged["start_time"].GetDouble(), 1795306220.2306397);
  EXPECT_EQ(merged["end_time"].GetDouble(), 1795306220.2425456);
  EXPECT_EQ(merged["custom_field"]["pi"].GetDouble(), 3.141592653589793);
  EXPECT_EQ(merged["custom_field"]["tiny"].GetDouble(), 1e-7);
  EXPECT_EQ(merged["custom_field"]["huge"].GetDouble(), 1.5e300);
  EXPECT_EQ(kept["subsegments"][0]["start_time_precise"].GetDouble(), 0.1);
  EXPECT_NE(out.find("9007199254740993"), std::string::npos);
  EXPECT_NE(out.find("1795306220.2306397"), std::string::npos);
  EXPECT_EQ(std::string(merged["name"].GetString()), "root \"quoted\" \u00e9\U0001F600 / tab\t");
}

TEST(TraceAssemblerTest, InferredSegmentsForAwsAndRemoteCalls) {
  const std::string root = Doc(
      "a000000000000001",
      R"("name":"web","start_time":10,"end_time":20,"subsegments":[)"
      R"({"id":"c000000000000001","name":"DynamoDB","namespace":"aws","start_time":11,)"
      R"("end_time":12.5,"fault":true,"http":{"response":{"status":500,"content_length":57}},)"
      R"("aws":{"table_name":"carts","operation":"GetItem","region":"us-east-1","retries":0}},)"
      R"({"id":"c000000000000002","name":"SNS","namespace":"aws","start_time":12,)"
      R"("end_time":13,"aws":{"operation":"Publish","topic_arn":"arn:aws:sns:t"}},)"
      R"({"id":"c000000000000003","name":"postgres","namespace":"remote","start_time":13,)"
      R"("end_time":14,"sql":{"url":"postgresql://db/x","database_type":"PostgreSQL"}},)"
      R"({"id":"c000000000000004","name":"api.example.com","namespace":"remote","start_time":14,)"
      R"("end_time":15,"throttle":true,"error":true,"http":{"request":{"method":"GET",)"
      R"("url":"https://api.example.com/"},"response":{"status":429}}},)"
      R"({"id":"c000000000000005","name":"traced-call","namespace":"remote","start_time":15,)"
      R"("end_time":16,"http":{"request":{"url":"http://b/","traced":true}}},)"
      R"({"id":"c000000000000006","name":"called","namespace":"remote","start_time":16,)"
      R"("end_time":17},)"
      R"({"id":"c000000000000007","name":"local-work","namespace":"local","start_time":16,)"
      R"("end_time":17},)"
      R"({"id":"c000000000000008","name":"no-namespace","start_time":16,"end_time":17}])");
  const std::string callee =
      Doc("a000000000000002", R"("name":"called-svc","parent_id":"c000000000000006",)"
                              R"("start_time":16.1,"end_time":16.9)");
  const std::string async_sub = Doc(
      "c000000000000009",
      R"("type":"subsegment","parent_id":"a000000000000001","name":"dynamodb","namespace":"aws",)"
      R"("start_time":18,"in_progress":true,"aws":{"operation":"ListTables"})");
  std::vector<StoredDocument> docs = {MakeDocument(root), MakeDocument(callee),
                                      MakeDocument(async_sub)};
  AssembledTrace trace = Assemble(docs);
  // Two real entries (root with the async subsegment merged in, and the callee), then five
  // inferred ones: DynamoDB, SNS, postgres, api.example.com, and the async dynamodb call. None for
  // the traced call, the call whose callee sent a segment, and local work.
  ASSERT_EQ(trace.segments.size(), 7u);
  EXPECT_EQ(trace.segments[1].document, callee);
  std::set<model::EntityId> real_ids = {Id("a000000000000001"), Id("a000000000000002")};
  for (std::string_view id : {"c000000000000001", "c000000000000002", "c000000000000003",
                              "c000000000000004", "c000000000000005", "c000000000000006",
                              "c000000000000007", "c000000000000008", "c000000000000009"}) {
    real_ids.insert(Id(id));
  }

  struct Expected {
    std::string parent;
    std::string name;
    std::string origin;
  };
  const std::vector<Expected> expected = {{"c000000000000001", "DynamoDB", "AWS::DynamoDB::Table"},
                                          {"c000000000000002", "SNS", "AWS::SNS"},
                                          {"c000000000000003", "postgres", "Database::SQL"},
                                          {"c000000000000004", "api.example.com", "remote"},
                                          {"c000000000000009", "dynamodb", "AWS::DynamoDB"}};
  for (size_t i = 0; i < expected.size(); ++i) {
    const AssembledSegment& segment = trace.segments[2 + i];
    SCOPED_TRACE(expected[i].name);
    EXPECT_TRUE(segment.inferred);
    EXPECT_FALSE(real_ids.contains(segment.id));
    rj::Document d = Parse(segment.document);
    EXPECT_EQ(IdOf(d), model::FormatEntityId(segment.id));
    EXPECT_EQ(std::string(d["parent_id"].GetString()), expected[i].parent);
    EXPECT_EQ(std::string(d["name"].GetString()), expected[i].name);
    EXPECT_EQ(std::string(d["origin"].GetString()), expected[i].origin);
    EXPECT_EQ(std::string(d["trace_id"].GetString()), kTrace);
    EXPECT_TRUE(d["inferred"].GetBool());
  }

  rj::Document dynamo = Parse(trace.segments[2].document);
  EXPECT_EQ(dynamo["start_time"].GetDouble(), 11);
  EXPECT_EQ(dynamo["end_time"].GetDouble(), 12.5);
  EXPECT_TRUE(dynamo["fault"].GetBool());
  EXPECT_FALSE(dynamo.HasMember("error"));
  rj::Document source = Parse(root);
  EXPECT_TRUE(dynamo["http"] == source["subsegments"][0]["http"]);
  EXPECT_TRUE(dynamo["aws"] == source["subsegments"][0]["aws"]);
  rj::Document remote = Parse(trace.segments[5].document);
  EXPECT_TRUE(remote["throttle"].GetBool());
  EXPECT_TRUE(remote["error"].GetBool());
  rj::Document open = Parse(trace.segments[6].document);
  EXPECT_TRUE(open["in_progress"].GetBool());
  EXPECT_FALSE(open.HasMember("end_time"));

  // Ids are stable from call to call, and inference can be switched off.
  AssembledTrace again = Assemble(docs);
  for (size_t i = 0; i < trace.segments.size(); ++i) {
    EXPECT_EQ(again.segments[i].id, trace.segments[i].id);
    EXPECT_EQ(again.segments[i].document, trace.segments[i].document);
  }
  EXPECT_EQ(Assemble(docs, NoInference()).segments.size(), 2u);
}

TEST(TraceAssemblerTest, RealSampleRemoteCallsAreInferred) {
  std::vector<StoredDocument> docs = {
      MakeDocument(UdpSample("aws-xray-sdk-python-0.95/01-sample-py-full.segment.datagram"))};
  AssembledTrace trace = Assemble(docs);
  ASSERT_EQ(trace.segments.size(), 2u);
  EXPECT_EQ(trace.segments[0].document, docs[0].document.json);
  rj::Document inferred = Parse(trace.segments[1].document);
  EXPECT_EQ(std::string(inferred["parent_id"].GetString()), "de8252659124dcdc");
  EXPECT_EQ(std::string(inferred["origin"].GetString()), "remote");
  EXPECT_EQ(inferred["http"]["response"]["status"].GetInt(), 200);
  EXPECT_EQ(inferred["start_time"].GetDouble(), 1795306220.2345357);
  EXPECT_EQ(inferred["end_time"].GetDouble(), 1795306220.2424617);
}

TEST(TraceAssemblerTest, SizeCapKeepsTheEarliestReceivedDocuments) {
  std::string padding(300, 'p');
  auto doc = [&](std::string_view id, double start, double end) {
    return Doc(id, R"("name":"s","parent_id":"f00000000000000f","start_time":)" +
                       std::to_string(start) + R"(,"end_time":)" + std::to_string(end) +
                       R"(,"pad":")" + padding + "\"");
  };
  std::vector<StoredDocument> docs = {MakeDocument(doc("a000000000000001", 1, 2), 30),
                                      MakeDocument(doc("a000000000000002", 1, 9), 10),
                                      MakeDocument(doc("a000000000000003", 1, 3), 20)};
  const size_t one = docs[0].document.json.size();
  AssembledTrace trace = Assemble(docs, AssembleOptions{.max_trace_bytes = 2 * one + 1});
  EXPECT_TRUE(trace.limit_exceeded);
  // Received at 10 and 20 fit; returned in arrival (span) order.
  EXPECT_THAT(EntryIds(trace), ElementsAre(Id("a000000000000002"), Id("a000000000000003")));
  EXPECT_DOUBLE_EQ(trace.duration.value(), 8);  // over every stored document

  AssembledTrace all = Assemble(docs, AssembleOptions{.max_trace_bytes = 3 * one});
  EXPECT_FALSE(all.limit_exceeded);
  EXPECT_EQ(all.segments.size(), 3u);
}

TEST(TraceAssemblerTest, DurationMatchesTheSummary) {
  std::vector<StoredDocument> docs = {
      MakeDocument(UdpSample("aws-xray-sdk-python-0.95/02-stream-a.subsegment.datagram")),
      MakeDocument(UdpSample("aws-xray-sdk-python-0.95/03-sample-py-streamed.segment.datagram"))};
  AssembledTrace trace = Assemble(docs);
  model::TraceSummary summary = SummarizeTrace(docs[0].document.trace_id, docs);
  EXPECT_EQ(trace.duration, summary.duration);
}

TEST(TraceAssemblerTest, CorruptStoredDocumentIsAnError) {
  StoredDocument doc =
      MakeDocument(Doc("a000000000000001", R"("name":"root","start_time":1,"end_time":2)"));
  doc.document.json = R"({"name": )";
  std::vector<StoredDocument> docs = {doc};
  Result<AssembledTrace> trace = AssembleTrace(doc.document.trace_id, docs);
  ASSERT_FALSE(trace.ok());
  EXPECT_EQ(trace.status().code(), StatusCode::kCorruption);
  EXPECT_THAT(trace.status().message(), ::testing::HasSubstr("a000000000000001"));
}

TEST(TraceAssemblerTest, NoDocumentsGiveAnEmptyTrace) {
  Result<AssembledTrace> trace = AssembleTrace(*model::TraceId::Parse(kTrace), {});
  ASSERT_TRUE(trace.ok());
  EXPECT_THAT(trace->segments, IsEmpty());
  EXPECT_FALSE(trace->duration.has_value());
  EXPECT_FALSE(trace->limit_exceeded);
}

}  // namespace
}  // namespace roentgen::query
