// model/index_terms.h — the terms under which a store files a trace so that a filter can find
// candidate traces without scanning every summary: one term per service node name, per
// annotation key and per annotation key=value, and per status flag. The store derives them from
// each summary revision (IndexTermsOf); the filter's planner (filter/filter.h) names the terms
// every match must carry. Terms are short byte strings; a store may hash them, since a false
// candidate is only a wasted evaluation, never a wrong answer.
// Thread-safety: pure functions.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "model/trace_summary.h"

namespace roentgen::model {

enum class FlagTerm : char {
  kRootFault = 'F',    // summary.has_fault (top-level `fault`)
  kRootError = 'E',    // summary.has_error (top-level `error`)
  kThrottle = 'T',     // summary.has_throttle (top-level `throttle`)
  kAnyFault = 'f',     // some node segment or edge call has fault (`service(){fault}`)
  kAnyError = 'e',     // ... error
  kAnyThrottle = 't',  // ... throttle
};

std::string ServiceNameTerm(std::string_view name);
std::string AnnotationKeyTerm(std::string_view key);
std::string AnnotationValueTerm(std::string_view key, const AnnotationValue& value);
std::string FlagTermOf(FlagTerm flag);

// Every term `summary` is filed under, without duplicates.
std::vector<std::string> IndexTermsOf(const TraceSummary& summary);

// Calls `visit` with every term `summary` is filed under, possibly more than once, without
// allocating per term (the view is valid only during the call): the writer's hot path.
void ForEachIndexTerm(const TraceSummary& summary,
                      const std::function<void(std::string_view term)>& visit);

}  // namespace roentgen::model
