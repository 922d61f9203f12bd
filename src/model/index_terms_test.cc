#include "model/index_terms.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

namespace roentgen::model {
namespace {

ServiceId Service(std::string name, std::vector<std::string> names) {
  ServiceId id;
  id.name = std::move(name);
  id.names = std::move(names);
  return id;
}

TraceSummary SampleSummary() {
  TraceSummary summary;
  summary.has_fault = true;
  TraceNode web;
  web.id = Service("web", {"web", "www"});
  TraceNode carts;
  carts.id = Service("carts", {"carts"});
  carts.inferred = true;
  EntityFacts throttled;
  throttled.throttle = true;
  carts.segments.push_back(throttled);
  summary.nodes = {web, carts};
  summary.service_ids.push_back(Service("web", {"web"}));
  summary.annotations["tenant"].push_back({std::string("acme"), {}});
  summary.annotations["retries"].push_back({3.0, {}});
  summary.annotations["canary"].push_back({true, {}});
  return summary;
}

TEST(IndexTermsTest, FilesEveryServiceAnnotationAndFlag) {
  const std::vector<std::string> terms = IndexTermsOf(SampleSummary());
  const std::set<std::string> expected = {
      ServiceNameTerm("web"),
      ServiceNameTerm("www"),
      ServiceNameTerm("carts"),
      AnnotationKeyTerm("tenant"),
      AnnotationValueTerm("tenant", std::string("acme")),
      AnnotationKeyTerm("retries"),
      AnnotationValueTerm("retries", 3.0),
      AnnotationKeyTerm("canary"),
      AnnotationValueTerm("canary", true),
      FlagTermOf(FlagTerm::kRootFault),
      FlagTermOf(FlagTerm::kAnyThrottle),
  };
  EXPECT_EQ(std::set<std::string>(terms.begin(), terms.end()), expected);
  EXPECT_TRUE(std::is_sorted(terms.begin(), terms.end()));
  EXPECT_EQ(terms.size(), expected.size()) << "no duplicates";
}

TEST(IndexTermsTest, ForEachVisitsTheSameTermsAsIndexTermsOf) {
  const TraceSummary summary = SampleSummary();
  std::set<std::string> visited;
  ForEachIndexTerm(summary, [&](std::string_view term) { visited.emplace(term); });
  const std::vector<std::string> terms = IndexTermsOf(summary);
  EXPECT_EQ(visited, std::set<std::string>(terms.begin(), terms.end()));
}

TEST(IndexTermsTest, ValuesAreTypedAndNumbersCanonical) {
  EXPECT_NE(AnnotationValueTerm("k", std::string("1")), AnnotationValueTerm("k", 1.0));
  EXPECT_NE(AnnotationValueTerm("k", true), AnnotationValueTerm("k", std::string("t")));
  EXPECT_EQ(AnnotationValueTerm("k", 0.0), AnnotationValueTerm("k", -0.0));
  EXPECT_NE(AnnotationValueTerm("ab", std::string("c")),
            AnnotationValueTerm("a", std::string("bc")));
}

}  // namespace
}  // namespace roentgen::model
