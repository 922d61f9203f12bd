#include "api/trace_summary_json.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <string>

namespace roentgen::api {
namespace {

model::TraceSummary SummaryWithRootCauses() {
  model::TraceSummary s;
  s.id = *model::TraceId::Parse("1-65a00000-0123456789abcdef01234567");
  s.start_time = 100;
  s.has_fault = true;

  model::RootCauseService web;
  web.name = "web";
  web.names = {"web"};
  web.type = "AWS::EC2::Instance";
  web.account_id = "123456789012";
  model::RootCauseEntity web_segment;
  web_segment.name = "web";
  model::RootCauseEntity call;
  call.name = "postgres";
  call.remote = true;
  call.exceptions = {{"TimeoutError", "db timeout"}, {"", "connection timed out"}};
  web.entity_path = {web_segment, call};
  model::RootCauseService postgres;
  postgres.name = "postgres";
  postgres.names = {"postgres"};
  postgres.type = "Database::SQL";
  postgres.inferred = true;
  model::RootCauseEntity inferred_segment;
  inferred_segment.name = "postgres";
  postgres.entity_path = {inferred_segment};
  model::RootCause fault;
  fault.client_impacting = true;
  fault.services = {web, postgres};
  s.fault_root_causes = {fault};

  model::RootCause slow;
  slow.client_impacting = true;
  model::RootCauseService untyped;  // no type, no account: both omitted
  untyped.name = "svc";
  untyped.names = {"svc", "alias"};
  model::RootCauseEntity whole;
  whole.name = "svc";
  whole.coverage = 1;
  model::RootCauseEntity part;
  part.name = "query";
  part.coverage = 0.75;
  part.remote = true;
  untyped.entity_path = {whole, part};
  slow.services = {untyped};
  s.response_time_root_causes = {slow};

  // Internal: must not be written.
  s.nodes.resize(1);
  s.nodes[0].id = model::ServiceId{"web", {"web"}, "", ""};
  s.edges.resize(1);
  return s;
}

std::string Write(const model::TraceSummary& s) {
  JsonOutput out;
  WriteTraceSummary(out, s, /*with_matched_event_time=*/false);
  return out.Take();
}

TEST(TraceSummaryJsonTest, RootCausesHaveXRaysShape) {
  const std::string json = Write(SummaryWithRootCauses());
  EXPECT_NE(
      json.find(
          R"("FaultRootCauses":[{"Services":[)"
          R"({"Name":"web","Names":["web"],"Type":"AWS::EC2::Instance",)"
          R"("AccountId":"123456789012","EntityPath":[)"
          R"({"Name":"web","Exceptions":[],"Remote":false},)"
          R"({"Name":"postgres","Exceptions":[{"Name":"TimeoutError","Message":"db timeout"},)"
          R"({"Message":"connection timed out"}],"Remote":true}],"Inferred":false},)"
          R"({"Name":"postgres","Names":["postgres"],"Type":"Database::SQL",)"
          R"("EntityPath":[{"Name":"postgres","Exceptions":[],"Remote":false}],)"
          R"("Inferred":true}],"ClientImpacting":true}])"),
      std::string::npos)
      << json;
  EXPECT_NE(json.find(R"("ErrorRootCauses":[])"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("ResponseTimeRootCauses":[{"Services":[)"
                      R"({"Name":"svc","Names":["svc","alias"],"EntityPath":[)"
                      R"({"Name":"svc","Coverage":1.0,"Remote":false},)"
                      R"({"Name":"query","Coverage":0.75,"Remote":true}],"Inferred":false}],)"
                      R"("ClientImpacting":true}])"),
            std::string::npos)
      << json;
}

TEST(TraceSummaryJsonTest, IsValidJsonWithoutTheInternalGraph) {
  const std::string json = Write(SummaryWithRootCauses());
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  ASSERT_FALSE(doc.HasParseError()) << json;
  ASSERT_TRUE(doc.IsObject());
  for (const char* key : {"FaultRootCauses", "ErrorRootCauses", "ResponseTimeRootCauses"}) {
    ASSERT_TRUE(doc.HasMember(key)) << key;
    EXPECT_TRUE(doc[key].IsArray()) << key;
  }
  for (const auto& member : doc.GetObject()) {
    const std::string key = member.name.GetString();
    EXPECT_NE(key, "Nodes");
    EXPECT_NE(key, "Edges");
  }
  EXPECT_EQ(json.find("\"Segments\""), std::string::npos);  // no node facts either
}

}  // namespace
}  // namespace roentgen::api
