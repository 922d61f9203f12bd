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

void ForEachIndexTerm(const TraceSummary& summary,
                      const std::function<void(std::string_view term)>& visit) {
  std::string term;  // one buffer, reused for every term
  auto emit = [&](char kind, std::string_view payload) {
    term.assign(1, kind);
    term.append(payload);
    visit(term);
  };
  for (const TraceNode& node : summary.nodes) {
    emit(kServiceName, node.id.name);
    for (const std::string& alias : node.id.names) {
      if (alias != node.id.name) emit(kServiceName, alias);
    }
  }
  for (const ServiceId& service : summary.service_ids) emit(kServiceName, service.name);
  for (const auto& [key, values] : summary.annotations) {
    emit(kAnnotationKey, key);
    for (const ValueWithServiceIds& value : values) {
      term.assign(1, kAnnotationValue);
      term.append(key);
      term.push_back(kKeyValueSeparator);
      AppendValue(value.value, &term);
      visit(term);
    }
  }
  auto flag = [&](bool set, FlagTerm which) {
    if (set) emit(kFlag, std::string_view(reinterpret_cast<const char*>(&which), 1));
  };
  flag(summary.has_fault, FlagTerm::kRootFault);
  flag(summary.has_error, FlagTerm::kRootError);
  flag(summary.has_throttle, FlagTerm::kThrottle);
  flag(AnyCall(summary, &EntityFacts::fault), FlagTerm::kAnyFault);
  flag(AnyCall(summary, &EntityFacts::error), FlagTerm::kAnyError);
  flag(AnyCall(summary, &EntityFacts::throttle), FlagTerm::kAnyThrottle);
}

std::vector<std::string> IndexTermsOf(const TraceSummary& summary) {
  std::vector<std::string> terms;
  ForEachIndexTerm(summary, [&](std::string_view term) { terms.emplace_back(term); });
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  return terms;
}

}  // namespace roentgen::model
