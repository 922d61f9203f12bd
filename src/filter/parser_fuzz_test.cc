// A deterministic fuzz test of ParseFilter: mutants of valid expressions (byte flips, inserted
// tokens, brackets and quotes, deletions, truncations, splices) must never crash, hang or
// overflow, must fail only with InvalidArgument "position N: ..." where N lies within the text,
// and when they parse, every source range must lie inside the text and inside its parent's.
// ROENTGEN_FUZZ_ITERATIONS=<n> runs n mutants instead of the default (e.g. for a long soak).

#include <gtest/gtest.h>

#include <cstdlib>
#include <random>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "filter/parser.h"

namespace roentgen::filter {
namespace {

constexpr size_t kDefaultIterations = 20000;

const std::vector<std::string>& Corpus() {
  static const std::vector<std::string> corpus = {
      "fault",
      "!ok",
      "ok = false",
      "error AND !throttle",
      "duration >= 1.5 AND duration < 4",
      "http.status >= 500 AND http.status != 504",
      R"(http.url CONTAINS "/checkout/")",
      R"(http.url BEGINSWITH "https://shop.example.org/api/")",
      R"(user CONTAINS "")",
      "ok !partial duration < 1",
      R"(annotation.tenant = "acme")",
      "annotation.retries > -2.5e-1",
      "!annotation.order_id",
      R"(annotation[aws.local.operation] = "GET /orders")",
      R"(annotation["we]ird \"key\""] ENDSWITH "\\")",
      R"(!service("legacy-auth"))",
      R"(service("payments") { responsetime > 1 OR http.status = 500 })",
      "service() { throttle }",
      R"(service(id(name: "resize", type: "AWS::Lambda::Function")) { error })",
      R"(service(id(account.id: "111122223333")))",
      R"(edge(id(name: "frontend", type: "AWS::ECS::Container"), id(name: "orders")) {)"
      R"( responsetime > 0.5 })",
      R"(!edge("frontend", "cache"))",
      R"(group.name = "slow-checkout" AND user = "u-1")",
      R"(rootcause.fault.service { last AND type = "AWS::DynamoDB::Table" })",
      "rootcause.responsetime.entity { last AND coverage > 0.8 }",
      "rootcause.error.exception { message CONTAINS timeout }",
      R"(rootcause.json = #[{ "Services": [ { "Name": "web", "EntityPath": [ { "Name":)"
      R"( "a]" } ] } ] }])",
      R"((fault OR error) AND http.method = "POST" AND NOT service("healthcheck"))",
      "fault OR error throttle",
      "((ok OR (error AND !(fault))) throttle)",
  };
  return corpus;
}

// Things worth inserting: the language's own tokens and the characters that open or close
// something.
constexpr std::string_view kFragments[] = {
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "\"",
    "\\",
    "#[",
    "#",
    "!",
    "!=",
    "=",
    "<=",
    ",",
    ":",
    ".",
    " ",
    "-",
    "+",
    "1e",
    "5",
    "0.5",
    "\"x\"",
    "AND",
    " OR ",
    " NOT ",
    "CONTAINS",
    "true",
    "id(",
    "service(",
    "edge(",
    "annotation[",
    "annotation.",
    "rootcause.",
    "rootcause.fault.service {",
    "group.name = ",
    "name:",
    "\xC3\xA9",
    "\xFF",
    std::string_view("\0", 1),
    "'",
    "&&",
    "http.status",
};

std::string Mutate(std::string text, std::mt19937& random) {
  const auto pick = [&random](size_t bound) {  // uniform in [0, bound)
    return bound == 0 ? 0 : std::uniform_int_distribution<size_t>(0, bound - 1)(random);
  };
  const size_t mutations = 1 + pick(4);
  for (size_t m = 0; m < mutations; ++m) {
    switch (pick(7)) {
      case 0:  // flip a byte
        if (!text.empty()) text[pick(text.size())] = static_cast<char>(pick(256));
        break;
      case 1:
      case 2: {  // insert a fragment
        const std::string_view fragment = kFragments[pick(std::size(kFragments))];
        text.insert(pick(text.size() + 1), fragment);
        break;
      }
      case 3:  // delete a range
        if (!text.empty()) {
          const size_t at = pick(text.size());
          text.erase(at, 1 + pick(std::min<size_t>(8, text.size() - at)));
        }
        break;
      case 4:  // truncate
        text.resize(pick(text.size() + 1));
        break;
      case 5: {  // splice: a prefix of this with a suffix of another corpus entry
        const std::string& other = Corpus()[pick(Corpus().size())];
        text = text.substr(0, pick(text.size() + 1)) + other.substr(pick(other.size() + 1));
        break;
      }
      case 6:  // repeat a range
        if (!text.empty()) {
          const size_t at = pick(text.size());
          const std::string piece = text.substr(at, 1 + pick(16));
          text.insert(at, piece);
        }
        break;
    }
  }
  return text;
}

size_t Iterations() {
  const char* value = std::getenv("ROENTGEN_FUZZ_ITERATIONS");
  if (value == nullptr) return kDefaultIterations;
  char* end = nullptr;
  const unsigned long long parsed = std::strtoull(value, &end, 10);
  return (end != value && *end == '\0' && parsed > 0) ? static_cast<size_t>(parsed)
                                                      : kDefaultIterations;
}

// Every range is well-formed and inside `outer`; children nest inside their parents.
void CheckRanges(const Expr& expr, SourceRange outer, const std::string& text) {
  const auto inside = [&](SourceRange range, SourceRange container, const char* what) {
    EXPECT_LE(range.begin, range.end) << what << " in: " << text;
    EXPECT_LE(container.begin, range.begin) << what << " in: " << text;
    EXPECT_LE(range.end, container.end) << what << " in: " << text;
  };
  inside(expr.range, outer, "expr");
  EXPECT_LT(expr.range.begin, expr.range.end) << "empty expr range in: " << text;
  std::visit(
      [&](const auto& node) {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, KeywordTerm> || std::is_same_v<T, AnnotationTerm>) {
          if (node.comparison.has_value()) {
            inside(node.comparison->op_range, expr.range, "op");
            inside(node.comparison->value_range, expr.range, "value");
            EXPECT_LE(node.comparison->op_range.end, node.comparison->value_range.begin);
          }
        } else if constexpr (std::is_same_v<T, ServiceTerm>) {
          if (node.selector.has_value()) inside(node.selector->range, expr.range, "selector");
          if (node.body != nullptr) CheckRanges(*node.body, expr.range, text);
        } else if constexpr (std::is_same_v<T, EdgeTerm>) {
          inside(node.source.range, expr.range, "source");
          inside(node.destination.range, expr.range, "destination");
          if (node.body != nullptr) CheckRanges(*node.body, expr.range, text);
        } else if constexpr (std::is_same_v<T, RootCauseTerm>) {
          ASSERT_NE(node.body, nullptr);
          CheckRanges(*node.body, expr.range, text);
        } else if constexpr (std::is_same_v<T, RootCauseJsonTerm>) {
          inside(node.json_range, expr.range, "json");
          EXPECT_EQ(text.substr(node.json_range.begin, node.json_range.end - node.json_range.begin),
                    node.json);
        } else if constexpr (std::is_same_v<T, NotExpr>) {
          CheckRanges(*node.operand, expr.range, text);
        } else if constexpr (std::is_same_v<T, AndExpr> || std::is_same_v<T, OrExpr>) {
          CheckRanges(*node.left, expr.range, text);
          CheckRanges(*node.right, expr.range, text);
          EXPECT_LE(node.left->range.end, node.right->range.begin);
        }
      },
      expr.node);
}

// "position N: ..." with 1 <= N <= size + 1.
bool HasPositionInside(const std::string& message, size_t size) {
  constexpr std::string_view kPrefix = "position ";
  if (message.compare(0, kPrefix.size(), kPrefix) != 0) return false;
  size_t i = kPrefix.size();
  size_t position = 0;
  const size_t digits_begin = i;
  while (i < message.size() && message[i] >= '0' && message[i] <= '9' && i - digits_begin < 12) {
    position = position * 10 + static_cast<size_t>(message[i] - '0');
    ++i;
  }
  if (i == digits_begin || message.compare(i, 2, ": ") != 0) return false;
  return position >= 1 && position <= size + 1;
}

TEST(ParserFuzzTest, MutatedExpressionsNeverCrashAndErrorsPointInsideTheText) {
  // Every seed parses unmutated.
  for (const std::string& seed : Corpus()) {
    Result<Ast> ast = ParseFilter(seed);
    ASSERT_TRUE(ast.ok()) << seed << ": " << ast.status().ToString();
  }
  std::mt19937 random(20240611);
  const size_t iterations = Iterations();
  size_t parsed = 0;
  size_t rejected = 0;
  for (size_t i = 0; i < iterations; ++i) {
    std::string text = Corpus()[i % Corpus().size()];
    text = Mutate(std::move(text), random);
    Result<Ast> ast = ParseFilter(text);
    if (ast.ok()) {
      ++parsed;
      ASSERT_EQ(ast->text, text);
      if (ast->root != nullptr) {
        CheckRanges(*ast->root, {0, static_cast<uint32_t>(text.size())}, text);
        EXPECT_FALSE(ToDebugString(*ast->root).empty());
      }
    } else {
      ++rejected;
      ASSERT_EQ(ast.status().code(), StatusCode::kInvalidArgument) << text;
      ASSERT_TRUE(HasPositionInside(ast.status().message(), text.size()))
          << "input: " << text << "\nmessage: " << ast.status().message();
    }
    if (HasFailure()) {
      ADD_FAILURE() << "stopped at mutant #" << i << ": " << text;
      return;
    }
  }
  // The mutants exercise both outcomes.
  EXPECT_GT(parsed, iterations / 20);
  EXPECT_GT(rejected, iterations / 4);
}

}  // namespace
}  // namespace roentgen::filter
