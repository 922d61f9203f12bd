#include "model/index_terms.h"

#include <algorithm>
#include <charconv>
#include <system_error>

namespace roentgen::model {
namespace {

// Kinds of term, the first byte of each; the rest of the term is its payload.
constexpr char kServiceName = 's';
constexpr char kAnnotationKey = 'k';
constexpr char kAnnotationValue = 'v';
constexpr char kFlag = '!';

// Annotation key and value are joined by a byte that valid keys never contain.
constexpr char kKeyValueSeparator = '\0';

std::string TermOf(char kind, std::string_view payload) {
  std::string term;
  term.reserve(payload.size() + 1);
  term.push_back(kind);
  term.append(payload);
  return term;
}

// The value's type, then a canonical spelling: numbers that compare equal spell the same.
void AppendValue(const AnnotationValue& value, std::string* out) {
  if (const auto* text = std::get_if<std::string>(&value)) {
    out->push_back('s');
    out->append(*text);
  } else if (const auto* number = std::get_if<double>(&value)) {
    out->push_back('n');
    const double canonical = *number == 0 ? 0.0 : *number;  // -0 == 0
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), canonical);
    out->append(buffer, result.ptr);
  } else {
    out->push_back(std::get<bool>(value) ? 't' : 'f');
  }
}

bool AnyCall(const TraceSummary& summary, bool EntityFacts::*flag) {
  for (const TraceNode& node : summary.nodes) {
    for (const EntityFacts& segment : node.segments) {
      if (segment.*flag) return true;
    }
  }
  for (const TraceEdge& edge : summary.edges) {
    for (const EntityFacts& call : edge.calls) {
      if (call.*flag) return true;
    }
  }
  return false;
}

}  // namespace

std::string ServiceNameTerm(std::string_view name) { return TermOf(kServiceName, name); }

std::string AnnotationKeyTerm(std::string_view key) { return TermOf(kAnnotationKey, key); }

std::string AnnotationValueTerm(std::string_view key, const AnnotationValue& value) {
  std::string term = TermOf(kAnnotationValue, key);
  term.push_back(kKeyValueSeparator);
  AppendValue(value, &term);
  return term;
}

std::string FlagTermOf(FlagTerm flag) {
  return TermOf(kFlag, std::string_view(reinterpret_cast<const char*>(&flag), 1));
}

std::vector<std::string> IndexTermsOf(const TraceSummary& summary) {
  std::vector<std::string> terms;
  for (const TraceNode& node : summary.nodes) {
    terms.push_back(ServiceNameTerm(node.id.name));
    for (const std::string& alias : node.id.names) terms.push_back(ServiceNameTerm(alias));
  }
  for (const ServiceId& service : summary.service_ids) {
    terms.push_back(ServiceNameTerm(service.name));
  }
  for (const auto& [key, values] : summary.annotations) {
    terms.push_back(AnnotationKeyTerm(key));
    for (const ValueWithServiceIds& value : values) {
      terms.push_back(AnnotationValueTerm(key, value.value));
    }
  }
  if (summary.has_fault) terms.push_back(FlagTermOf(FlagTerm::kRootFault));
  if (summary.has_error) terms.push_back(FlagTermOf(FlagTerm::kRootError));
  if (summary.has_throttle) terms.push_back(FlagTermOf(FlagTerm::kThrottle));
  if (AnyCall(summary, &EntityFacts::fault)) terms.push_back(FlagTermOf(FlagTerm::kAnyFault));
  if (AnyCall(summary, &EntityFacts::error)) terms.push_back(FlagTermOf(FlagTerm::kAnyError));
  if (AnyCall(summary, &EntityFacts::throttle)) {
    terms.push_back(FlagTermOf(FlagTerm::kAnyThrottle));
  }
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  return terms;
}

}  // namespace roentgen::model
