#include "filter/binder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "filter/parser.h"
#include "filter/test_summaries.h"

namespace roentgen::filter {
namespace {

using fixtures::Annotate;
using fixtures::Cause;
using fixtures::CauseEntity;
using fixtures::CauseException;
using fixtures::CauseService;
using fixtures::Edge;
using fixtures::Facts;
using fixtures::Http;
using fixtures::Id;
using fixtures::Node;
using fixtures::WebCallsDb;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::StartsWith;

Result<std::unique_ptr<CompiledPredicate>> BindText(std::string_view text,
                                                    const CompileOptions& options = {}) {
  ASSIGN_OR_RETURN(Ast ast, ParseFilter(text));
  if (ast.root == nullptr) return Status::InvalidArgument("empty");
  return CompiledPredicate::Bind(ast, options);
}

// Whether `text` matches `summary`; a bind error fails the test.
bool Eval(std::string_view text, const model::TraceSummary& summary,
          const CompileOptions& options = {}) {
  auto predicate = BindText(text, options);
  EXPECT_TRUE(predicate.ok()) << text << ": " << predicate.status().ToString();
  return predicate.ok() && (*predicate)->Matches(summary);
}

// The bind (or parse) error of `text`; empty if it binds.
std::string ErrorOf(std::string_view text, const CompileOptions& options = {}) {
  auto predicate = BindText(text, options);
  if (predicate.ok()) return "";
  EXPECT_EQ(predicate.status().code(), StatusCode::kInvalidArgument);
  return predicate.status().message();
}

// ------------------------------------------------------------------------------------------
// Trace view.

TEST(BinderTraceView, FlagsReadTheSummary) {
  model::TraceSummary s = WebCallsDb();
  EXPECT_FALSE(Eval("fault", s));
  EXPECT_FALSE(Eval("error", s));
  EXPECT_FALSE(Eval("throttle", s));
  EXPECT_FALSE(Eval("partial", s));
  EXPECT_TRUE(Eval("inferred", s));  // db is inferred
  s.has_fault = true;
  s.has_error = true;
  s.has_throttle = true;
  s.is_partial = true;
  EXPECT_TRUE(Eval("fault", s));
  EXPECT_TRUE(Eval("error", s));
  EXPECT_TRUE(Eval("throttle", s));
  EXPECT_TRUE(Eval("partial", s));
  s.nodes[0].inferred = false;
  EXPECT_FALSE(Eval("inferred", s));
}

TEST(BinderTraceView, BoolComparisonsAndNegation) {
  model::TraceSummary s = WebCallsDb();
  s.has_fault = true;
  EXPECT_TRUE(Eval("fault = true", s));
  EXPECT_FALSE(Eval("fault = false", s));
  EXPECT_FALSE(Eval("fault != true", s));
  EXPECT_TRUE(Eval("fault != false", s));
  EXPECT_FALSE(Eval("!fault", s));
  EXPECT_TRUE(Eval("!!fault", s));
  s.has_fault = false;
  EXPECT_TRUE(Eval("fault = false", s));
  EXPECT_TRUE(Eval("!fault", s));
}

TEST(BinderTraceView, OkReadsTheRootSegment) {
  model::TraceSummary s = WebCallsDb(/*web_fault=*/false, /*db_fault=*/true);
  s.has_throttle = true;  // a downstream throttle does not make the root not-OK
  s.nodes[1].segments[0].throttle = false;
  EXPECT_TRUE(Eval("ok", s));
  s.nodes[1].segments[0].error = true;
  EXPECT_FALSE(Eval("ok", s));
  EXPECT_TRUE(Eval("ok = false", s));
  s.nodes[1].segments[0].error = false;
  s.nodes[1].segments[0].throttle = true;
  EXPECT_FALSE(Eval("ok", s));
}

TEST(BinderTraceView, OkWithoutRootSegmentFallsBackToSummaryFlags) {
  model::TraceSummary s;
  EXPECT_TRUE(Eval("ok", s));
  s.has_throttle = true;
  EXPECT_FALSE(Eval("ok", s));
  s.has_throttle = false;
  s.has_error = true;
  EXPECT_FALSE(Eval("ok", s));
}

TEST(BinderTraceView, NumberOperators) {
  model::TraceSummary s = WebCallsDb();  // response time 1.5, duration 1.6
  EXPECT_TRUE(Eval("responsetime = 1.5", s));
  EXPECT_FALSE(Eval("responsetime != 1.5", s));
  EXPECT_TRUE(Eval("responsetime != 1", s));
  EXPECT_TRUE(Eval("responsetime < 2", s));
  EXPECT_FALSE(Eval("responsetime < 1.5", s));
  EXPECT_TRUE(Eval("responsetime <= 1.5", s));
  EXPECT_TRUE(Eval("responsetime > 1", s));
  EXPECT_FALSE(Eval("responsetime > 1.5", s));
  EXPECT_TRUE(Eval("responsetime >= 1.5", s));
  EXPECT_TRUE(Eval("duration > 1.55 AND duration < 1.7", s));
  EXPECT_TRUE(Eval("http.status = 200", s));
  EXPECT_TRUE(Eval("http.status >= 200 AND http.status < 300", s));
  EXPECT_FALSE(Eval("http.status >= 500", s));
}

TEST(BinderTraceView, AbsentNumberIsFalseForEveryOperator) {
  model::TraceSummary s;
  for (const char* text :
       {"responsetime = 0", "responsetime != 0", "responsetime < 1", "responsetime >= 0",
        "duration != 1", "duration < 100", "http.status != 200", "http.status > 0"}) {
    EXPECT_FALSE(Eval(text, s)) << text;
    EXPECT_TRUE(Eval(std::string("!(") + text + ")", s)) << text;
  }
  s.http = Http("GET", "/", std::nullopt);  // an http block without a status
  EXPECT_FALSE(Eval("http.status != 200", s));
}

TEST(BinderTraceView, StringOperatorsOnTheRootHttp) {
  model::TraceSummary s = WebCallsDb();
  s.http->user_agent = "curl/8.0";
  s.http->client_ip = "203.0.113.7";
  EXPECT_TRUE(Eval("http.url", s));
  EXPECT_TRUE(Eval("http.url = \"https://shop.example.org/api/cart\"", s));
  EXPECT_FALSE(Eval("http.url = \"https://shop.example.org/api/CART\"", s));  // case-sensitive
  EXPECT_TRUE(Eval("http.url != \"x\"", s));
  EXPECT_TRUE(Eval("http.url CONTAINS \"/api/\"", s));
  EXPECT_FALSE(Eval("http.url CONTAINS \"/checkout/\"", s));
  EXPECT_TRUE(Eval("http.url BEGINSWITH \"https://shop\"", s));
  EXPECT_FALSE(Eval("http.url BEGINSWITH \"shop\"", s));
  EXPECT_TRUE(Eval("http.url ENDSWITH \"/cart\"", s));
  EXPECT_FALSE(Eval("http.url ENDSWITH \".json\"", s));
  EXPECT_TRUE(Eval("http.method = \"GET\"", s));
  EXPECT_TRUE(Eval("http.useragent CONTAINS \"curl\"", s));
  EXPECT_TRUE(Eval("http.clientip = \"203.0.113.7\"", s));
  s.http.reset();
  EXPECT_FALSE(Eval("http.url", s));
  EXPECT_FALSE(Eval("http.url != \"x\"", s));
  EXPECT_FALSE(Eval("http.url CONTAINS \"\"", s));
  EXPECT_TRUE(Eval("!http.url", s));
}

TEST(BinderTraceView, MultiValuedStringsAreExistential) {
  model::TraceSummary s;
  s.users = {{"alice", {}}, {"bob", {}}};
  s.availability_zones = {"us-east-1a", "us-east-1b"};
  s.instance_ids = {"i-1"};
  s.resource_arns = {"arn:aws:ecs:us-east-1:1:task/x"};
  s.service_ids = {Id("web", "", "111122223333")};
  EXPECT_TRUE(Eval("user = \"bob\"", s));
  EXPECT_TRUE(Eval("user != \"bob\"", s));  // some user differs
  EXPECT_FALSE(Eval("!(user = \"bob\")", s));
  EXPECT_TRUE(Eval("user CONTAINS \"\"", s));
  EXPECT_TRUE(Eval("user", s));
  EXPECT_FALSE(Eval("user = \"carol\"", s));
  EXPECT_TRUE(Eval("availabilityzone ENDSWITH \"1b\"", s));
  EXPECT_TRUE(Eval("instance.id = \"i-1\"", s));
  EXPECT_FALSE(Eval("instance.id != \"i-1\"", s));
  EXPECT_TRUE(Eval("resource.arn BEGINSWITH \"arn:aws:ecs\"", s));
  EXPECT_TRUE(Eval("account.id = \"111122223333\"", s));
  model::TraceSummary empty;
  for (const char* text :
       {"user", "user != \"x\"", "availabilityzone", "instance.id", "resource.arn", "account.id"}) {
    EXPECT_FALSE(Eval(text, empty)) << text;
  }
}

TEST(BinderTraceView, AnnotationsCompareByStoredType) {
  model::TraceSummary s;
  Annotate(&s, "tenant", std::string("acme"));
  Annotate(&s, "tenant", std::string("globex"));
  Annotate(&s, "retries", 3.0);
  Annotate(&s, "canary", true);
  Annotate(&s, "aws.local.operation", std::string("GET /orders"));
  EXPECT_TRUE(Eval("annotation.tenant = \"acme\"", s));
  EXPECT_TRUE(Eval("annotation.tenant = \"globex\"", s));
  EXPECT_TRUE(Eval("annotation.tenant != \"acme\"", s));  // globex differs
  EXPECT_TRUE(Eval("annotation.tenant BEGINSWITH \"glo\"", s));
  EXPECT_TRUE(Eval("annotation.tenant ENDSWITH \"me\"", s));
  EXPECT_TRUE(Eval("annotation.tenant CONTAINS \"lob\"", s));
  EXPECT_FALSE(Eval("annotation.tenant = \"ACME\"", s));
  EXPECT_FALSE(Eval("annotation.tenant = 3", s));  // type mismatch: false, not an error
  EXPECT_TRUE(Eval("annotation.retries = 3", s));
  EXPECT_TRUE(Eval("annotation.retries = 3.0", s));
  EXPECT_TRUE(Eval("annotation.retries > 2", s));
  EXPECT_FALSE(Eval("annotation.retries > 3", s));
  EXPECT_TRUE(Eval("annotation.retries >= 3 AND annotation.retries <= 3", s));
  EXPECT_FALSE(Eval("annotation.retries != 3", s));
  EXPECT_FALSE(Eval("annotation.retries = \"3\"", s));
  EXPECT_FALSE(Eval("annotation.retries = true", s));
  EXPECT_TRUE(Eval("annotation.canary = true", s));
  EXPECT_FALSE(Eval("annotation.canary = false", s));
  EXPECT_TRUE(Eval("annotation.canary != false", s));
  EXPECT_FALSE(Eval("annotation.canary = \"true\"", s));
  EXPECT_TRUE(Eval("annotation.retries", s));
  EXPECT_FALSE(Eval("annotation.order_id", s));
  EXPECT_TRUE(Eval("!annotation.order_id", s));
  EXPECT_FALSE(Eval("annotation.order_id != \"x\"", s));
  EXPECT_TRUE(Eval("annotation[aws.local.operation] = \"GET /orders\"", s));
  EXPECT_FALSE(Eval("annotation.Tenant", s));  // keys keep their case
}

TEST(BinderTraceView, AndOrNotCombine) {
  model::TraceSummary s = WebCallsDb(/*web_fault=*/true);
  EXPECT_TRUE(Eval("fault AND responsetime > 1", s));
  EXPECT_TRUE(Eval("fault responsetime > 1 http.method = \"GET\"", s));  // juxtaposition
  EXPECT_FALSE(Eval("fault AND responsetime > 2", s));
  EXPECT_TRUE(Eval("error OR fault", s));
  EXPECT_FALSE(Eval("error OR throttle", s));
  EXPECT_TRUE(Eval("fault OR error throttle", s));
  EXPECT_FALSE(Eval("(fault OR error) throttle", s));
  EXPECT_TRUE(Eval("!(error OR throttle)", s));
}

// ------------------------------------------------------------------------------------------
// Node view: service(...) { ... }.

TEST(BinderNodeView, SelectorsMatchNamesAliasesTypesAndAccounts) {
  model::TraceSummary s = WebCallsDb();
  s.nodes[0].id.names.push_back("orders-table");
  EXPECT_TRUE(Eval("service(\"web\")", s));
  EXPECT_TRUE(Eval("service(\"db\")", s));
  EXPECT_TRUE(Eval("service(\"orders-table\")", s));  // an alias
  EXPECT_FALSE(Eval("service(\"Web\")", s));          // case-sensitive
  EXPECT_FALSE(Eval("service(\"we\")", s));
  EXPECT_TRUE(Eval("!service(\"legacy\")", s));
  EXPECT_TRUE(Eval("service(id(name: \"web\"))", s));
  EXPECT_TRUE(Eval("service(id(type: \"AWS::DynamoDB::Table\"))", s));
  EXPECT_TRUE(Eval("service(id(name: \"db\", type: \"AWS::DynamoDB::Table\"))", s));
  EXPECT_FALSE(Eval("service(id(name: \"web\", type: \"AWS::DynamoDB::Table\"))", s));
  EXPECT_TRUE(Eval("service(id(account.id: \"111122223333\"))", s));
  EXPECT_FALSE(Eval("service(id(name: \"db\", account.id: \"111122223333\"))", s));
  EXPECT_TRUE(Eval("service()", s));
  EXPECT_FALSE(Eval("service()", model::TraceSummary{}));
}

TEST(BinderNodeView, BodyIsExistentialOverOneNodesSegments) {
  model::TraceSummary s = WebCallsDb(/*web_fault=*/false, /*db_fault=*/true);
  EXPECT_TRUE(Eval("service(\"db\") { fault }", s));
  EXPECT_FALSE(Eval("service(\"web\") { fault }", s));
  EXPECT_TRUE(Eval("service() { fault }", s));
  EXPECT_TRUE(Eval("service(\"web\") { !fault }", s));
  EXPECT_TRUE(Eval("service(\"web\") { ok }", s));
  EXPECT_FALSE(Eval("service(\"db\") { ok }", s));
  // Both conditions must hold on the same segment.
  s.nodes[0].segments.push_back(Facts(false, false, false, 5.0));
  EXPECT_TRUE(Eval("service(\"db\") { fault }", s));
  EXPECT_TRUE(Eval("service(\"db\") { responsetime > 2 }", s));
  EXPECT_FALSE(Eval("service(\"db\") { fault AND responsetime > 2 }", s));
  EXPECT_TRUE(Eval("service(\"db\") { fault OR responsetime > 2 }", s));
}

TEST(BinderNodeView, EveryNodeKeyword) {
  model::TraceSummary s = WebCallsDb();
  model::EntityFacts& root = s.nodes[1].segments[0];
  root.availability_zone = "us-east-1a";
  root.instance_id = "i-9";
  root.resource_arn = "arn:x";
  root.http->user_agent = "curl";
  root.http->client_ip = "10.0.0.1";
  root.in_progress = true;
  root.error = true;
  root.throttle = true;
  EXPECT_TRUE(Eval("service(\"web\") { root }", s));
  EXPECT_FALSE(Eval("service(\"db\") { root }", s));
  EXPECT_TRUE(Eval("service(\"web\") { root = true AND error AND throttle AND partial }", s));
  EXPECT_FALSE(Eval("service(\"db\") { partial }", s));
  EXPECT_TRUE(Eval("service(\"web\") { responsetime = 1.5 AND duration = 1.5 }", s));
  EXPECT_TRUE(Eval("service(\"web\") { http.status = 200 }", s));
  EXPECT_FALSE(Eval("service(\"db\") { http.status = 200 }", s));  // db segment has no http
  EXPECT_TRUE(Eval("service(\"web\") { http.url ENDSWITH \"/cart\" }", s));
  EXPECT_TRUE(Eval("service(\"web\") { http.method = \"GET\" }", s));
  EXPECT_TRUE(Eval("service(\"web\") { http.useragent = \"curl\" }", s));
  EXPECT_TRUE(Eval("service(\"web\") { http.clientip = \"10.0.0.1\" }", s));
  EXPECT_TRUE(Eval("service(\"web\") { user = \"u-1\" }", s));
  EXPECT_FALSE(Eval("service(\"db\") { user }", s));
  EXPECT_TRUE(Eval("service(\"web\") { availabilityzone = \"us-east-1a\" }", s));
  EXPECT_TRUE(Eval("service(\"web\") { instance.id = \"i-9\" }", s));
  EXPECT_TRUE(Eval("service(\"web\") { resource.arn = \"arn:x\" }", s));
  s.nodes[0].segments[0].response_time.reset();
  EXPECT_FALSE(Eval("service(\"db\") { responsetime >= 0 OR duration != 1 }", s));
}

// ------------------------------------------------------------------------------------------
// Edge view.

TEST(BinderEdgeView, MatchesDirectionAndCalls) {
  model::TraceSummary s = WebCallsDb(/*web_fault=*/false, /*db_fault=*/true);
  s.edges[0].calls[0].throttle = true;
  EXPECT_TRUE(Eval("edge(\"web\", \"db\")", s));
  EXPECT_FALSE(Eval("edge(\"db\", \"web\")", s));
  EXPECT_TRUE(Eval("!edge(\"web\", \"cache\")", s));
  EXPECT_TRUE(Eval("edge(\"web\", id(type: \"AWS::DynamoDB::Table\"))", s));
  EXPECT_TRUE(Eval("edge(\"web\", \"db\") { fault }", s));
  EXPECT_FALSE(Eval("edge(\"web\", \"db\") { error }", s));
  EXPECT_FALSE(Eval("edge(\"web\", \"db\") { ok }", s));
  EXPECT_TRUE(Eval("edge(\"web\", \"db\") { throttle }", s));
  EXPECT_TRUE(Eval("edge(\"web\", \"db\") { responsetime > 0.2 AND duration < 0.4 }", s));
  EXPECT_TRUE(Eval("edge(\"web\", \"db\") { http.status = 500 AND http.method = \"POST\" }", s));
  EXPECT_TRUE(Eval("edge(\"web\", \"db\") { http.url BEGINSWITH \"https://dynamo\" }", s));
  // A call has no user agent or client of its own: refused, as the spec's keyword table says.
  EXPECT_THAT(ErrorOf("edge(\"web\", \"db\") { http.useragent }"), HasSubstr("position 21"));
  EXPECT_THAT(ErrorOf("edge(\"web\", \"db\") { http.clientip }"), HasSubstr("position 21"));
  s.edges[0].destination = 7;  // a malformed edge is skipped, never read
  EXPECT_FALSE(Eval("edge(\"web\", \"db\")", s));
}

// ------------------------------------------------------------------------------------------
// Root-cause views.

model::TraceSummary WithRootCauses() {
  model::TraceSummary s;
  model::RootCauseService web = CauseService(
      "web", "AWS::EC2::Instance", {CauseEntity("web"), CauseEntity("call-inventory", true)});
  web.account_id = "111122223333";
  model::RootCauseService inventory =
      CauseService("inventory", "AWS::DynamoDB::Table",
                   {CauseEntity("inventory", false,
                                {CauseException("SdkClientException", "Read timeout"),
                                 CauseException("IOException", "reset")})},
                   /*inferred=*/true);
  inventory.names.push_back("inventory-table");
  s.fault_root_causes.push_back(Cause({web, inventory}));
  s.error_root_causes.push_back(
      Cause({CauseService("auth", "", {CauseEntity("auth", false, {CauseException("E", "m")})})}));
  s.response_time_root_causes.push_back(
      Cause({CauseService("web", "", {CauseEntity("web", false, {}, 0.2)}),
             CauseService("slow", "remote", {CauseEntity("slow", true, {}, 0.85)}, true)}));
  return s;
}

TEST(BinderRootCauseView, ServiceLevel) {
  model::TraceSummary s = WithRootCauses();
  EXPECT_TRUE(Eval("rootcause.fault.service { name = \"inventory\" }", s));
  EXPECT_TRUE(Eval("rootcause.fault.service { name = \"inventory-table\" }", s));  // alias
  EXPECT_FALSE(Eval("rootcause.fault.service { name = \"auth\" }", s));
  EXPECT_TRUE(Eval("rootcause.error.service { name = \"auth\" }", s));
  EXPECT_TRUE(Eval("rootcause.fault.service { last AND type = \"AWS::DynamoDB::Table\" }", s));
  EXPECT_FALSE(Eval("rootcause.fault.service { first AND type = \"AWS::DynamoDB::Table\" }", s));
  EXPECT_TRUE(Eval("rootcause.fault.service { first AND name = \"web\" }", s));
  EXPECT_TRUE(Eval("rootcause.fault.service { inferred AND name = \"inventory\" }", s));
  EXPECT_FALSE(Eval("rootcause.fault.service { inferred AND name = \"web\" }", s));
  EXPECT_TRUE(Eval("rootcause.fault.service { account.id = \"111122223333\" }", s));
  // index is 0-based: web is 0, inventory 1.
  EXPECT_TRUE(Eval("rootcause.fault.service { index = 0 AND name = \"web\" }", s));
  EXPECT_TRUE(Eval("rootcause.fault.service { index = 1 AND last }", s));
  EXPECT_FALSE(Eval("rootcause.fault.service { index > 1 }", s));
  EXPECT_TRUE(Eval("rootcause.responsetime.service { inferred AND type = \"remote\" }", s));
}

TEST(BinderRootCauseView, EntityAndExceptionLevels) {
  model::TraceSummary s = WithRootCauses();
  EXPECT_TRUE(Eval("rootcause.fault.entity { remote }", s));
  EXPECT_TRUE(Eval("rootcause.fault.entity { remote AND name = \"call-inventory\" AND last }", s));
  EXPECT_FALSE(Eval("rootcause.fault.entity { remote AND first }", s));
  EXPECT_TRUE(Eval("rootcause.fault.entity { index = 1 }", s));
  EXPECT_FALSE(Eval("rootcause.error.entity { remote }", s));
  EXPECT_TRUE(Eval("rootcause.fault.exception { message CONTAINS \"timeout\" }", s));
  EXPECT_TRUE(Eval("rootcause.fault.exception { first AND name = \"SdkClientException\" }", s));
  EXPECT_FALSE(Eval("rootcause.fault.exception { last AND name = \"SdkClientException\" }", s));
  EXPECT_TRUE(Eval("rootcause.fault.exception { last AND name = \"IOException\" }", s));
  EXPECT_TRUE(Eval("rootcause.error.exception { name = \"E\" AND message = \"m\" }", s));
  EXPECT_TRUE(Eval("rootcause.responsetime.entity { last AND coverage > 0.8 }", s));
  EXPECT_FALSE(Eval("rootcause.responsetime.entity { coverage > 0.9 }", s));
  EXPECT_TRUE(Eval("rootcause.responsetime.entity { remote AND name = \"slow\" }", s));
  EXPECT_FALSE(Eval("rootcause.fault.service { name = \"x\" }", model::TraceSummary{}));
}

TEST(BinderRootCauseView, JsonPatterns) {
  model::TraceSummary s = WithRootCauses();
  EXPECT_TRUE(Eval(R"(rootcause.json = #[{ "Services": [ { "Name": "web", "EntityPath": [
      { "Name": "web" }, { "Name": "call-inventory" } ] }, { "Name": "inventory" } ] }])",
                   s));
  // Wrong length of EntityPath; wrong order of services; a field that differs.
  EXPECT_FALSE(Eval(
      R"(rootcause.json = #[{"Services": [{"Name": "web", "EntityPath": [{"Name": "web"}]},
                                          {"Name": "inventory"}]}])",
      s));
  EXPECT_FALSE(Eval(R"(rootcause.json = #[{"Services": [{"Name": "inventory"}, {}]}])", s));
  EXPECT_FALSE(Eval(R"(rootcause.json = #[{"Services": [{}, {"Inferred": false}]}])", s));
  EXPECT_TRUE(Eval(R"(rootcause.json = #[{"Services": [{}, {"Inferred": true,
      "Names": ["inventory", "inventory-table"], "Type": "AWS::DynamoDB::Table",
      "EntityPath": [{"Exceptions": [{"Name": "SdkClientException"}, {"Message": "reset"}]}]}]}])",
                   s));
  EXPECT_TRUE(Eval(R"(rootcause.json = #[{"Services": [{"AccountId": "111122223333"}, {}]}])", s));
  EXPECT_TRUE(Eval(R"(rootcause.json = #[{"ClientImpacting": false}])", s));
  EXPECT_FALSE(Eval(R"(rootcause.json = #[{"ClientImpacting": true}])", s));
  // Other kinds of root cause count too; every pattern must match some root cause.
  EXPECT_TRUE(Eval(R"(rootcause.json = #[{"Services": [{"Name": "auth"}]}])", s));
  EXPECT_TRUE(Eval(R"(rootcause.json = #[{"Services": [{}, {"Name": "slow",
      "EntityPath": [{"Coverage": 0.85, "Remote": true}]}]}])",
                   s));
  EXPECT_TRUE(
      Eval(R"(rootcause.json = #[{"Services": [{"Name": "auth"}]}, {"Services": [{}, {}]}])", s));
  EXPECT_FALSE(
      Eval(R"(rootcause.json = #[{"Services": [{"Name": "auth"}]}, {"Services": []}])", s));
}

// ------------------------------------------------------------------------------------------
// Groups.

CompileOptions Groups(std::map<std::string, std::string> by_name) {
  CompileOptions options;
  options.groups = [by_name](const GroupReference& ref) -> std::optional<std::string> {
    const std::string key = (ref.by_arn ? "arn:" : "") + ref.value;
    const auto it = by_name.find(key);
    if (it == by_name.end()) return std::nullopt;
    return it->second;
  };
  return options;
}

TEST(BinderGroups, InlinesTheGroupsExpression) {
  const CompileOptions options = Groups({{"slow", "responsetime > 1"},
                                         {"arn:arn:aws:xray:g/slow", "responsetime > 1"},
                                         {"slow-web", "group.name = \"slow\" service(\"web\")"},
                                         {"all", "  "}});
  model::TraceSummary s = WebCallsDb();
  EXPECT_TRUE(Eval("group.name = \"slow\"", s, options));
  EXPECT_TRUE(Eval("group.arn = \"arn:aws:xray:g/slow\"", s, options));
  EXPECT_TRUE(Eval("group.name = \"slow-web\" AND user = \"u-1\"", s, options));
  EXPECT_TRUE(Eval("group.name = \"all\"", s, options));
  s.response_time = 0.5;
  EXPECT_FALSE(Eval("group.name = \"slow\"", s, options));
  EXPECT_FALSE(Eval("group.name = \"slow-web\"", s, options));
  EXPECT_TRUE(Eval("!group.name = \"slow\"", s, options));
}

TEST(BinderGroups, Errors) {
  const CompileOptions options = Groups({{"self", "fault OR group.name = \"self\""},
                                         {"a", "group.name = \"b\""},
                                         {"b", "error AND group.name = \"a\""},
                                         {"broken", "responsetime CONTAINS \"1\""},
                                         {"unparsable", "fault AND"}});
  EXPECT_THAT(ErrorOf("group.name = \"nope\"", options),
              StartsWith("position 1: group.name = \"nope\": no such group"));
  EXPECT_THAT(ErrorOf("group.name = \"x\""), HasSubstr("no such group"));  // no lookup at all
  EXPECT_THAT(
      ErrorOf("fault AND group.name = \"self\"", options),
      AllOf(StartsWith("position 11: group.name = \"self\": "), HasSubstr("refers to itself")));
  EXPECT_THAT(ErrorOf("group.name = \"a\"", options), HasSubstr("refers to itself"));
  EXPECT_THAT(ErrorOf("group.name = \"broken\"", options),
              AllOf(StartsWith("position 1: group.name = \"broken\": the group's filter "
                               "expression is invalid: position 14: "),
                    HasSubstr("CONTAINS")));
  EXPECT_THAT(ErrorOf("group.name = \"unparsable\"", options),
              HasSubstr("the group's filter expression is invalid"));
}

// ------------------------------------------------------------------------------------------
// Compile errors name the position and what was expected.

struct ErrorCase {
  const char* text;
  const char* prefix;  // the message must start with this
  const char* detail;  // ... and contain this
};

TEST(BinderErrors, KeywordScopeOperatorAndLiteral) {
  const ErrorCase cases[] = {
      // Keyword not valid in the view.
      {"root", "position 1: ",
       "\"root\" is not valid at the top level; it is valid inside "
       "service() { }"},
      {"fault AND first", "position 11: ", "\"first\" is not valid at the top level"},
      {"name = \"x\"", "position 1: ", "\"name\" is not valid at the top level"},
      {"index > 2", "position 1: ", "rootcause.<kind>.service { }"},
      {"coverage > 0.5", "position 1: ", "inside rootcause.responsetime.entity { }"},
      {"rootcause.fault.entity { coverage > 0.5 }",
       "position 26: ", "\"coverage\" is not valid inside rootcause.fault.entity { }"},
      {"rootcause.responsetime.service { coverage > 0.5 }", "position 34: ", "not valid"},
      {"service(\"a\") { annotation.x = 1 }",
       "position 16: ", "annotations are not valid inside service() { }"},
      {"edge(\"a\", \"b\") { annotation.x }",
       "position 18: ", "annotations are not valid inside edge() { }"},
      {"edge(\"a\", \"b\") { partial }",
       "position 18: ", "\"partial\" is not valid inside edge() { }"},
      {"edge(\"a\", \"b\") { user = \"x\" }", "position 18: ", "not valid inside edge()"},
      {"service(\"a\") { inferred }", "position 16: ", "\"inferred\" is not valid inside"},
      {"service(\"a\") { service(\"b\") }", "position 16: ", "service() is not valid inside"},
      {"service(\"a\") { rootcause.fault.service { first } }",
       "position 16: ", "valid only at the top level"},
      {"rootcause.fault.service { remote }", "position 27: ", "\"remote\" is not valid"},
      {"rootcause.fault.service { message = \"x\" }", "position 27: ", "not valid"},
      {"rootcause.fault.exception { type = \"x\" }", "position 29: ", "not valid"},
      {"rootcause.fault.entity { http.url }", "position 26: ", "not valid"},
      {"rootcause.responsetime.exception { first }", "position 1: ", "does not exist"},
      // Operator not valid for the type.
      {"duration CONTAINS \"1\"", "position 10: ",
       "operator \"CONTAINS\" is not valid for number keyword \"duration\"; expected =, !=, <, "
       "<=, > or >="},
      {"http.url > 3", "position 10: ", "operator \">\" is not valid for string keyword"},
      {"fault > 1", "position 7: ", "operator \">\" is not valid for boolean keyword \"fault\""},
      {"ok BEGINSWITH \"x\"", "position 4: ", "boolean keyword"},
      // Literal of the wrong type.
      {"http.status = \"500\"",
       "position 15: ", "\"http.status\" compares with a number, found string \"500\""},
      {"ok = 1", "position 6: ", "\"ok\" compares with true or false, found number 1"},
      {"user = 5", "position 8: ", "compares with a string, found number 5"},
      {"responsetime = true", "position 16: ", "found boolean true"},
      // A number keyword needs a comparison.
      {"responsetime", "position 1: ", "\"responsetime\" is a number keyword"},
      // Annotation operators that fit no literal type.
      {"annotation.x > \"a\"",
       "position 14: ", "operator \">\" cannot compare an annotation with a string"},
      {"annotation.x CONTAINS 5", "position 14: ", "cannot compare an annotation with a number"},
      {"annotation.x < true", "position 14: ", "with a boolean"},
  };
  for (const ErrorCase& c : cases) {
    const std::string error = ErrorOf(c.text);
    EXPECT_THAT(error, StartsWith(c.prefix)) << c.text;
    EXPECT_THAT(error, HasSubstr(c.detail)) << c.text;
  }
}

TEST(BinderErrors, RootCauseJsonLiterals) {
  const ErrorCase cases[] = {
      {"rootcause.json = #[1, 2]",
       "position 19: ", "rootcause.json: expected a JSON array of root-cause objects"},
      {"rootcause.json = #[]", "position 19: ", "expected at least one root-cause object"},
      {"rootcause.json = #[{\"Services\": 3}]",
       "position 19: ", "\"Services\" must be an array of objects"},
      {"rootcause.json = #[{\"Servces\": []}]", "position 19: ", "unknown field \"Servces\""},
      {"rootcause.json = #[{\"Services\": [{\"Name\": 1}]}]",
       "position 19: ", "\"Name\" must be a string"},
      {"rootcause.json = #[{\"Services\": [{\"Inferred\": \"yes\"}]}]",
       "position 19: ", "\"Inferred\" must be true or false"},
      {"rootcause.json = #[{\"Services\": [{\"EntityPath\": [{\"Coverage\": \"x\"}]}]}]",
       "position 19: ", "\"Coverage\" must be a number"},
      {"rootcause.json = #[{\"Services\": [{\"EntityPath\": [{\"Exceptions\": [{\"Kind\": "
       "1}]}]}]}]",
       "position 19: ", "unknown field \"Kind\" in an exception"},
      {"rootcause.json = #[{\"Services\": [{\"Names\": [1]}]}]",
       "position 19: ", "\"Names\" must be an array of strings"},
      {"rootcause.json = #[{,}]", "position 19: ", "not valid JSON"},
      {"service(\"a\") { rootcause.json = #[{}] }",
       "position 16: ", "rootcause.json is not valid inside service() { }"},
  };
  for (const ErrorCase& c : cases) {
    const std::string error = ErrorOf(c.text);
    EXPECT_THAT(error, StartsWith(c.prefix)) << c.text;
    EXPECT_THAT(error, HasSubstr(c.detail)) << c.text;
  }
}

TEST(BinderErrors, EveryKeywordIsValidSomewhereAndRefusedSomewhere) {
  // Each keyword either binds at the top level or names where it is valid.
  for (const char* keyword : {"ok",
                              "error",
                              "fault",
                              "throttle",
                              "partial",
                              "inferred",
                              "root",
                              "first",
                              "last",
                              "remote",
                              "http.url",
                              "http.method",
                              "http.useragent",
                              "http.clientip",
                              "user",
                              "name",
                              "type",
                              "message",
                              "availabilityzone",
                              "instance.id",
                              "resource.arn",
                              "account.id"}) {
    const std::string error = ErrorOf(keyword);
    if (!error.empty()) {
      EXPECT_THAT(error, HasSubstr("it is valid inside")) << keyword;
    }
  }
}

TEST(BinderStructure, LongChainsAreFlattened) {
  std::string text = "fault";
  for (int i = 0; i < 900; ++i) text += " OR error";
  auto predicate = BindText(text);
  if (!predicate.ok()) {
    // The parser may cap the expression; then there is nothing to flatten.
    GTEST_SKIP() << predicate.status().ToString();
  }
  const CompiledPredicate& p = **predicate;
  const CompiledPredicate::Node& root = p.nodes()[p.root()];
  EXPECT_EQ(root.kind, CompiledPredicate::Kind::kOr);
  EXPECT_EQ(root.end - root.begin, 901u);
  model::TraceSummary s;
  EXPECT_FALSE(p.Matches(s));
  s.has_error = true;
  EXPECT_TRUE(p.Matches(s));
}

}  // namespace
}  // namespace roentgen::filter
