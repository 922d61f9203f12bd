#include "filter/filter.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "filter/test_summaries.h"
#include "model/index_terms.h"

namespace roentgen::filter {
namespace {

using fixtures::Annotate;
using fixtures::Edge;
using fixtures::Facts;
using fixtures::Http;
using fixtures::Id;
using fixtures::Node;
using fixtures::WebCallsDb;
using model::FlagTerm;
using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

Filter MustCompile(std::string_view text, const CompileOptions& options = {}) {
  Result<Filter> filter = Filter::Compile(text, options);
  EXPECT_TRUE(filter.ok()) << text << ": " << filter.status().ToString();
  return filter.ok() ? std::move(filter).value() : Filter();
}

TEST(Filter, EmptyExpressionMatchesEverything) {
  for (const char* text : {"", "   ", "\n\t"}) {
    const Filter filter = MustCompile(text);
    EXPECT_TRUE(filter.MatchesAll());
    EXPECT_TRUE(filter.Matches(model::TraceSummary{}));
    EXPECT_THAT(filter.CandidateTerms(), IsEmpty());
  }
  EXPECT_FALSE(MustCompile("fault").MatchesAll());
}

TEST(Filter, ErrorsAreInvalidArgumentWithAPosition) {
  for (const char* text : {"fault AND", "http.status = \"5\"", "root", "annotation.x > \"a\""}) {
    const Result<Filter> filter = Filter::Compile(text);
    ASSERT_FALSE(filter.ok()) << text;
    EXPECT_EQ(filter.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(filter.status().message(), HasSubstr("position ")) << text;
  }
}

TEST(Filter, SpecExamplesEndToEnd) {
  const model::TraceSummary ok_trace = WebCallsDb();
  const model::TraceSummary db_fault = WebCallsDb(/*web_fault=*/false, /*db_fault=*/true);
  const model::TraceSummary web_fault = WebCallsDb(/*web_fault=*/true, /*db_fault=*/true);
  struct Case {
    const char* text;
    bool ok_trace, db_fault, web_fault;
  };
  const Case cases[] = {
      {"fault", false, false, true},
      {"!ok", false, false, true},
      {"ok = false", false, false, true},
      {"responsetime > 1", true, true, true},
      {"http.status >= 500 AND http.status != 504", false, false, true},
      {"http.url CONTAINS \"/api/\" AND http.method = \"GET\"", true, true, true},
      {"service(\"db\") { fault }", false, true, true},
      {"service() { fault }", false, true, true},
      {"service(\"web\") { root = true AND fault = true }", false, false, true},
      {"edge(\"web\", \"db\") { fault }", false, true, true},
      {"!edge(\"web\", \"cache\")", true, true, true},
      {"(fault OR error) AND http.method = \"GET\" AND !service(\"healthcheck\")", false, false,
       true},
      {"ok !partial duration < 2", true, true, false},
      {"user = \"u-1\" AND inferred", true, true, true},
  };
  for (const Case& c : cases) {
    const Filter filter = MustCompile(c.text);
    EXPECT_EQ(filter.Matches(ok_trace), c.ok_trace) << c.text;
    EXPECT_EQ(filter.Matches(db_fault), c.db_fault) << c.text;
    EXPECT_EQ(filter.Matches(web_fault), c.web_fault) << c.text;
  }
}

TEST(Filter, ReadsGraphOnlyWhenItLooksAtNodesEdgesOrRootCauses) {
  for (std::string_view text :
       {"", "responsetime > 1", "duration < 2 AND http.status = 500", "fault", "error OR throttle",
        "partial", "annotation.x = \"y\"", "annotation.n > 3 OR NOT annotation.b = true",
        "user = \"alice\"", "http.url CONTAINS \"cart\"", "instance.id = \"i-1\"",
        "resource.arn = \"arn:x\"", "availabilityzone = \"us-east-1a\"",
        "account.id = \"123456789012\""}) {
    EXPECT_FALSE(MustCompile(text).ReadsGraph()) << text;
  }
  for (std::string_view text :
       {"ok", "inferred", "service(\"web\")", "service() { fault }",
        "responsetime > 1 AND edge(\"web\", \"db\")", "NOT service(\"db\") { error }",
        "rootcause.fault.service { name = \"db\" }", "annotation.x = 1 OR ok",
        "rootcause.error.entity { remote }",
        "rootcause.json = #[{\"Services\": [{\"Name\": \"web\"}]}]"}) {
    EXPECT_TRUE(MustCompile(text).ReadsGraph()) << text;
  }
}

TEST(Filter, CompiledFilterIsCopyableAndShared) {
  const Filter filter = MustCompile("service(\"db\") { fault }");
  const Filter copy = filter;  // NOLINT: the copy is the point
  EXPECT_TRUE(copy.Matches(WebCallsDb(false, true)));
  EXPECT_FALSE(copy.Matches(WebCallsDb()));
}

// ------------------------------------------------------------------------------------------
// CandidateTerms.

std::vector<std::string> TermsOf(std::string_view text, const CompileOptions& options = {}) {
  return MustCompile(text, options).CandidateTerms();
}

TEST(FilterCandidateTerms, PicksTheMostSelectiveConjunct) {
  using model::AnnotationKeyTerm;
  using model::AnnotationValueTerm;
  using model::FlagTermOf;
  using model::ServiceNameTerm;
  EXPECT_THAT(TermsOf("annotation.tenant = \"acme\" AND responsetime > 1"),
              ElementsAre(AnnotationValueTerm("tenant", std::string("acme"))));
  EXPECT_THAT(TermsOf("service(\"a\") OR service(\"b\")"),
              UnorderedElementsAre(ServiceNameTerm("a"), ServiceNameTerm("b")));
  EXPECT_THAT(TermsOf("fault"), ElementsAre(FlagTermOf(FlagTerm::kRootFault)));
  EXPECT_THAT(TermsOf("fault = true"), ElementsAre(FlagTermOf(FlagTerm::kRootFault)));
  EXPECT_THAT(TermsOf("error"), ElementsAre(FlagTermOf(FlagTerm::kRootError)));
  EXPECT_THAT(TermsOf("throttle"), ElementsAre(FlagTermOf(FlagTerm::kThrottle)));
  EXPECT_THAT(TermsOf("service() { fault }"), ElementsAre(FlagTermOf(FlagTerm::kAnyFault)));
  EXPECT_THAT(
      TermsOf("service() { error OR throttle }"),
      UnorderedElementsAre(FlagTermOf(FlagTerm::kAnyError), FlagTermOf(FlagTerm::kAnyThrottle)));
  EXPECT_THAT(TermsOf("edge(id(type: \"t\"), id(type: \"u\")) { fault }"),
              ElementsAre(FlagTermOf(FlagTerm::kAnyFault)));
  EXPECT_THAT(TermsOf("service(\"x\") { fault }"), ElementsAre(ServiceNameTerm("x")));
  EXPECT_THAT(TermsOf("service(id(name: \"x\", type: \"t\"))"), ElementsAre(ServiceNameTerm("x")));
  EXPECT_THAT(TermsOf("edge(\"a\", \"b\")"),
              AnyOf(ElementsAre(ServiceNameTerm("a")), ElementsAre(ServiceNameTerm("b"))));
  EXPECT_THAT(TermsOf("service(\"a\") AND annotation.k"), ElementsAre(ServiceNameTerm("a")));
  EXPECT_THAT(TermsOf("annotation.k AND fault"), ElementsAre(AnnotationKeyTerm("k")));
  EXPECT_THAT(TermsOf("service(\"a\") annotation.k = true"),
              ElementsAre(AnnotationValueTerm("k", true)));
  EXPECT_THAT(TermsOf("annotation.k != \"v\""), ElementsAre(AnnotationKeyTerm("k")));
  EXPECT_THAT(TermsOf("annotation.k CONTAINS \"v\""), ElementsAre(AnnotationKeyTerm("k")));
  EXPECT_THAT(TermsOf("annotation.n > 5"), ElementsAre(AnnotationKeyTerm("n")));
  // Numbers spell canonically: 5, 5.0, 5e0 and 50e-1 are one term, and -0 is 0.
  EXPECT_THAT(TermsOf("annotation.n = 5"), ElementsAre(AnnotationValueTerm("n", 5.0)));
  EXPECT_EQ(TermsOf("annotation.n = 5.0"), TermsOf("annotation.n = 5"));
  EXPECT_EQ(TermsOf("annotation.n = 5e0"), TermsOf("annotation.n = 5"));
  EXPECT_EQ(TermsOf("annotation.n = 50e-1"), TermsOf("annotation.n = 5"));
  EXPECT_EQ(TermsOf("annotation.n = -0"), TermsOf("annotation.n = 0"));
  // Nothing every match must carry.
  for (const char* text : {"!service(\"x\")", "fault OR user = \"x\"", "!fault", "fault = false",
                           "ok", "responsetime > 1", "service()", "service() { ok }",
                           "service() { !fault }", "service(\"x\") OR responsetime > 1",
                           "rootcause.fault.service { name = \"x\" }", "rootcause.json = #[{}]",
                           "partial", "inferred", "!annotation.k", "!(annotation.k = \"v\")"}) {
    EXPECT_THAT(TermsOf(text), IsEmpty()) << text;
  }
}

TEST(FilterCandidateTerms, SeesThroughGroups) {
  CompileOptions options;
  options.groups = [](const GroupReference& ref) -> std::optional<std::string> {
    if (ref.value == "g") return "service(\"a\") OR annotation.k = 1";
    if (ref.value == "all") return "";
    return std::nullopt;
  };
  EXPECT_THAT(
      TermsOf("group.name = \"g\"", options),
      UnorderedElementsAre(model::ServiceNameTerm("a"), model::AnnotationValueTerm("k", 1.0)));
  EXPECT_THAT(TermsOf("group.name = \"all\"", options), IsEmpty());
  EXPECT_THAT(TermsOf("group.name = \"all\" OR fault", options), IsEmpty());
  EXPECT_THAT(TermsOf("group.name = \"all\" AND fault", options),
              ElementsAre(model::FlagTermOf(FlagTerm::kRootFault)));
}

// Random summaries over small vocabularies, so that expressions match some of them.
class SummaryGenerator {
 public:
  explicit SummaryGenerator(uint32_t seed) : random_(seed) {}

  model::TraceSummary Next() {
    model::TraceSummary s;
    const int nodes = Uniform(0, 4);
    for (int i = 0; i < nodes; ++i) {
      model::ServiceId id = Id(Pick(kNames), Pick(kTypes), Pick(kAccounts));
      if (Chance(0.2)) id.names.push_back(Pick(kNames));
      std::vector<model::EntityFacts> segments;
      const int count = Uniform(0, 2);
      for (int j = 0; j < count; ++j) segments.push_back(RandomFacts(i == 0 && j == 0));
      s.nodes.push_back(Node(std::move(id), std::move(segments), Chance(0.3)));
      if (Chance(0.5)) s.service_ids.push_back(s.nodes.back().id);
    }
    for (int i = 0; i + 1 < nodes; ++i) {
      if (!Chance(0.7)) continue;
      std::vector<model::EntityFacts> calls = {RandomFacts(false)};
      s.edges.push_back(Edge(i, Uniform(0, nodes - 1), std::move(calls)));
    }
    const int annotations = Uniform(0, 3);
    for (int i = 0; i < annotations; ++i) {
      const std::string key = Pick(kKeys);
      switch (Uniform(0, 2)) {
        case 0:
          Annotate(&s, key, std::string(Pick(kValues)));
          break;
        case 1:
          Annotate(&s, key, static_cast<double>(Uniform(-1, 5)) * (Chance(0.5) ? 1 : 0.5));
          break;
        default:
          Annotate(&s, key, Chance(0.5));
          break;
      }
    }
    s.has_fault = Chance(0.2);
    s.has_error = Chance(0.2);
    s.has_throttle = Chance(0.1);
    s.is_partial = Chance(0.1);
    if (Chance(0.8)) s.response_time = Uniform(0, 30) / 10.0;
    if (Chance(0.8)) s.duration = Uniform(0, 40) / 10.0;
    if (Chance(0.7))
      s.http = Http(Chance(0.5) ? "GET" : "POST", "https://x/" + Pick(kNames),
                    Chance(0.8) ? std::optional<int32_t>(Pick(kStatuses)) : std::nullopt);
    if (Chance(0.5)) s.users.push_back({Pick(kValues), {}});
    return s;
  }

 private:
  const std::vector<std::string> kNames = {"a", "b", "c", "d"};
  const std::vector<std::string> kTypes = {"", "AWS::Lambda", "AWS::DynamoDB::Table"};
  const std::vector<std::string> kAccounts = {"", "111122223333"};
  const std::vector<std::string> kKeys = {"k", "n", "tenant"};
  const std::vector<std::string> kValues = {"v", "acme", "globex", "5"};
  const std::vector<int32_t> kStatuses = {200, 404, 429, 500, 503};

  model::EntityFacts RandomFacts(bool root) {
    model::EntityFacts facts =
        Facts(Chance(0.2), Chance(0.2), Chance(0.1),
              Chance(0.8) ? std::optional<double>(Uniform(0, 30) / 10.0) : std::nullopt);
    facts.root = root;
    facts.in_progress = Chance(0.1);
    if (Chance(0.5)) facts.http = Http("GET", "/x", Pick(kStatuses));
    if (Chance(0.3)) facts.user = Pick(kValues);
    return facts;
  }

  int Uniform(int low, int high) { return std::uniform_int_distribution<int>(low, high)(random_); }
  bool Chance(double p) { return std::bernoulli_distribution(p)(random_); }
  template <typename T>
  T Pick(const std::vector<T>& values) {
    return values[Uniform(0, static_cast<int>(values.size()) - 1)];
  }

  std::mt19937 random_;
};

TEST(FilterCandidateTerms, EveryMatchCarriesACandidateTerm) {
  CompileOptions options;
  options.groups = [](const GroupReference& ref) -> std::optional<std::string> {
    if (ref.value == "g") return "service(\"c\") { error } OR annotation.tenant = \"acme\"";
    return std::nullopt;
  };
  const char* const expressions[] = {
      "fault",
      "error",
      "throttle",
      "fault = true AND responsetime > 1",
      "service(\"a\")",
      "service(\"a\") OR service(\"b\")",
      "service(\"b\") { fault }",
      "service() { fault }",
      "service() { error OR throttle }",
      "service(id(type: \"AWS::Lambda\")) { throttle }",
      "service(id(name: \"c\", account.id: \"111122223333\"))",
      "edge(\"a\", \"b\")",
      "edge(id(type: \"AWS::Lambda\"), \"c\") { fault OR error }",
      "edge(id(type: \"\"), id(type: \"AWS::DynamoDB::Table\")) { throttle }",
      "annotation.k",
      "annotation.k = \"v\"",
      "annotation.n = 5",
      "annotation.n = 2.5",
      "annotation.n = 0",
      "annotation.n = -1",
      "annotation.n > 1",
      "annotation.tenant = true",
      "annotation.tenant = false",
      "annotation.tenant != \"acme\"",
      "annotation.tenant BEGINSWITH \"gl\"",
      "annotation.k = \"5\" OR annotation.n = 5",
      "annotation.tenant = \"acme\" AND responsetime > 1",
      "(service(\"a\") OR fault) AND (annotation.k OR service() { error })",
      "service(\"d\") AND !fault",
      "group.name = \"g\"",
      "group.name = \"g\" AND http.method = \"GET\"",
      "fault OR error OR throttle",
      "service(\"a\") { !fault } OR service(\"b\") { fault AND responsetime > 1 }",
  };
  SummaryGenerator generator(20240601);
  std::vector<model::TraceSummary> summaries;
  for (int i = 0; i < 3000; ++i) summaries.push_back(generator.Next());
  std::vector<std::vector<std::string>> index_terms;
  for (const model::TraceSummary& s : summaries) index_terms.push_back(model::IndexTermsOf(s));

  for (const char* text : expressions) {
    const Filter filter = MustCompile(text, options);
    const std::vector<std::string>& candidates = filter.CandidateTerms();
    EXPECT_FALSE(candidates.empty()) << text << " should be indexable";
    int matches = 0;
    for (size_t i = 0; i < summaries.size(); ++i) {
      if (!filter.Matches(summaries[i])) continue;
      ++matches;
      const std::vector<std::string>& terms = index_terms[i];
      const bool carried = std::any_of(candidates.begin(), candidates.end(), [&](const auto& t) {
        return std::find(terms.begin(), terms.end(), t) != terms.end();
      });
      EXPECT_TRUE(carried) << text << " matched summary " << i << " without a candidate term";
    }
    EXPECT_GT(matches, 0) << text << " matched nothing: the property was not exercised";
  }
}

}  // namespace
}  // namespace roentgen::filter
