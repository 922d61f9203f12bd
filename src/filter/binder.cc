#include "filter/binder.h"

#include <simdjson.h>

#include <string>
#include <string_view>
#include <utility>

#include "filter/lexer.h"
#include "filter/parser.h"

namespace roentgen::filter {
namespace {

namespace dom = simdjson::dom;

using Node = CompiledPredicate::Node;
using Kind = CompiledPredicate::Kind;

// Deeper group.name → group.name chains are refused (a cycle is refused at any depth).
constexpr size_t kMaxGroupDepth = 8;

// Where a keyword stands.
enum class View : uint8_t { kTrace, kNode, kEdge, kRcService, kRcEntity, kRcException };

struct Context {
  View view = View::kTrace;
  RootCauseKind kind = RootCauseKind::kFault;  // root-cause views only
};

Status ErrorAt(uint32_t offset, std::string_view message) {
  return Status::InvalidArgument("position " + std::to_string(offset + 1) + ": " +
                                 std::string(message));
}

std::string ViewName(Context context) {
  switch (context.view) {
    case View::kTrace:
      return "at the top level";
    case View::kNode:
      return "inside service() { }";
    case View::kEdge:
      return "inside edge() { }";
    case View::kRcService:
      return "inside rootcause." + std::string(SpellingOf(context.kind)) + ".service { }";
    case View::kRcEntity:
      return "inside rootcause." + std::string(SpellingOf(context.kind)) + ".entity { }";
    case View::kRcException:
      return "inside rootcause." + std::string(SpellingOf(context.kind)) + ".exception { }";
  }
  return "?";
}

// The accessor `keyword` resolves to in `context`, or nullopt if it is not valid there.
std::optional<Field> FieldFor(Keyword keyword, Context context) {
  switch (context.view) {
    case View::kTrace:
      switch (keyword) {
        case Keyword::kOk:
          return Field::kTraceOk;
        case Keyword::kError:
          return Field::kTraceError;
        case Keyword::kFault:
          return Field::kTraceFault;
        case Keyword::kThrottle:
          return Field::kTraceThrottle;
        case Keyword::kPartial:
          return Field::kTracePartial;
        case Keyword::kInferred:
          return Field::kTraceInferred;
        case Keyword::kResponseTime:
          return Field::kTraceResponseTime;
        case Keyword::kDuration:
          return Field::kTraceDuration;
        case Keyword::kHttpStatus:
          return Field::kTraceHttpStatus;
        case Keyword::kHttpUrl:
          return Field::kTraceHttpUrl;
        case Keyword::kHttpMethod:
          return Field::kTraceHttpMethod;
        case Keyword::kHttpUserAgent:
          return Field::kTraceHttpUserAgent;
        case Keyword::kHttpClientIp:
          return Field::kTraceHttpClientIp;
        case Keyword::kUser:
          return Field::kTraceUser;
        case Keyword::kAvailabilityZone:
          return Field::kTraceAvailabilityZone;
        case Keyword::kInstanceId:
          return Field::kTraceInstanceId;
        case Keyword::kResourceArn:
          return Field::kTraceResourceArn;
        case Keyword::kAccountId:
          return Field::kTraceAccountId;
        default:
          return std::nullopt;
      }
    case View::kNode:
      switch (keyword) {
        case Keyword::kPartial:
          return Field::kFactsPartial;
        case Keyword::kRoot:
          return Field::kFactsRoot;
        case Keyword::kUser:
          return Field::kFactsUser;
        case Keyword::kAvailabilityZone:
          return Field::kFactsAvailabilityZone;
        case Keyword::kInstanceId:
          return Field::kFactsInstanceId;
        case Keyword::kResourceArn:
          return Field::kFactsResourceArn;
        case Keyword::kHttpUserAgent:
          return Field::kFactsHttpUserAgent;
        case Keyword::kHttpClientIp:
          return Field::kFactsHttpClientIp;
        default:
          break;
      }
      [[fallthrough]];  // ... and everything the edge view has
    case View::kEdge:
      switch (keyword) {
        case Keyword::kOk:
          return Field::kFactsOk;
        case Keyword::kError:
          return Field::kFactsError;
        case Keyword::kFault:
          return Field::kFactsFault;
        case Keyword::kThrottle:
          return Field::kFactsThrottle;
        case Keyword::kResponseTime:
          return Field::kFactsResponseTime;
        case Keyword::kDuration:
          return Field::kFactsResponseTime;
        case Keyword::kHttpStatus:
          return Field::kFactsHttpStatus;
        case Keyword::kHttpUrl:
          return Field::kFactsHttpUrl;
        case Keyword::kHttpMethod:
          return Field::kFactsHttpMethod;
        default:  // http.useragent / http.clientip describe a served request, not a call
          return std::nullopt;
      }
    case View::kRcService:
    case View::kRcEntity:
    case View::kRcException:
      switch (keyword) {
        case Keyword::kFirst:
          return Field::kRcFirst;
        case Keyword::kLast:
          return Field::kRcLast;
        case Keyword::kIndex:
          return Field::kRcIndex;
        default:
          break;
      }
      if (context.view == View::kRcService) {
        switch (keyword) {
          case Keyword::kName:
            return Field::kRcServiceName;
          case Keyword::kType:
            return Field::kRcServiceType;
          case Keyword::kAccountId:
            return Field::kRcServiceAccountId;
          case Keyword::kInferred:
            return Field::kRcServiceInferred;
          default:
            return std::nullopt;
        }
      }
      if (context.view == View::kRcEntity) {
        switch (keyword) {
          case Keyword::kName:
            return Field::kRcEntityName;
          case Keyword::kRemote:
            return Field::kRcEntityRemote;
          case Keyword::kCoverage:
            if (context.kind != RootCauseKind::kResponseTime) return std::nullopt;
            return Field::kRcEntityCoverage;
          default:
            return std::nullopt;
        }
      }
      switch (keyword) {
        case Keyword::kName:
          return Field::kRcExceptionName;
        case Keyword::kMessage:
          return Field::kRcExceptionMessage;
        default:
          return std::nullopt;
      }
  }
  return std::nullopt;
}

// "it is valid inside service() { } and inside edge() { }" — for a keyword refused here.
std::string WhereValid(Keyword keyword) {
  std::vector<std::string> places;
  for (View view : {View::kTrace, View::kNode, View::kEdge}) {
    if (FieldFor(keyword, {view}).has_value()) places.push_back(ViewName({view}));
  }
  if (keyword == Keyword::kCoverage) {
    places.push_back("inside rootcause.responsetime.entity { }");
  } else {
    for (View view : {View::kRcService, View::kRcEntity, View::kRcException}) {
      if (FieldFor(keyword, {view, RootCauseKind::kFault}).has_value()) {
        places.push_back(ViewName({view, RootCauseKind::kFault}));
        places.back().replace(places.back().find(".fault."), 7, ".<kind>.");
      }
    }
  }
  std::string out;
  for (size_t i = 0; i < places.size(); ++i) {
    if (i > 0) out += i + 1 == places.size() ? " and " : ", ";
    out += places[i];
  }
  return out;
}

bool IsNumberOp(CompareOp op) {
  return op != CompareOp::kContains && op != CompareOp::kBeginsWith && op != CompareOp::kEndsWith;
}
bool IsStringOp(CompareOp op) {
  return op == CompareOp::kEq || op == CompareOp::kNe || !IsNumberOp(op);
}
bool IsBoolOp(CompareOp op) { return op == CompareOp::kEq || op == CompareOp::kNe; }

constexpr std::string_view kNumberOps = "=, !=, <, <=, > or >=";
constexpr std::string_view kStringOps = "=, !=, CONTAINS, BEGINSWITH or ENDSWITH";
constexpr std::string_view kBoolOps = "= or !=";

std::string_view TypeName(const Literal& literal) {
  if (std::holds_alternative<std::string>(literal)) return "string";
  if (std::holds_alternative<double>(literal)) return "number";
  return "boolean";
}

// Pre-parsed rootcause.json: reads one JSON object's fields into a pattern.
class JsonReader {
 public:
  explicit JsonReader(uint32_t position) : position_(position) {}

  Status Error(std::string_view message) const {
    return ErrorAt(position_ - 1, "rootcause.json: " + std::string(message));
  }

  Status String(dom::element element, std::string_view field, std::optional<std::string>* out) {
    std::string_view value;
    if (element.get_string().get(value) != simdjson::SUCCESS) {
      return Error("\"" + std::string(field) + "\" must be a string");
    }
    *out = std::string(value);
    return Status::Ok();
  }
  Status Bool(dom::element element, std::string_view field, std::optional<bool>* out) {
    bool value = false;
    if (element.get_bool().get(value) != simdjson::SUCCESS) {
      return Error("\"" + std::string(field) + "\" must be true or false");
    }
    *out = value;
    return Status::Ok();
  }
  Status Number(dom::element element, std::string_view field, std::optional<double>* out) {
    double value = 0;
    if (element.get_double().get(value) != simdjson::SUCCESS) {
      return Error("\"" + std::string(field) + "\" must be a number");
    }
    *out = value;
    return Status::Ok();
  }
  // `parse_one(object, &item)` for every element, each of which must be an object.
  template <typename T, typename ParseOne>
  Status Objects(dom::element element, std::string_view field, ParseOne parse_one,
                 std::optional<std::vector<T>>* out) {
    dom::array array;
    if (element.get_array().get(array) != simdjson::SUCCESS) {
      return Error("\"" + std::string(field) + "\" must be an array of objects");
    }
    out->emplace();
    for (dom::element item : array) {
      dom::object object;
      if (item.get_object().get(object) != simdjson::SUCCESS) {
        return Error("\"" + std::string(field) + "\" must be an array of objects");
      }
      RETURN_IF_ERROR(parse_one(object, &(*out)->emplace_back()));
    }
    return Status::Ok();
  }

  Status ParseException(dom::object object, ExceptionPattern* out) {
    for (dom::key_value_pair field : object) {
      if (field.key == "Name") {
        RETURN_IF_ERROR(String(field.value, field.key, &out->name));
      } else if (field.key == "Message") {
        RETURN_IF_ERROR(String(field.value, field.key, &out->message));
      } else {
        return Unknown(field.key, "an exception", "Name, Message");
      }
    }
    return Status::Ok();
  }
  Status ParseEntity(dom::object object, EntityPattern* out) {
    for (dom::key_value_pair field : object) {
      if (field.key == "Name") {
        RETURN_IF_ERROR(String(field.value, field.key, &out->name));
      } else if (field.key == "Coverage") {
        RETURN_IF_ERROR(Number(field.value, field.key, &out->coverage));
      } else if (field.key == "Remote") {
        RETURN_IF_ERROR(Bool(field.value, field.key, &out->remote));
      } else if (field.key == "Exceptions") {
        RETURN_IF_ERROR(Objects(
            field.value, field.key,
            [this](dom::object o, ExceptionPattern* e) { return ParseException(o, e); },
            &out->exceptions));
      } else {
        return Unknown(field.key, "an entity", "Name, Coverage, Remote, Exceptions");
      }
    }
    return Status::Ok();
  }
  Status ParseService(dom::object object, ServicePattern* out) {
    for (dom::key_value_pair field : object) {
      if (field.key == "Name") {
        RETURN_IF_ERROR(String(field.value, field.key, &out->name));
      } else if (field.key == "Names") {
        dom::array array;
        if (field.value.get_array().get(array) != simdjson::SUCCESS) {
          return Error("\"Names\" must be an array of strings");
        }
        out->names.emplace();
        for (dom::element item : array) {
          std::string_view name;
          if (item.get_string().get(name) != simdjson::SUCCESS) {
            return Error("\"Names\" must be an array of strings");
          }
          out->names->emplace_back(name);
        }
      } else if (field.key == "Type") {
        RETURN_IF_ERROR(String(field.value, field.key, &out->type));
      } else if (field.key == "AccountId") {
        RETURN_IF_ERROR(String(field.value, field.key, &out->account_id));
      } else if (field.key == "Inferred") {
        RETURN_IF_ERROR(Bool(field.value, field.key, &out->inferred));
      } else if (field.key == "EntityPath") {
        RETURN_IF_ERROR(Objects(
            field.value, field.key,
            [this](dom::object o, EntityPattern* e) { return ParseEntity(o, e); },
            &out->entity_path));
      } else {
        return Unknown(field.key, "a service",
                       "Name, Names, Type, AccountId, Inferred, EntityPath");
      }
    }
    return Status::Ok();
  }
  Status ParseRootCause(dom::object object, RootCausePattern* out) {
    for (dom::key_value_pair field : object) {
      if (field.key == "Services") {
        RETURN_IF_ERROR(Objects(
            field.value, field.key,
            [this](dom::object o, ServicePattern* s) { return ParseService(o, s); },
            &out->services));
      } else if (field.key == "ClientImpacting") {
        RETURN_IF_ERROR(Bool(field.value, field.key, &out->client_impacting));
      } else {
        return Unknown(field.key, "a root cause", "Services, ClientImpacting");
      }
    }
    return Status::Ok();
  }

 private:
  Status Unknown(std::string_view field, std::string_view where, std::string_view expected) {
    return Error("unknown field \"" + std::string(field) + "\" in " + std::string(where) +
                 " (expected " + std::string(expected) + ")");
  }

  uint32_t position_;
};

template <typename T, typename Match>
bool AllMatch(const std::vector<T>& patterns, const auto& values, Match match) {
  if (patterns.size() != values.size()) return false;
  for (size_t i = 0; i < patterns.size(); ++i) {
    if (!match(patterns[i], values[i])) return false;
  }
  return true;
}

bool ExceptionMatches(const ExceptionPattern& p, const model::RootCauseException& e) {
  return (!p.name || *p.name == e.name) && (!p.message || *p.message == e.message);
}

bool EntityMatches(const EntityPattern& p, const model::RootCauseEntity& e) {
  if (p.name && *p.name != e.name) return false;
  if (p.coverage && (!e.coverage || *p.coverage != *e.coverage)) return false;
  if (p.remote && *p.remote != e.remote) return false;
  return !p.exceptions || AllMatch(*p.exceptions, e.exceptions, ExceptionMatches);
}

bool ServiceMatches(const ServicePattern& p, const model::RootCauseService& s) {
  if (p.name && *p.name != s.name) return false;
  if (p.names && *p.names != s.names) return false;
  if (p.type && *p.type != s.type) return false;
  if (p.account_id && *p.account_id != s.account_id) return false;
  if (p.inferred && *p.inferred != s.inferred) return false;
  return !p.entity_path || AllMatch(*p.entity_path, s.entity_path, EntityMatches);
}

bool CompareNumber(CompareOp op, double value, double literal) {
  switch (op) {
    case CompareOp::kEq:
      return value == literal;
    case CompareOp::kNe:
      return value != literal;
    case CompareOp::kLt:
      return value < literal;
    case CompareOp::kLe:
      return value <= literal;
    case CompareOp::kGt:
      return value > literal;
    case CompareOp::kGe:
      return value >= literal;
    default:
      return false;  // the binder never makes these
  }
}

bool CompareString(CompareOp op, std::string_view value, std::string_view literal) {
  switch (op) {
    case CompareOp::kEq:
      return value == literal;
    case CompareOp::kNe:
      return value != literal;
    case CompareOp::kContains:
      return value.find(literal) != std::string_view::npos;
    case CompareOp::kBeginsWith:
      return value.starts_with(literal);
    case CompareOp::kEndsWith:
      return value.ends_with(literal);
    default:
      return false;  // the binder never makes these
  }
}

bool FactsOk(const model::EntityFacts& facts) {
  return !facts.fault && !facts.error && !facts.throttle;
}

// The root segment's facts, or null when no node holds one.
const model::EntityFacts* RootFacts(const model::TraceSummary& summary) {
  for (const model::TraceNode& node : summary.nodes) {
    for (const model::EntityFacts& segment : node.segments) {
      if (segment.root) return &segment;
    }
  }
  return nullptr;
}

const std::string* HttpString(const std::optional<model::HttpInfo>& http,
                              std::string model::HttpInfo::*member) {
  return http.has_value() ? &((*http).*member) : nullptr;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Patterns and selectors.

bool BoundSelector::Matches(const model::ServiceId& id) const {
  if (type && *type != id.type) return false;
  if (account_id && *account_id != id.account_id) return false;
  if (!name || *name == id.name) return true;
  for (const std::string& alias : id.names) {
    if (alias == *name) return true;
  }
  return false;
}

bool RootCausePattern::Matches(const model::RootCause& cause) const {
  if (client_impacting && *client_impacting != cause.client_impacting) return false;
  return !services || AllMatch(*services, cause.services, ServiceMatches);
}

Result<std::vector<RootCausePattern>> ParseRootCauseJson(std::string_view json, uint32_t position) {
  JsonReader reader(position);
  dom::parser parser;
  const simdjson::padded_string padded(json);
  dom::element root;
  const simdjson::error_code error = parser.parse(padded).get(root);
  if (error != simdjson::SUCCESS) {
    return reader.Error(std::string("not valid JSON (") + simdjson::error_message(error) + ")");
  }
  dom::array array;
  if (root.get_array().get(array) != simdjson::SUCCESS) {
    return reader.Error("expected a JSON array of root-cause objects");
  }
  std::vector<RootCausePattern> patterns;
  for (dom::element item : array) {
    dom::object object;
    if (item.get_object().get(object) != simdjson::SUCCESS) {
      return reader.Error("expected a JSON array of root-cause objects");
    }
    RETURN_IF_ERROR(reader.ParseRootCause(object, &patterns.emplace_back()));
  }
  if (patterns.empty()) return reader.Error("expected at least one root-cause object");
  return patterns;
}

// ---------------------------------------------------------------------------------------------
// Binding.

class Binder {
 public:
  Binder(CompiledPredicate* out, std::string_view text, const CompileOptions& options,
         std::vector<GroupReference>* groups)
      : out_(*out), text_(text), options_(options), groups_(*groups) {}

  Result<uint32_t> Bind(const Expr& expr, Context context) {
    const uint32_t at = expr.range.begin;
    if (const auto* term = std::get_if<KeywordTerm>(&expr.node)) {
      return BindKeyword(*term, at, context);
    }
    if (const auto* term = std::get_if<AnnotationTerm>(&expr.node)) {
      return BindAnnotation(*term, at, context);
    }
    if (const auto* term = std::get_if<ServiceTerm>(&expr.node)) {
      RETURN_IF_ERROR(TopLevelOnly("service()", at, context));
      Node node{.kind = Kind::kService};
      if (term->selector) node.selector = AddSelector(*term->selector);
      if (term->body) {
        ASSIGN_OR_RETURN(node.left, Bind(*term->body, {View::kNode}));
      }
      return Add(std::move(node));
    }
    if (const auto* term = std::get_if<EdgeTerm>(&expr.node)) {
      RETURN_IF_ERROR(TopLevelOnly("edge()", at, context));
      Node node{.kind = Kind::kEdge};
      node.selector = AddSelector(term->source);
      node.selector2 = AddSelector(term->destination);
      if (term->body) {
        ASSIGN_OR_RETURN(node.left, Bind(*term->body, {View::kEdge}));
      }
      return Add(std::move(node));
    }
    if (const auto* term = std::get_if<RootCauseTerm>(&expr.node)) {
      return BindRootCause(*term, at, context);
    }
    if (const auto* term = std::get_if<RootCauseJsonTerm>(&expr.node)) {
      RETURN_IF_ERROR(TopLevelOnly("rootcause.json", at, context));
      ASSIGN_OR_RETURN(std::vector<RootCausePattern> patterns,
                       ParseRootCauseJson(term->json, term->json_range.begin + 1));
      out_.patterns_.push_back(std::move(patterns));
      return Add(Node{.kind = Kind::kRootCauseJson,
                      .pattern = static_cast<uint32_t>(out_.patterns_.size() - 1)});
    }
    if (const auto* term = std::get_if<GroupTerm>(&expr.node)) {
      return BindGroup(*term, at, context);
    }
    if (const auto* term = std::get_if<NotExpr>(&expr.node)) {
      ASSIGN_OR_RETURN(const uint32_t operand, Bind(*term->operand, context));
      return Add(Node{.kind = Kind::kNot, .left = operand});
    }
    const bool is_and = std::holds_alternative<AndExpr>(expr.node);
    CHECK(is_and || std::holds_alternative<OrExpr>(expr.node)) << "unknown Expr alternative";
    return BindJunction(expr, is_and, context);
  }

 private:
  uint32_t Add(Node node) {
    out_.nodes_.push_back(std::move(node));
    return static_cast<uint32_t>(out_.nodes_.size() - 1);
  }

  uint32_t AddSelector(const NodeSelector& selector) {
    out_.selectors_.push_back({selector.name, selector.type, selector.account_id});
    return static_cast<uint32_t>(out_.selectors_.size() - 1);
  }

  std::string_view Source(SourceRange range) const {
    if (range.begin > range.end || range.end > text_.size()) return "";
    return text_.substr(range.begin, range.end - range.begin);
  }

  // `string "500"`, `number 1`, `boolean true`: the literal, short and printable.
  std::string Describe(const Comparison& comparison) const {
    std::string out(TypeName(comparison.value));
    if (const auto* text = std::get_if<std::string>(&comparison.value)) {
      return out + " " + QuoteForMessage(*text);
    }
    if (const auto* flag = std::get_if<bool>(&comparison.value)) {
      return out + (*flag ? " true" : " false");
    }
    return out + " " + std::string(Source(comparison.value_range).substr(0, 40));
  }

  Status TopLevelOnly(std::string_view what, uint32_t at, Context context) const {
    if (context.view == View::kTrace) return Status::Ok();
    return ErrorAt(at, std::string(what) + " is not valid " + ViewName(context) +
                           "; it is valid only at the top level");
  }

  // `a AND b AND c` is one node with three operands (the parser's left-deep chain is walked
  // without recursion, so a long chain cannot exhaust the stack).
  Result<uint32_t> BindJunction(const Expr& expr, bool is_and, Context context) {
    std::vector<const Expr*> pending = {&expr};
    std::vector<const Expr*> leaves;
    while (!pending.empty()) {
      const Expr* e = pending.back();
      pending.pop_back();
      const ExprPtr* left = nullptr;
      const ExprPtr* right = nullptr;
      if (is_and) {
        if (const auto* a = std::get_if<AndExpr>(&e->node)) left = &a->left, right = &a->right;
      } else {
        if (const auto* o = std::get_if<OrExpr>(&e->node)) left = &o->left, right = &o->right;
      }
      if (left == nullptr) {
        leaves.push_back(e);
        continue;
      }
      pending.push_back(right->get());  // popped after left: source order is kept
      pending.push_back(left->get());
    }
    std::vector<uint32_t> operands;
    operands.reserve(leaves.size());
    for (const Expr* leaf : leaves) {
      ASSIGN_OR_RETURN(const uint32_t operand, Bind(*leaf, context));
      operands.push_back(operand);
    }
    Node node{.kind = is_and ? Kind::kAnd : Kind::kOr};
    node.begin = static_cast<uint32_t>(out_.operands_.size());
    out_.operands_.insert(out_.operands_.end(), operands.begin(), operands.end());
    node.end = static_cast<uint32_t>(out_.operands_.size());
    return Add(std::move(node));
  }

  Result<uint32_t> BindKeyword(const KeywordTerm& term, uint32_t at, Context context) {
    const std::string spelling(SpellingOf(term.keyword));
    const std::optional<Field> field = FieldFor(term.keyword, context);
    if (!field.has_value()) {
      return ErrorAt(at, "\"" + spelling + "\" is not valid " + ViewName(context) +
                             "; it is valid " + WhereValid(term.keyword));
    }
    const KeywordType type = TypeOf(term.keyword);
    if (!term.comparison.has_value()) {
      if (type == KeywordType::kNumber) {
        return ErrorAt(at, "\"" + spelling + "\" is a number keyword; expected " +
                               std::string(kNumberOps) + " and a number after it");
      }
      return Add(Node{.kind = type == KeywordType::kBool ? Kind::kBool : Kind::kStringSet,
                      .field = *field});
    }
    const Comparison& comparison = *term.comparison;
    const auto bad_op = [&](std::string_view type_name, std::string_view ops) {
      return ErrorAt(comparison.op_range.begin,
                     "operator \"" + std::string(SpellingOf(comparison.op)) +
                         "\" is not valid for " + std::string(type_name) + " keyword \"" +
                         spelling + "\"; expected " + std::string(ops));
    };
    const auto bad_literal = [&](std::string_view expected) {
      return ErrorAt(comparison.value_range.begin, "\"" + spelling + "\" compares with " +
                                                       std::string(expected) + ", found " +
                                                       Describe(comparison));
    };
    switch (type) {
      case KeywordType::kBool: {
        if (!IsBoolOp(comparison.op)) return bad_op("boolean", kBoolOps);
        const bool* literal = std::get_if<bool>(&comparison.value);
        if (literal == nullptr) return bad_literal("true or false");
        const uint32_t node = Add(Node{.kind = Kind::kBool, .field = *field});
        // `kw = false` and `kw != true` are `!kw`.
        if ((comparison.op == CompareOp::kEq) == *literal) return node;
        return Add(Node{.kind = Kind::kNot, .left = node});
      }
      case KeywordType::kNumber: {
        if (!IsNumberOp(comparison.op)) return bad_op("number", kNumberOps);
        const double* literal = std::get_if<double>(&comparison.value);
        if (literal == nullptr) return bad_literal("a number");
        return Add(
            Node{.kind = Kind::kNumber, .field = *field, .op = comparison.op, .number = *literal});
      }
      case KeywordType::kString: {
        if (!IsStringOp(comparison.op)) return bad_op("string", kStringOps);
        const std::string* literal = std::get_if<std::string>(&comparison.value);
        if (literal == nullptr) return bad_literal("a string");
        return Add(
            Node{.kind = Kind::kString, .field = *field, .op = comparison.op, .text = *literal});
      }
    }
    return Status::Internal("unknown keyword type");
  }

  Result<uint32_t> BindAnnotation(const AnnotationTerm& term, uint32_t at, Context context) {
    if (context.view != View::kTrace) {
      return ErrorAt(at, "annotations are not valid " + ViewName(context) +
                             "; they are valid only at the top level");
    }
    if (!term.comparison.has_value()) {
      return Add(Node{.kind = Kind::kAnnotationSet, .key = term.key});
    }
    const Comparison& comparison = *term.comparison;
    const auto bad_op = [&](std::string_view type_name, std::string_view ops) {
      return ErrorAt(comparison.op_range.begin,
                     "operator \"" + std::string(SpellingOf(comparison.op)) +
                         "\" cannot compare an annotation with a " + std::string(type_name) +
                         "; a " + std::string(type_name) + " takes " + std::string(ops));
    };
    Node node{.op = comparison.op, .key = term.key};
    if (const auto* text = std::get_if<std::string>(&comparison.value)) {
      if (!IsStringOp(comparison.op)) return bad_op("string", kStringOps);
      node.kind = Kind::kAnnotationString;
      node.text = *text;
    } else if (const auto* number = std::get_if<double>(&comparison.value)) {
      if (!IsNumberOp(comparison.op)) return bad_op("number", kNumberOps);
      node.kind = Kind::kAnnotationNumber;
      node.number = *number;
    } else {
      if (!IsBoolOp(comparison.op)) return bad_op("boolean", kBoolOps);
      node.kind = Kind::kAnnotationBool;
      node.flag = std::get<bool>(comparison.value);
    }
    return Add(std::move(node));
  }

  Result<uint32_t> BindRootCause(const RootCauseTerm& term, uint32_t at, Context context) {
    const std::string name = "rootcause." + std::string(SpellingOf(term.kind)) + "." +
                             std::string(SpellingOf(term.level));
    RETURN_IF_ERROR(TopLevelOnly(name, at, context));
    if (term.kind == RootCauseKind::kResponseTime && term.level == RootCauseLevel::kException) {
      return ErrorAt(at, name +
                             " does not exist: response-time root causes have no exceptions "
                             "(expected rootcause.responsetime.service or .entity)");
    }
    CHECK(term.body != nullptr) << "a root-cause term without a body";
    const View view = term.level == RootCauseLevel::kService  ? View::kRcService
                      : term.level == RootCauseLevel::kEntity ? View::kRcEntity
                                                              : View::kRcException;
    ASSIGN_OR_RETURN(const uint32_t body, Bind(*term.body, {view, term.kind}));
    return Add(
        Node{.kind = Kind::kRootCause, .rc_kind = term.kind, .rc_level = term.level, .left = body});
  }

  Result<uint32_t> BindGroup(const GroupTerm& term, uint32_t at, Context context) {
    const std::string what =
        std::string(term.by_arn ? "group.arn" : "group.name") + " = " + QuoteForMessage(term.value);
    RETURN_IF_ERROR(TopLevelOnly(what, at, context));
    for (const GroupReference& outer : groups_) {
      if (outer.by_arn == term.by_arn && outer.value == term.value) {
        return ErrorAt(at, what + " refers to itself (through its own filter expression)");
      }
    }
    if (groups_.size() >= kMaxGroupDepth) {
      return ErrorAt(at, what + ": groups refer to groups more than " +
                             std::to_string(kMaxGroupDepth) + " levels deep");
    }
    GroupReference reference{term.by_arn, term.value};
    std::optional<std::string> expression;
    if (options_.groups) expression = options_.groups(reference);
    if (!expression.has_value()) return ErrorAt(at, what + ": no such group");

    const auto wrap = [&](const Status& status) {
      return ErrorAt(at, what + ": the group's filter expression is invalid: " + status.message());
    };
    Result<Ast> ast = ParseFilter(*expression);
    if (!ast.ok()) return wrap(ast.status());
    if (ast->root == nullptr) return Add(Node{.kind = Kind::kConst, .flag = true});
    groups_.push_back(std::move(reference));
    Binder inner(&out_, ast->text, options_, &groups_);
    Result<uint32_t> bound = inner.Bind(*ast->root, context);
    groups_.pop_back();
    // Wrapped once per group on the way down, so the message names the whole chain.
    if (!bound.ok()) return wrap(bound.status());
    return bound;
  }

  CompiledPredicate& out_;
  std::string_view text_;
  const CompileOptions& options_;
  std::vector<GroupReference>& groups_;  // the group references being inlined, outermost first
};

Result<std::unique_ptr<CompiledPredicate>> CompiledPredicate::Bind(const Ast& ast,
                                                                   const CompileOptions& options) {
  CHECK(ast.root != nullptr) << "binding an empty expression";
  auto predicate = std::make_unique<CompiledPredicate>();
  std::vector<GroupReference> groups;
  Binder binder(predicate.get(), ast.text, options, &groups);
  ASSIGN_OR_RETURN(predicate->root_, binder.Bind(*ast.root, {View::kTrace}));
  return predicate;
}

// ---------------------------------------------------------------------------------------------
// Evaluation.

// What the keywords of the current view read; only the members of that view are set.
struct CompiledPredicate::Scope {
  const model::TraceSummary* trace = nullptr;
  const model::EntityFacts* facts = nullptr;  // node and edge views
  const model::RootCauseService* service = nullptr;
  const model::RootCauseEntity* entity = nullptr;
  const model::RootCauseException* exception = nullptr;
  uint32_t index = 0;  // position of the root-cause element in its own list
  uint32_t count = 0;  // that list's length
};

namespace {

using Scope = CompiledPredicate::Scope;

bool BoolOf(Field field, const Scope& scope) {
  switch (field) {
    case Field::kTraceOk: {
      const model::EntityFacts* root = RootFacts(*scope.trace);
      if (root != nullptr) return FactsOk(*root);
      const model::TraceSummary& t = *scope.trace;
      return !t.has_fault && !t.has_error && !t.has_throttle;
    }
    case Field::kTraceError:
      return scope.trace->has_error;
    case Field::kTraceFault:
      return scope.trace->has_fault;
    case Field::kTraceThrottle:
      return scope.trace->has_throttle;
    case Field::kTracePartial:
      return scope.trace->is_partial;
    case Field::kTraceInferred:
      for (const model::TraceNode& node : scope.trace->nodes) {
        if (node.inferred) return true;
      }
      return false;
    case Field::kFactsOk:
      return FactsOk(*scope.facts);
    case Field::kFactsError:
      return scope.facts->error;
    case Field::kFactsFault:
      return scope.facts->fault;
    case Field::kFactsThrottle:
      return scope.facts->throttle;
    case Field::kFactsPartial:
      return scope.facts->in_progress;
    case Field::kFactsRoot:
      return scope.facts->root;
    case Field::kRcFirst:
      return scope.index == 0;
    case Field::kRcLast:
      return scope.index + 1 == scope.count;
    case Field::kRcServiceInferred:
      return scope.service->inferred;
    case Field::kRcEntityRemote:
      return scope.entity->remote;
    default:
      return false;
  }
}

std::optional<double> NumberOf(Field field, const Scope& scope) {
  const auto status = [](const std::optional<model::HttpInfo>& http) -> std::optional<double> {
    if (!http.has_value() || !http->status.has_value()) return std::nullopt;
    return *http->status;
  };
  switch (field) {
    case Field::kTraceResponseTime:
      return scope.trace->response_time;
    case Field::kTraceDuration:
      return scope.trace->duration;
    case Field::kTraceHttpStatus:
      return status(scope.trace->http);
    case Field::kFactsResponseTime:
      return scope.facts->response_time;
    case Field::kFactsHttpStatus:
      return status(scope.facts->http);
    case Field::kRcIndex:
      return scope.index;
    case Field::kRcEntityCoverage:
      return scope.entity->coverage;
    default:
      return std::nullopt;
  }
}

// True if `test` holds for some set (non-empty) value of `field`.
template <typename Test>
bool AnyString(Field field, const Scope& scope, const Test& test) {
  const auto one = [&](const std::string* value) {
    return value != nullptr && !value->empty() && test(std::string_view(*value));
  };
  const auto any = [&](const std::vector<std::string>& values) {
    for (const std::string& value : values) {
      if (one(&value)) return true;
    }
    return false;
  };
  using model::HttpInfo;
  switch (field) {
    case Field::kTraceHttpUrl:
      return one(HttpString(scope.trace->http, &HttpInfo::url));
    case Field::kTraceHttpMethod:
      return one(HttpString(scope.trace->http, &HttpInfo::method));
    case Field::kTraceHttpUserAgent:
      return one(HttpString(scope.trace->http, &HttpInfo::user_agent));
    case Field::kTraceHttpClientIp:
      return one(HttpString(scope.trace->http, &HttpInfo::client_ip));
    case Field::kTraceUser:
      for (const model::TraceUser& user : scope.trace->users) {
        if (one(&user.user_name)) return true;
      }
      return false;
    case Field::kTraceAvailabilityZone:
      return any(scope.trace->availability_zones);
    case Field::kTraceInstanceId:
      return any(scope.trace->instance_ids);
    case Field::kTraceResourceArn:
      return any(scope.trace->resource_arns);
    case Field::kTraceAccountId:
      for (const model::ServiceId& id : scope.trace->service_ids) {
        if (one(&id.account_id)) return true;
      }
      return false;
    case Field::kFactsHttpUrl:
      return one(HttpString(scope.facts->http, &HttpInfo::url));
    case Field::kFactsHttpMethod:
      return one(HttpString(scope.facts->http, &HttpInfo::method));
    case Field::kFactsHttpUserAgent:
      return one(HttpString(scope.facts->http, &HttpInfo::user_agent));
    case Field::kFactsHttpClientIp:
      return one(HttpString(scope.facts->http, &HttpInfo::client_ip));
    case Field::kFactsUser:
      return one(&scope.facts->user);
    case Field::kFactsAvailabilityZone:
      return one(&scope.facts->availability_zone);
    case Field::kFactsInstanceId:
      return one(&scope.facts->instance_id);
    case Field::kFactsResourceArn:
      return one(&scope.facts->resource_arn);
    case Field::kRcServiceName:
      return one(&scope.service->name) || any(scope.service->names);
    case Field::kRcServiceType:
      return one(&scope.service->type);
    case Field::kRcServiceAccountId:
      return one(&scope.service->account_id);
    case Field::kRcEntityName:
      return one(&scope.entity->name);
    case Field::kRcExceptionName:
      return one(&scope.exception->name);
    case Field::kRcExceptionMessage:
      return one(&scope.exception->message);
    default:
      return false;
  }
}

const std::vector<model::RootCause>& CausesOf(const model::TraceSummary& summary,
                                              RootCauseKind kind) {
  switch (kind) {
    case RootCauseKind::kFault:
      return summary.fault_root_causes;
    case RootCauseKind::kError:
      return summary.error_root_causes;
    case RootCauseKind::kResponseTime:
      return summary.response_time_root_causes;
  }
  return summary.fault_root_causes;
}

}  // namespace

bool CompiledPredicate::Matches(const model::TraceSummary& summary) const {
  Scope scope;
  scope.trace = &summary;
  return Eval(root_, scope);
}

bool CompiledPredicate::Eval(uint32_t index, const Scope& scope) const {
  const Node& node = nodes_[index];
  switch (node.kind) {
    case Kind::kConst:
      return node.flag;
    case Kind::kAnd:
      for (uint32_t i = node.begin; i < node.end; ++i) {
        if (!Eval(operands_[i], scope)) return false;
      }
      return true;
    case Kind::kOr:
      for (uint32_t i = node.begin; i < node.end; ++i) {
        if (Eval(operands_[i], scope)) return true;
      }
      return false;
    case Kind::kNot:
      return !Eval(node.left, scope);
    case Kind::kBool:
      return BoolOf(node.field, scope);
    case Kind::kNumber: {
      const std::optional<double> value = NumberOf(node.field, scope);
      return value.has_value() && CompareNumber(node.op, *value, node.number);
    }
    case Kind::kStringSet:
      return AnyString(node.field, scope, [](std::string_view) { return true; });
    case Kind::kString:
      return AnyString(node.field, scope, [&node](std::string_view value) {
        return CompareString(node.op, value, node.text);
      });
    case Kind::kAnnotationSet:
    case Kind::kAnnotationString:
    case Kind::kAnnotationNumber:
    case Kind::kAnnotationBool: {
      const auto& annotations = scope.trace->annotations;
      const auto it = annotations.find(node.key);
      if (it == annotations.end()) return false;
      for (const model::ValueWithServiceIds& entry : it->second) {
        switch (node.kind) {
          case Kind::kAnnotationSet:
            return true;
          case Kind::kAnnotationString:
            if (const auto* text = std::get_if<std::string>(&entry.value)) {
              if (CompareString(node.op, *text, node.text)) {
                return true;
              }
            }
            break;
          case Kind::kAnnotationNumber:
            if (const auto* number = std::get_if<double>(&entry.value)) {
              if (CompareNumber(node.op, *number, node.number)) return true;
            }
            break;
          default:
            if (const auto* flag = std::get_if<bool>(&entry.value)) {
              if ((*flag == node.flag) == (node.op == CompareOp::kEq)) return true;
            }
            break;
        }
      }
      return false;
    }
    case Kind::kService:
      for (const model::TraceNode& trace_node : scope.trace->nodes) {
        if (node.selector != kNone && !selectors_[node.selector].Matches(trace_node.id)) continue;
        if (node.left == kNone) return true;
        Scope inner;
        inner.trace = scope.trace;
        for (const model::EntityFacts& segment : trace_node.segments) {
          inner.facts = &segment;
          if (Eval(node.left, inner)) return true;
        }
      }
      return false;
    case Kind::kEdge: {
      const std::vector<model::TraceNode>& trace_nodes = scope.trace->nodes;
      for (const model::TraceEdge& edge : scope.trace->edges) {
        if (edge.source >= trace_nodes.size() || edge.destination >= trace_nodes.size()) continue;
        if (!selectors_[node.selector].Matches(trace_nodes[edge.source].id) ||
            !selectors_[node.selector2].Matches(trace_nodes[edge.destination].id)) {
          continue;
        }
        if (node.left == kNone) return true;
        Scope inner;
        inner.trace = scope.trace;
        for (const model::EntityFacts& call : edge.calls) {
          inner.facts = &call;
          if (Eval(node.left, inner)) return true;
        }
      }
      return false;
    }
    case Kind::kRootCause:
      return EvalRootCause(node, *scope.trace);
    case Kind::kRootCauseJson:
      for (const RootCausePattern& pattern : patterns_[node.pattern]) {
        bool found = false;
        for (RootCauseKind kind :
             {RootCauseKind::kFault, RootCauseKind::kError, RootCauseKind::kResponseTime}) {
          for (const model::RootCause& cause : CausesOf(*scope.trace, kind)) {
            if (pattern.Matches(cause)) {
              found = true;
              break;
            }
          }
          if (found) break;
        }
        if (!found) return false;
      }
      return true;
  }
  return false;
}

bool CompiledPredicate::EvalRootCause(const Node& node, const model::TraceSummary& summary) const {
  Scope scope;
  scope.trace = &summary;
  for (const model::RootCause& cause : CausesOf(summary, node.rc_kind)) {
    const auto services = static_cast<uint32_t>(cause.services.size());
    for (uint32_t s = 0; s < services; ++s) {
      const model::RootCauseService& service = cause.services[s];
      scope.service = &service;
      if (node.rc_level == RootCauseLevel::kService) {
        scope.index = s;
        scope.count = services;
        if (Eval(node.left, scope)) return true;
        continue;
      }
      const auto entities = static_cast<uint32_t>(service.entity_path.size());
      for (uint32_t e = 0; e < entities; ++e) {
        const model::RootCauseEntity& entity = service.entity_path[e];
        scope.entity = &entity;
        if (node.rc_level == RootCauseLevel::kEntity) {
          scope.index = e;
          scope.count = entities;
          if (Eval(node.left, scope)) return true;
          continue;
        }
        const auto exceptions = static_cast<uint32_t>(entity.exceptions.size());
        for (uint32_t x = 0; x < exceptions; ++x) {
          scope.exception = &entity.exceptions[x];
          scope.index = x;
          scope.count = exceptions;
          if (Eval(node.left, scope)) return true;
        }
      }
    }
  }
  return false;
}

}  // namespace roentgen::filter
