#include "filter/ast.h"

#include <charconv>
#include <type_traits>
#include <utility>

namespace roentgen::filter {

KeywordType TypeOf(Keyword keyword) {
  switch (keyword) {
    case Keyword::kOk:
    case Keyword::kError:
    case Keyword::kFault:
    case Keyword::kThrottle:
    case Keyword::kPartial:
    case Keyword::kInferred:
    case Keyword::kRoot:
    case Keyword::kFirst:
    case Keyword::kLast:
    case Keyword::kRemote:
      return KeywordType::kBool;
    case Keyword::kResponseTime:
    case Keyword::kDuration:
    case Keyword::kHttpStatus:
    case Keyword::kIndex:
    case Keyword::kCoverage:
      return KeywordType::kNumber;
    case Keyword::kHttpUrl:
    case Keyword::kHttpMethod:
    case Keyword::kHttpUserAgent:
    case Keyword::kHttpClientIp:
    case Keyword::kUser:
    case Keyword::kName:
    case Keyword::kType:
    case Keyword::kMessage:
    case Keyword::kAvailabilityZone:
    case Keyword::kInstanceId:
    case Keyword::kResourceArn:
    case Keyword::kAccountId:
      return KeywordType::kString;
  }
  return KeywordType::kBool;
}

std::string_view SpellingOf(Keyword keyword) {
  switch (keyword) {
    case Keyword::kOk:
      return "ok";
    case Keyword::kError:
      return "error";
    case Keyword::kFault:
      return "fault";
    case Keyword::kThrottle:
      return "throttle";
    case Keyword::kPartial:
      return "partial";
    case Keyword::kInferred:
      return "inferred";
    case Keyword::kRoot:
      return "root";
    case Keyword::kFirst:
      return "first";
    case Keyword::kLast:
      return "last";
    case Keyword::kRemote:
      return "remote";
    case Keyword::kResponseTime:
      return "responsetime";
    case Keyword::kDuration:
      return "duration";
    case Keyword::kHttpStatus:
      return "http.status";
    case Keyword::kIndex:
      return "index";
    case Keyword::kCoverage:
      return "coverage";
    case Keyword::kHttpUrl:
      return "http.url";
    case Keyword::kHttpMethod:
      return "http.method";
    case Keyword::kHttpUserAgent:
      return "http.useragent";
    case Keyword::kHttpClientIp:
      return "http.clientip";
    case Keyword::kUser:
      return "user";
    case Keyword::kName:
      return "name";
    case Keyword::kType:
      return "type";
    case Keyword::kMessage:
      return "message";
    case Keyword::kAvailabilityZone:
      return "availabilityzone";
    case Keyword::kInstanceId:
      return "instance.id";
    case Keyword::kResourceArn:
      return "resource.arn";
    case Keyword::kAccountId:
      return "account.id";
  }
  return "?";
}

std::string_view SpellingOf(CompareOp op) {
  switch (op) {
    case CompareOp::kEq:
      return "=";
    case CompareOp::kNe:
      return "!=";
    case CompareOp::kLt:
      return "<";
    case CompareOp::kLe:
      return "<=";
    case CompareOp::kGt:
      return ">";
    case CompareOp::kGe:
      return ">=";
    case CompareOp::kContains:
      return "CONTAINS";
    case CompareOp::kBeginsWith:
      return "BEGINSWITH";
    case CompareOp::kEndsWith:
      return "ENDSWITH";
  }
  return "?";
}

std::string_view SpellingOf(RootCauseKind kind) {
  switch (kind) {
    case RootCauseKind::kFault:
      return "fault";
    case RootCauseKind::kError:
      return "error";
    case RootCauseKind::kResponseTime:
      return "responsetime";
  }
  return "?";
}

std::string_view SpellingOf(RootCauseLevel level) {
  switch (level) {
    case RootCauseLevel::kService:
      return "service";
    case RootCauseLevel::kEntity:
      return "entity";
    case RootCauseLevel::kException:
      return "exception";
  }
  return "?";
}

// ---- ToDebugString ------------------------------------------------------------------------------

namespace {

void AppendQuoted(std::string_view value, std::string* out) {
  out->push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') out->push_back('\\');
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendLiteral(const Literal& value, std::string* out) {
  if (const auto* s = std::get_if<std::string>(&value)) {
    AppendQuoted(*s, out);
  } else if (const auto* d = std::get_if<double>(&value)) {
    char buffer[32];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), *d);
    out->append(buffer, ec == std::errc() ? end : buffer);
  } else {
    out->append(std::get<bool>(value) ? "true" : "false");
  }
}

// `subject` bare, or `(<op> subject value)`.
void AppendTerm(std::string_view subject, const std::optional<Comparison>& comparison,
                std::string* out) {
  if (!comparison.has_value()) {
    out->append(subject);
    return;
  }
  out->push_back('(');
  out->append(SpellingOf(comparison->op));
  out->push_back(' ');
  out->append(subject);
  out->push_back(' ');
  AppendLiteral(comparison->value, out);
  out->push_back(')');
}

void AppendSelector(const NodeSelector& selector, std::string* out) {
  if (!selector.is_id_call) {
    AppendQuoted(selector.name.value_or(""), out);
    return;
  }
  out->append("(id");
  const std::pair<const char*, const std::optional<std::string>*> args[] = {
      {"name", &selector.name}, {"type", &selector.type}, {"account.id", &selector.account_id}};
  for (const auto& [label, value] : args) {
    if (!value->has_value()) continue;
    out->push_back(' ');
    out->append(label);
    out->push_back('=');
    AppendQuoted(**value, out);
  }
  out->push_back(')');
}

void AppendExpr(const Expr& expr, std::string* out);

void AppendBody(const ExprPtr& body, std::string* out) {
  if (body == nullptr) return;
  out->append(" {");
  AppendExpr(*body, out);
  out->push_back('}');
}

void AppendExpr(const Expr& expr, std::string* out) {
  std::visit(
      [out](const auto& node) {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, KeywordTerm>) {
          AppendTerm(SpellingOf(node.keyword), node.comparison, out);
        } else if constexpr (std::is_same_v<T, AnnotationTerm>) {
          AppendTerm("annotation[" + node.key + "]", node.comparison, out);
        } else if constexpr (std::is_same_v<T, ServiceTerm>) {
          out->append("(service");
          if (node.selector.has_value()) {
            out->push_back(' ');
            AppendSelector(*node.selector, out);
          }
          AppendBody(node.body, out);
          out->push_back(')');
        } else if constexpr (std::is_same_v<T, EdgeTerm>) {
          out->append("(edge ");
          AppendSelector(node.source, out);
          out->push_back(' ');
          AppendSelector(node.destination, out);
          AppendBody(node.body, out);
          out->push_back(')');
        } else if constexpr (std::is_same_v<T, RootCauseTerm>) {
          out->append("(rootcause.");
          out->append(SpellingOf(node.kind));
          out->push_back('.');
          out->append(SpellingOf(node.level));
          AppendBody(node.body, out);
          out->push_back(')');
        } else if constexpr (std::is_same_v<T, RootCauseJsonTerm>) {
          out->append("(rootcause.json #");
          out->append(node.json);
          out->push_back(')');
        } else if constexpr (std::is_same_v<T, GroupTerm>) {
          out->append(node.by_arn ? "(group.arn " : "(group.name ");
          AppendQuoted(node.value, out);
          out->push_back(')');
        } else if constexpr (std::is_same_v<T, NotExpr>) {
          out->append("(! ");
          AppendExpr(*node.operand, out);
          out->push_back(')');
        } else if constexpr (std::is_same_v<T, AndExpr> || std::is_same_v<T, OrExpr>) {
          out->append(std::is_same_v<T, AndExpr> ? "(AND " : "(OR ");
          AppendExpr(*node.left, out);
          out->push_back(' ');
          AppendExpr(*node.right, out);
          out->push_back(')');
        }
      },
      expr.node);
}

}  // namespace

std::string ToDebugString(const Expr& expr) {
  std::string out;
  AppendExpr(expr, &out);
  return out;
}

}  // namespace roentgen::filter
