#include "filter/parser.h"

#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "filter/lexer.h"

namespace roentgen::filter {
namespace {

// Terms (primaries) per expression. A left-associative chain makes the tree as deep as it is
// long, and the binder, the evaluator and the destructors recurse over the tree; this cap (with
// kMaxNestingDepth) bounds that depth, and the per-trace work of a hostile expression.
constexpr size_t kMaxTerms = 1000;

template <typename Node>
ExprPtr MakeExpr(SourceRange range, Node node) {
  auto expr = std::make_unique<Expr>();
  expr->range = range;
  expr->node = std::move(node);
  return expr;
}

bool StartsTerm(TokenKind kind) {
  switch (kind) {
    case TokenKind::kNot:
    case TokenKind::kLParen:
    case TokenKind::kService:
    case TokenKind::kEdge:
    case TokenKind::kRootCause:
    case TokenKind::kRootCauseJson:
    case TokenKind::kGroup:
    case TokenKind::kAnnotation:
    case TokenKind::kKeyword:
    // Not terms, but reported better by ParsePrimary than as trailing junk.
    case TokenKind::kWord:
    case TokenKind::kId:
    case TokenKind::kError:
      return true;
    default:
      return false;
  }
}

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// Recursive descent over the grammar of filter-expressions.md §8, one token of lookahead.
// `depth` counts the enclosing parentheses, bodies and `!`s.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text), lexer_(text) { token_ = lexer_.Next(); }

  // The whole text; null for an empty one.
  Result<ExprPtr> Parse() {
    if (token_.kind == TokenKind::kEnd) return ExprPtr();
    ASSIGN_OR_RETURN(ExprPtr root, ParseOr(0));
    switch (token_.kind) {
      case TokenKind::kEnd:
        return root;
      case TokenKind::kRParen:
        return ErrorAt(token_.range.begin, "unbalanced \")\": no \"(\" is open");
      case TokenKind::kRBrace:
        return ErrorAt(token_.range.begin, "unbalanced \"}\": no \"{\" is open");
      default:
        return Expected("AND, OR, another term or the end of the expression");
    }
  }

 private:
  // ---- Errors ----------------------------------------------------------------------------------

  Status ErrorAt(uint32_t offset, std::string_view message) const {
    return Status::InvalidArgument("position " + std::to_string(static_cast<uint64_t>(offset) + 1) +
                                   ": " + std::string(message));
  }

  // "expected <what>, found <the current token>", or the lexer's error if the current token is
  // malformed text (it is the earlier problem).
  Status Expected(std::string_view what) const {
    if (token_.kind == TokenKind::kError) return ErrorAt(token_.range.begin, token_.text);
    return ErrorAt(token_.range.begin,
                   "expected " + std::string(what) + ", found " + DescribeToken(token_, text_));
  }

  Status TooDeep() const {
    return ErrorAt(token_.range.begin, "expression nested too deeply (more than " +
                                           std::to_string(kMaxNestingDepth) +
                                           " levels of parentheses, bodies and \"!\")");
  }

  // The current token as written, quoted.
  std::string Spelling() const { return DescribeToken(token_, text_); }

  void Advance() {
    last_end_ = token_.range.end;
    token_ = lexer_.Next();
  }

  Status CountTerm() {
    if (++terms_ > kMaxTerms) {
      return ErrorAt(token_.range.begin,
                     "too many terms (the limit is " + std::to_string(kMaxTerms) + ")");
    }
    return Status::Ok();
  }

  // ---- Boolean structure -----------------------------------------------------------------------

  Result<ExprPtr> ParseOr(size_t depth) {
    const uint32_t begin = token_.range.begin;
    ASSIGN_OR_RETURN(ExprPtr left, ParseAnd(depth));
    while (token_.kind == TokenKind::kOr) {
      const std::string op = Spelling();
      Advance();
      if (!StartsTerm(token_.kind)) return Expected("a term after " + op);
      ASSIGN_OR_RETURN(ExprPtr right, ParseAnd(depth));
      left = MakeExpr({begin, last_end_}, OrExpr{std::move(left), std::move(right)});
    }
    return left;
  }

  Result<ExprPtr> ParseAnd(size_t depth) {
    const uint32_t begin = token_.range.begin;
    ASSIGN_OR_RETURN(ExprPtr left, ParseUnary(depth));
    while (true) {
      if (token_.kind == TokenKind::kAnd) {
        const std::string op = Spelling();
        Advance();
        if (!StartsTerm(token_.kind)) return Expected("a term after " + op);
      } else if (!StartsTerm(token_.kind)) {
        break;  // juxtaposition continues only with something that starts a term
      }
      ASSIGN_OR_RETURN(ExprPtr right, ParseUnary(depth));
      left = MakeExpr({begin, last_end_}, AndExpr{std::move(left), std::move(right)});
    }
    return left;
  }

  Result<ExprPtr> ParseUnary(size_t depth) {
    std::vector<uint32_t> nots;  // where each `!` begins, outermost first
    std::string last_not;
    while (token_.kind == TokenKind::kNot) {
      if (depth + nots.size() + 1 > kMaxNestingDepth) return TooDeep();
      nots.push_back(token_.range.begin);
      last_not = Spelling();
      Advance();
    }
    if (!nots.empty() && !StartsTerm(token_.kind)) return Expected("a term after " + last_not);
    ASSIGN_OR_RETURN(ExprPtr expr, ParsePrimary(depth + nots.size()));
    for (auto it = nots.rbegin(); it != nots.rend(); ++it) {
      expr = MakeExpr({*it, last_end_}, NotExpr{std::move(expr)});
    }
    return expr;
  }

  Result<ExprPtr> ParsePrimary(size_t depth) {
    const uint32_t begin = token_.range.begin;
    switch (token_.kind) {
      case TokenKind::kLParen: {
        if (depth + 1 > kMaxNestingDepth) return TooDeep();
        Advance();
        ASSIGN_OR_RETURN(ExprPtr inner, ParseOr(depth + 1));
        if (token_.kind != TokenKind::kRParen) {
          return Expected("AND, OR, another term or \")\" to close the \"(\" at position " +
                          std::to_string(begin + 1));
        }
        Advance();
        return inner;  // keeps its own range, without the parentheses
      }
      case TokenKind::kKeyword:
      case TokenKind::kAnnotation:
        RETURN_IF_ERROR(CountTerm());
        return ParseSimpleTerm();
      case TokenKind::kService:
        RETURN_IF_ERROR(CountTerm());
        return ParseService(depth);
      case TokenKind::kEdge:
        RETURN_IF_ERROR(CountTerm());
        return ParseEdge(depth);
      case TokenKind::kRootCause:
        RETURN_IF_ERROR(CountTerm());
        return ParseRootCause(depth);
      case TokenKind::kRootCauseJson:
        RETURN_IF_ERROR(CountTerm());
        return ParseRootCauseJson();
      case TokenKind::kGroup:
        RETURN_IF_ERROR(CountTerm());
        return ParseGroup();
      case TokenKind::kWord:
        return ErrorAt(begin, "unknown keyword " + Spelling());
      case TokenKind::kId:
        return ErrorAt(begin, "id(...) can only be an argument of service(...) or edge(...)");
      default:
        return Expected("a term");
    }
  }

  // ---- Terms -----------------------------------------------------------------------------------

  // A keyword or annotation, bare or with a comparison.
  Result<ExprPtr> ParseSimpleTerm() {
    const Token subject = token_;
    Advance();
    if (subject.kind == TokenKind::kAnnotation) {
      AnnotationTerm term{subject.text, std::nullopt};
      ASSIGN_OR_RETURN(term.comparison, ParseComparison(/*bare_word_is_string=*/false));
      return MakeExpr({subject.range.begin, last_end_}, std::move(term));
    }
    // Leniency: the spec's own example `name = traces` leaves a root-cause value unquoted.
    const bool lenient = subject.keyword == Keyword::kName || subject.keyword == Keyword::kType ||
                         subject.keyword == Keyword::kMessage;
    KeywordTerm term{subject.keyword, std::nullopt};
    ASSIGN_OR_RETURN(term.comparison, ParseComparison(lenient));
    return MakeExpr({subject.range.begin, last_end_}, std::move(term));
  }

  // An optional `<op> <literal>`. Which operator and literal suit the keyword is the binder's
  // question; here any literal follows any operator.
  Result<std::optional<Comparison>> ParseComparison(bool bare_word_is_string) {
    if (token_.kind != TokenKind::kCompareOp) return std::optional<Comparison>();
    Comparison comparison;
    comparison.op = token_.op;
    comparison.op_range = token_.range;
    Advance();
    switch (token_.kind) {
      case TokenKind::kString:
        comparison.value = std::string(token_.text);
        break;
      case TokenKind::kNumber:
        comparison.value = token_.number;
        break;
      case TokenKind::kBoolean:
        comparison.value = token_.flag;
        break;
      case TokenKind::kWord:
        if (bare_word_is_string) {
          comparison.value = std::string(token_.text);
          break;
        }
        [[fallthrough]];
      default:
        return Expected("a string, number or boolean after " + Quoted(SpellingOf(comparison.op)));
    }
    comparison.value_range = token_.range;
    Advance();
    return std::optional<Comparison>(std::move(comparison));
  }

  Result<ExprPtr> ParseService(size_t depth) {
    const uint32_t begin = token_.range.begin;
    Advance();
    if (token_.kind != TokenKind::kLParen) return Expected("\"(\" after \"service\"");
    Advance();
    ServiceTerm term;
    if (token_.kind != TokenKind::kRParen) {
      ASSIGN_OR_RETURN(term.selector, ParseNodeSelector("a service name string, id(...) or \")\""));
      if (token_.kind != TokenKind::kRParen) return Expected("\")\" after the service selector");
    }
    Advance();
    if (token_.kind == TokenKind::kLBrace) {
      ASSIGN_OR_RETURN(term.body, ParseBody(depth));
    }
    return MakeExpr({begin, last_end_}, std::move(term));
  }

  Result<ExprPtr> ParseEdge(size_t depth) {
    const uint32_t begin = token_.range.begin;
    Advance();
    if (token_.kind != TokenKind::kLParen) return Expected("\"(\" after \"edge\"");
    Advance();
    ASSIGN_OR_RETURN(
        NodeSelector source,
        ParseNodeSelector("the source of edge(...): a service name string or id(...)"));
    if (token_.kind != TokenKind::kComma) {
      return Expected("\",\" and the destination after the source of edge(...)");
    }
    Advance();
    ASSIGN_OR_RETURN(
        NodeSelector destination,
        ParseNodeSelector("the destination of edge(...): a service name string or id(...)"));
    if (token_.kind != TokenKind::kRParen) {
      return Expected("\")\" after the destination of edge(...)");
    }
    Advance();
    EdgeTerm term{std::move(source), std::move(destination), nullptr};
    if (token_.kind == TokenKind::kLBrace) {
      ASSIGN_OR_RETURN(term.body, ParseBody(depth));
    }
    return MakeExpr({begin, last_end_}, std::move(term));
  }

  // A string or id(...); `what` describes it for the error.
  Result<NodeSelector> ParseNodeSelector(std::string_view what) {
    if (token_.kind == TokenKind::kId) return ParseIdCall();
    if (token_.kind != TokenKind::kString) return Expected(what);
    NodeSelector selector;
    selector.name = token_.text;
    selector.range = token_.range;
    Advance();
    return selector;
  }

  // id(name: "n", type: "t", account.id: "a"): any order, any non-empty subset, no repeats.
  Result<NodeSelector> ParseIdCall() {
    const uint32_t begin = token_.range.begin;
    Advance();
    if (token_.kind != TokenKind::kLParen) return Expected("\"(\" after \"id\"");
    Advance();
    if (token_.kind == TokenKind::kRParen) {
      return ErrorAt(token_.range.begin,
                     "id() needs at least one of the arguments name:, type:, account.id:");
    }
    NodeSelector selector;
    selector.is_id_call = true;
    while (true) {
      std::optional<std::string>* slot = nullptr;
      if (token_.kind == TokenKind::kKeyword) {
        if (token_.keyword == Keyword::kName) slot = &selector.name;
        if (token_.keyword == Keyword::kType) slot = &selector.type;
        if (token_.keyword == Keyword::kAccountId) slot = &selector.account_id;
      }
      if (slot == nullptr) return Expected("name:, type: or account.id: in id(...)");
      const std::string name(SpellingOf(token_.keyword));
      if (slot->has_value()) {
        return ErrorAt(token_.range.begin, "duplicate argument " + Quoted(name) + " in id(...)");
      }
      Advance();
      if (token_.kind != TokenKind::kColon) return Expected("\":\" after " + Quoted(name));
      Advance();
      if (token_.kind != TokenKind::kString)
        return Expected("a string after " + Quoted(name + ":"));
      *slot = token_.text;
      Advance();
      if (token_.kind == TokenKind::kRParen) break;
      if (token_.kind != TokenKind::kComma) return Expected("\",\" or \")\" in id(...)");
      Advance();
    }
    Advance();
    selector.range = {begin, last_end_};
    return selector;
  }

  // `{ or_expr }`; the current token is the `{`.
  Result<ExprPtr> ParseBody(size_t depth) {
    if (depth + 1 > kMaxNestingDepth) return TooDeep();
    const uint32_t open = token_.range.begin;
    Advance();
    ASSIGN_OR_RETURN(ExprPtr body, ParseOr(depth + 1));
    if (token_.kind != TokenKind::kRBrace) {
      return Expected("AND, OR, another term or \"}\" to close the \"{\" at position " +
                      std::to_string(open + 1));
    }
    Advance();
    return body;
  }

  Result<ExprPtr> ParseRootCause(size_t depth) {
    const uint32_t begin = token_.range.begin;
    const std::string keyword = Spelling();
    RootCauseTerm term;
    term.kind = token_.root_cause_kind;
    term.level = token_.root_cause_level;
    Advance();
    if (token_.kind != TokenKind::kLBrace) return Expected("\"{\" and a body after " + keyword);
    ASSIGN_OR_RETURN(term.body, ParseBody(depth));
    return MakeExpr({begin, last_end_}, std::move(term));
  }

  Result<ExprPtr> ParseRootCauseJson() {
    const uint32_t begin = token_.range.begin;
    Advance();
    if (token_.kind != TokenKind::kCompareOp || token_.op != CompareOp::kEq) {
      return Expected("\"=\" after \"rootcause.json\"");
    }
    Advance();
    if (token_.kind != TokenKind::kJson) return Expected("a JSON literal #[...] after \"=\"");
    RootCauseJsonTerm term;
    term.json = token_.text;
    term.json_range = {token_.range.begin + 1, token_.range.end};  // without the '#'
    Advance();
    return MakeExpr({begin, last_end_}, std::move(term));
  }

  Result<ExprPtr> ParseGroup() {
    const uint32_t begin = token_.range.begin;
    GroupTerm term;
    term.by_arn = token_.flag;
    Advance();
    if (token_.kind != TokenKind::kCompareOp || token_.op != CompareOp::kEq) {
      return Expected(term.by_arn ? "\"=\" after \"group.arn\"" : "\"=\" after \"group.name\"");
    }
    Advance();
    if (token_.kind != TokenKind::kString) return Expected("a string after \"=\"");
    term.value = token_.text;
    Advance();
    return MakeExpr({begin, last_end_}, std::move(term));
  }

  const std::string_view text_;
  Lexer lexer_;
  Token token_;            // the lookahead
  uint32_t last_end_ = 0;  // where the last consumed token ends
  size_t terms_ = 0;
};

}  // namespace

Result<Ast> ParseFilter(std::string_view text) {
  if (text.size() >= std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("position 1: expression too long");
  }
  Ast ast;
  ast.text = std::string(text);
  Parser parser(ast.text);
  ASSIGN_OR_RETURN(ast.root, parser.Parse());
  return ast;
}

}  // namespace roentgen::filter
