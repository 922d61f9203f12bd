// filter/binder.h — the binder: a parsed filter (ast.h) → a CompiledPredicate, a flat tree of
// typed nodes over model::TraceSummary. Every keyword is resolved, once, to an accessor of the
// view it stands in (trace, service node, edge, root-cause service/entity/exception); operators
// and literals are checked against the keyword's type; group references are inlined and
// rootcause.json literals are parsed into patterns. Evaluation then is a switch over a small
// node kind with pre-converted literals and no allocation.
// Semantics, including every choice where AWS is silent: docs/filter-expressions.md.
// Errors: InvalidArgument "position N: ..." (N = 1-based character of the offending text).
// Internal to filter/; the public front door is filter.h.
// Thread-safety: a CompiledPredicate is immutable once bound; Matches may run concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "filter/ast.h"
#include "filter/filter.h"
#include "model/trace_summary.h"

namespace roentgen::filter {

// What a bound keyword reads. The prefix names the view: Trace = the summary (top level),
// Facts = one segment of a node (service body) or one call of an edge (edge body), Rc* = one
// element of a root cause.
enum class Field : uint8_t {
  // Boolean.
  kTraceOk,        // the root segment has no fault/error/throttle flag
  kTraceError,     // summary.has_error
  kTraceFault,     // summary.has_fault
  kTraceThrottle,  // summary.has_throttle (any segment)
  kTracePartial,   // summary.is_partial
  kTraceInferred,  // some node is inferred
  kFactsOk,
  kFactsError,
  kFactsFault,
  kFactsThrottle,
  kFactsPartial,  // in_progress
  kFactsRoot,
  kRcFirst,
  kRcLast,
  kRcServiceInferred,
  kRcEntityRemote,
  // Number (absent value: every comparison is false).
  kTraceResponseTime,
  kTraceDuration,
  kTraceHttpStatus,
  kFactsResponseTime,  // also `duration` in node and edge views
  kFactsHttpStatus,
  kRcIndex,  // 0-based position in its own list
  kRcEntityCoverage,
  // String (empty = not set; multi-valued fields are existential).
  kTraceHttpUrl,
  kTraceHttpMethod,
  kTraceHttpUserAgent,
  kTraceHttpClientIp,
  kTraceUser,              // every users[].user_name
  kTraceAvailabilityZone,  // every availability_zones[]
  kTraceInstanceId,        // every instance_ids[]
  kTraceResourceArn,       // every resource_arns[]
  kTraceAccountId,         // every service_ids[].account_id
  kFactsHttpUrl,
  kFactsHttpMethod,
  kFactsHttpUserAgent,
  kFactsHttpClientIp,
  kFactsUser,
  kFactsAvailabilityZone,
  kFactsInstanceId,
  kFactsResourceArn,
  kRcServiceName,  // the service's name and every alias in names
  kRcServiceType,
  kRcServiceAccountId,
  kRcEntityName,
  kRcExceptionName,
  kRcExceptionMessage,
};

// A bound service(...)/edge(...) argument; an unset part matches anything.
struct BoundSelector {
  std::optional<std::string> name;  // matches ServiceId.name or any of ServiceId.names
  std::optional<std::string> type;
  std::optional<std::string> account_id;
  bool Matches(const model::ServiceId& id) const;
};

// rootcause.json patterns (spec §7.4): a present field must match exactly, an absent one is a
// wildcard, arrays match positionally and must have the same length.
struct ExceptionPattern {
  std::optional<std::string> name;
  std::optional<std::string> message;
};
struct EntityPattern {
  std::optional<std::string> name;
  std::optional<double> coverage;
  std::optional<bool> remote;
  std::optional<std::vector<ExceptionPattern>> exceptions;
};
struct ServicePattern {
  std::optional<std::string> name;
  std::optional<std::vector<std::string>> names;
  std::optional<std::string> type;
  std::optional<std::string> account_id;
  std::optional<bool> inferred;
  std::optional<std::vector<EntityPattern>> entity_path;
};
struct RootCausePattern {
  std::optional<std::vector<ServicePattern>> services;
  std::optional<bool> client_impacting;
  bool Matches(const model::RootCause& cause) const;
};

// Parses the text of a `#[...]` literal (brackets included). `position` (1-based) is where the
// literal starts, for error messages.
Result<std::vector<RootCausePattern>> ParseRootCauseJson(std::string_view json, uint32_t position);

class CompiledPredicate {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;

  enum class Kind : uint8_t {
    kConst,             // `flag`
    kAnd,               // every operands()[begin, end) holds (nested ANDs are flattened)
    kOr,                // some operands()[begin, end) holds (nested ORs are flattened)
    kNot,               // NOT left
    kBool,              // field is true
    kNumber,            // field `op` number
    kStringSet,         // field is set (some non-empty value)
    kString,            // some value of field `op` text
    kAnnotationSet,     // annotations[key] has a value
    kAnnotationString,  // some string value of annotations[key] `op` text
    kAnnotationNumber,  // some number value `op` number
    kAnnotationBool,    // some bool value `op` flag (op is = or !=)
    kService,           // some node matching selector (kNone: any) [with a segment matching left]
    kEdge,              // some edge selector → selector2 [with a call matching left]
    kRootCause,         // some element of rc_kind/rc_level matching left
    kRootCauseJson,     // every pattern of patterns[pattern] matches some root cause
  };

  struct Node {
    Kind kind = Kind::kConst;
    Field field = Field::kTraceOk;
    CompareOp op = CompareOp::kEq;
    bool flag = false;
    RootCauseKind rc_kind = RootCauseKind::kFault;
    RootCauseLevel rc_level = RootCauseLevel::kService;
    uint32_t left = kNone;  // kNot: operand; kService/kEdge/kRootCause: body (kNone: none)
    uint32_t begin = 0;     // kAnd/kOr: operands()[begin, end)
    uint32_t end = 0;
    uint32_t selector = kNone;  // index into selectors()
    uint32_t selector2 = kNone;
    uint32_t pattern = kNone;  // index into patterns()
    double number = 0;
    std::string text = {};  // string literal
    std::string key = {};   // annotation key
  };

  // Binds `ast` (whose root must not be null). Group references are resolved through
  // options.groups and inlined.
  static Result<std::unique_ptr<CompiledPredicate>> Bind(const Ast& ast,
                                                         const CompileOptions& options);

  bool Matches(const model::TraceSummary& summary) const;

  // The tree, for the planner (filter.cc): nodes()[root()] is the whole predicate.
  const std::vector<Node>& nodes() const { return nodes_; }
  uint32_t root() const { return root_; }
  const std::vector<uint32_t>& operands() const { return operands_; }
  const std::vector<BoundSelector>& selectors() const { return selectors_; }

  struct Scope;  // what the keywords of one view read (binder.cc)

 private:
  friend class Binder;

  bool Eval(uint32_t index, const Scope& scope) const;
  bool EvalRootCause(const Node& node, const model::TraceSummary& summary) const;

  std::vector<Node> nodes_;
  uint32_t root_ = kNone;
  std::vector<uint32_t> operands_;
  std::vector<BoundSelector> selectors_;
  std::vector<std::vector<RootCausePattern>> patterns_;
};

}  // namespace roentgen::filter
