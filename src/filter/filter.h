// filter/filter.h — a compiled X-Ray filter expression: a predicate over model::TraceSummary
// (never over JSON), and the index terms a store can use to find candidate traces without a scan.
//
//   ASSIGN_OR_RETURN(Filter filter, Filter::Compile(request.filter_expression));
//   if (filter.Matches(summary)) ...
//
// Compile = ParseFilter (parser.h) → bind (keywords resolved to typed accessors per view, types
// and scopes checked) → a predicate tree. Semantics, including every choice where AWS is silent:
// docs/filter-expressions.md. Errors are InvalidArgument naming the 1-based position and what
// was expected; the API turns them into InvalidRequestException.
// Thread-safety: a compiled Filter is immutable; Matches may run on any number of threads.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "model/trace_summary.h"

namespace roentgen::filter {

// What `group.name = "x"` / `group.arn = "..."` refers to: the group's current filter
// expression, or nullopt if there is no such group (a compile error).
struct GroupReference {
  bool by_arn = false;
  std::string value;
};
using GroupLookup = std::function<std::optional<std::string>(const GroupReference&)>;

struct CompileOptions {
  // Unset: every group reference is an error ("no such group").
  GroupLookup groups;
};

class CompiledPredicate;  // the bound predicate tree (binder.h)

class Filter {
 public:
  // An empty or all-whitespace expression compiles to a filter that matches every trace.
  static Result<Filter> Compile(std::string_view expression, const CompileOptions& options = {});

  bool Matches(const model::TraceSummary& summary) const;

  // True when the filter matches every trace (no expression).
  bool MatchesAll() const { return predicate_ == nullptr; }

  // Index terms (model/index_terms.h) such that every trace the filter matches is filed under
  // at least one of them; empty when no such set is known (the caller must scan).
  const std::vector<std::string>& CandidateTerms() const { return candidate_terms_; }

  // False when Matches reads none of the summary's root causes, nodes and edges, so that a
  // store may skip decoding them (storage::SummaryScan::need_graph).
  bool ReadsGraph() const { return reads_graph_; }

 private:
  std::shared_ptr<const CompiledPredicate> predicate_;
  std::vector<std::string> candidate_terms_;
  bool reads_graph_ = false;
};

}  // namespace roentgen::filter
