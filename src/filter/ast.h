// filter/ast.h — the syntax tree of an X-Ray filter expression, as the parser produces it: every
// node keeps the source range it came from so later passes can point at the offending text.
// Keywords are resolved by spelling only; whether a keyword is allowed where it stands (a node
// view, a root-cause body, ...) and whether its operator fits its type is the binder's job.
// Grammar and semantics: ../shared/spec/filter-expressions.md §3–§8.
// Thread-safety: a value.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace roentgen::filter {

// Byte offsets into the expression text, [begin, end).
struct SourceRange {
  uint32_t begin = 0;
  uint32_t end = 0;
  bool operator==(const SourceRange&) const = default;
};

enum class KeywordType : uint8_t { kBool, kNumber, kString };

enum class Keyword : uint8_t {
  // Boolean.
  kOk,
  kError,
  kFault,
  kThrottle,
  kPartial,
  kInferred,
  kRoot,
  kFirst,
  kLast,
  kRemote,
  // Number.
  kResponseTime,
  kDuration,
  kHttpStatus,
  kIndex,
  kCoverage,
  // String.
  kHttpUrl,
  kHttpMethod,
  kHttpUserAgent,
  kHttpClientIp,
  kUser,
  kName,
  kType,
  kMessage,
  kAvailabilityZone,
  kInstanceId,
  kResourceArn,
  kAccountId,
};

KeywordType TypeOf(Keyword keyword);
// The canonical (lower-case) spelling, e.g. "http.status".
std::string_view SpellingOf(Keyword keyword);

enum class CompareOp : uint8_t {
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,
  kContains,
  kBeginsWith,
  kEndsWith,
};
std::string_view SpellingOf(CompareOp op);  // "=", "CONTAINS", ...

using Literal = std::variant<std::string, double, bool>;

struct Comparison {
  CompareOp op = CompareOp::kEq;
  SourceRange op_range;
  Literal value;
  SourceRange value_range;
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

// `ok`, `http.status >= 500`, `http.url` (bare: is set / is true).
struct KeywordTerm {
  Keyword keyword = Keyword::kOk;
  std::optional<Comparison> comparison;  // absent: the bare form
};

// `annotation.KEY`, `annotation[KEY]`, `annotation["KEY"]`, with or without a comparison.
struct AnnotationTerm {
  std::string key;
  std::optional<Comparison> comparison;
};

// A node in service(...) / edge(...): a plain name "x" or id(name: , type: , account.id: ).
struct NodeSelector {
  std::optional<std::string> name;
  std::optional<std::string> type;
  std::optional<std::string> account_id;
  bool is_id_call = false;
  SourceRange range;
};

// `service()`, `service("x")`, `service(id(...))`, each optionally with `{ body }`.
struct ServiceTerm {
  std::optional<NodeSelector> selector;  // absent: service() — every node
  ExprPtr body;                          // null: no body
};

// `edge(a, b)` optionally with `{ body }`.
struct EdgeTerm {
  NodeSelector source;
  NodeSelector destination;
  ExprPtr body;  // null: no body
};

enum class RootCauseKind : uint8_t { kFault, kError, kResponseTime };
enum class RootCauseLevel : uint8_t { kService, kEntity, kException };

std::string_view SpellingOf(RootCauseKind kind);    // "fault", "error", "responsetime"
std::string_view SpellingOf(RootCauseLevel level);  // "service", "entity", "exception"

// `rootcause.<kind>.<level> { body }`.
struct RootCauseTerm {
  RootCauseKind kind = RootCauseKind::kFault;
  RootCauseLevel level = RootCauseLevel::kService;
  ExprPtr body;  // never null
};

// `rootcause.json = #[ ... ]`: `json` is the array text including its brackets, as written.
struct RootCauseJsonTerm {
  std::string json;
  SourceRange json_range;
};

// `group.name = "x"` / `group.arn = "arn:..."`.
struct GroupTerm {
  bool by_arn = false;
  std::string value;
};

struct NotExpr {
  ExprPtr operand;
};

// Left-associative binary operators; juxtaposition parses as And.
struct AndExpr {
  ExprPtr left;
  ExprPtr right;
};
struct OrExpr {
  ExprPtr left;
  ExprPtr right;
};

struct Expr {
  SourceRange range;
  std::variant<KeywordTerm, AnnotationTerm, ServiceTerm, EdgeTerm, RootCauseTerm, RootCauseJsonTerm,
               GroupTerm, NotExpr, AndExpr, OrExpr>
      node;
};

// A parsed expression; `root` is null for an empty (all-whitespace) expression, which matches
// every trace.
struct Ast {
  std::string text;  // the expression as given, which the source ranges point into
  ExprPtr root;
};

// A canonical S-expression of `expr` for tests and debugging, e.g.
// `(OR fault (AND error (! throttle)))`, `(>= http.status 500)`, `(service "x" {fault})`.
// Keywords print in their canonical spelling, operators as SpellingOf(CompareOp), strings quoted
// with `"` and `\` escaped, numbers in their shortest round-trip form.
std::string ToDebugString(const Expr& expr);

}  // namespace roentgen::filter
