#include "filter/parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

namespace roentgen::filter {
namespace {

using ::testing::HasSubstr;

// The S-expression of `text`'s tree, "<empty>" for no tree, or "ERROR: <message>".
std::string Parsed(std::string_view text) {
  Result<Ast> ast = ParseFilter(text);
  if (!ast.ok()) {
    EXPECT_EQ(ast.status().code(), StatusCode::kInvalidArgument);
    return "ERROR: " + ast.status().message();
  }
  EXPECT_EQ(ast->text, text);
  return ast->root == nullptr ? "<empty>" : ToDebugString(*ast->root);
}

std::string Slice(const Ast& ast, SourceRange range) {
  EXPECT_LE(range.begin, range.end);
  EXPECT_LE(range.end, ast.text.size());
  return ast.text.substr(range.begin, range.end - range.begin);
}

TEST(AstTest, KeywordTypesAndSpellings) {
  EXPECT_EQ(TypeOf(Keyword::kRemote), KeywordType::kBool);
  EXPECT_EQ(TypeOf(Keyword::kCoverage), KeywordType::kNumber);
  EXPECT_EQ(TypeOf(Keyword::kHttpStatus), KeywordType::kNumber);
  EXPECT_EQ(TypeOf(Keyword::kAccountId), KeywordType::kString);
  int counts[3] = {0, 0, 0};
  for (int k = 0; k <= static_cast<int>(Keyword::kAccountId); ++k) {
    ++counts[static_cast<int>(TypeOf(static_cast<Keyword>(k)))];
  }
  EXPECT_EQ(counts[static_cast<int>(KeywordType::kBool)], 10);
  EXPECT_EQ(counts[static_cast<int>(KeywordType::kNumber)], 5);
  EXPECT_EQ(counts[static_cast<int>(KeywordType::kString)], 12);
  EXPECT_EQ(SpellingOf(Keyword::kHttpUserAgent), "http.useragent");
  EXPECT_EQ(SpellingOf(Keyword::kAvailabilityZone), "availabilityzone");
  EXPECT_EQ(SpellingOf(CompareOp::kLe), "<=");
  EXPECT_EQ(SpellingOf(CompareOp::kBeginsWith), "BEGINSWITH");
}

// ---- Spec §10: every example parses, to the tree we mean -------------------------------------

struct Example {
  int number;
  const char* text;
  const char* tree;
};

constexpr Example kSpecExamples[] = {
    {1, "fault", "fault"},
    {2, "!ok", "(! ok)"},
    {3, "ok = false", "(= ok false)"},
    {4, "error AND !throttle", "(AND error (! throttle))"},
    {5, "throttle", "throttle"},
    {6, "responsetime > 2", "(> responsetime 2)"},
    {7, "duration >= 1.5 AND duration < 4", "(AND (>= duration 1.5) (< duration 4))"},
    {8, "responsetime < 0.2 AND duration > 5", "(AND (< responsetime 0.2) (> duration 5))"},
    {9, "http.status = 503", "(= http.status 503)"},
    {10, "http.status >= 500 AND http.status != 504",
     "(AND (>= http.status 500) (!= http.status 504))"},
    {11, R"(http.method = "DELETE")", R"((= http.method "DELETE"))"},
    {12, R"(http.url CONTAINS "/checkout/")", R"((CONTAINS http.url "/checkout/"))"},
    {13, R"(http.url BEGINSWITH "https://shop.example.org/api/")",
     R"((BEGINSWITH http.url "https://shop.example.org/api/"))"},
    {14, R"(http.url ENDSWITH ".json")", R"((ENDSWITH http.url ".json"))"},
    {15, R"(http.useragent CONTAINS "curl")", R"((CONTAINS http.useragent "curl"))"},
    {16, R"(http.clientip = "203.0.113.7")", R"((= http.clientip "203.0.113.7"))"},
    {17, R"(user = "u-1234")", R"((= user "u-1234"))"},
    {18, R"(user CONTAINS "")", R"((CONTAINS user ""))"},
    {19, "http.url AND responsetime > 2", "(AND http.url (> responsetime 2))"},
    {20, "partial", "partial"},
    {21, "ok !partial duration < 1", "(AND (AND ok (! partial)) (< duration 1))"},
    {22, "inferred", "inferred"},
    {23, R"(annotation.tenant = "acme")", R"((= annotation[tenant] "acme"))"},
    {24, "annotation.retries > 2", "(> annotation[retries] 2)"},
    {25, "annotation.is_canary = true", "(= annotation[is_canary] true)"},
    {26, "annotation.order_id", "annotation[order_id]"},
    {27, "!annotation.order_id", "(! annotation[order_id])"},
    {28, R"(annotation[aws.local.operation] = "GET /orders")",
     R"((= annotation[aws.local.operation] "GET /orders"))"},
    {29, R"(service("payments"))", R"((service "payments"))"},
    {30, R"(!service("legacy-auth"))", R"((! (service "legacy-auth")))"},
    {31, R"(service("payments") { fault })", R"((service "payments" {fault}))"},
    {32, R"(service("payments") { responsetime > 1 OR http.status = 500 })",
     R"((service "payments" {(OR (> responsetime 1) (= http.status 500))}))"},
    {33, "service() { throttle }", "(service {throttle})"},
    {34, R"(service(id(name: "resize", type: "AWS::Lambda::Function")) { error })",
     R"((service (id name="resize" type="AWS::Lambda::Function") {error}))"},
    {35, R"(service(id(type: "AWS::DynamoDB::Table")))",
     R"((service (id type="AWS::DynamoDB::Table")))"},
    {36, R"(service(id(account.id: "111122223333")))",
     R"((service (id account.id="111122223333")))"},
    {37, R"(service("checkout") { root = true AND fault = true })",
     R"((service "checkout" {(AND (= root true) (= fault true))}))"},
    {38, R"(edge("frontend", "payments") { error })", R"((edge "frontend" "payments" {error}))"},
    {39,
     R"(edge(id(name: "frontend", type: "AWS::ECS::Container"), id(name: "orders",)"
     R"( type: "AWS::DynamoDB::Table")) { responsetime > 0.5 })",
     R"((edge (id name="frontend" type="AWS::ECS::Container") (id name="orders")"
     R"( type="AWS::DynamoDB::Table") {(> responsetime 0.5)}))"},
    {40, R"(!edge("frontend", "cache"))", R"((! (edge "frontend" "cache")))"},
    {41, R"(group.name = "slow-checkout" AND user = "u-1")",
     R"((AND (group.name "slow-checkout") (= user "u-1")))"},
    {42, R"(rootcause.fault.service { name = "inventory" })",
     R"((rootcause.fault.service {(= name "inventory")}))"},
    {43, R"(rootcause.fault.service { last AND type = "AWS::DynamoDB::Table" })",
     R"((rootcause.fault.service {(AND last (= type "AWS::DynamoDB::Table"))}))"},
    {44, "rootcause.fault.entity { remote }", "(rootcause.fault.entity {remote})"},
    {45, R"(rootcause.fault.exception { message CONTAINS "timeout" })",
     R"((rootcause.fault.exception {(CONTAINS message "timeout")}))"},
    {46, R"(rootcause.fault.exception { last AND name = "SdkClientException" })",
     R"((rootcause.fault.exception {(AND last (= name "SdkClientException"))}))"},
    {47, "rootcause.responsetime.entity { last AND coverage > 0.8 }",
     "(rootcause.responsetime.entity {(AND last (> coverage 0.8))})"},
    {48, R"(rootcause.responsetime.service { inferred AND type = "remote" })",
     R"((rootcause.responsetime.service {(AND inferred (= type "remote"))}))"},
    {49, "rootcause.fault.service { index > 2 }", "(rootcause.fault.service {(> index 2)})"},
    {50,
     R"(rootcause.json = #[{ "Services": [ { "Name": "web", "EntityPath": [ { "Name":)"
     R"( "web" }, { "Name": "call-inventory" } ] }, { "Name": "inventory" } ] }])",
     R"((rootcause.json #[{ "Services": [ { "Name": "web", "EntityPath": [ { "Name":)"
     R"( "web" }, { "Name": "call-inventory" } ] }, { "Name": "inventory" } ] }]))"},
    {51, R"((fault OR error) AND http.method = "POST" AND !service("healthcheck"))",
     R"((AND (AND (OR fault error) (= http.method "POST")) (! (service "healthcheck"))))"},
    {52, "fault OR error throttle", "(OR fault (AND error throttle))"},
};

TEST(ParserTest, AllSpecExamplesParse) {
  static_assert(std::size(kSpecExamples) == 52);
  for (const Example& example : kSpecExamples) {
    EXPECT_EQ(Parsed(example.text), example.tree) << "spec §10 example #" << example.number;
  }
}

// ---- Structure -------------------------------------------------------------------------------

TEST(ParserTest, EmptyExpressionHasNoTree) {
  EXPECT_EQ(Parsed(""), "<empty>");
  EXPECT_EQ(Parsed(" \t\r\n"), "<empty>");
}

TEST(ParserTest, Precedence) {
  EXPECT_EQ(Parsed("fault OR error throttle"), "(OR fault (AND error throttle))");
  EXPECT_EQ(Parsed("!ok fault"), "(AND (! ok) fault)");
  EXPECT_EQ(Parsed("!(ok OR fault)"), "(! (OR ok fault))");
  EXPECT_EQ(Parsed("ok AND error OR fault AND throttle"),
            "(OR (AND ok error) (AND fault throttle))");
  EXPECT_EQ(Parsed("(ok OR error) fault"), "(AND (OR ok error) fault)");
  EXPECT_EQ(Parsed("ok OR (error OR fault)"), "(OR ok (OR error fault))");
  EXPECT_EQ(Parsed("((((fault))))"), "fault");
  EXPECT_EQ(Parsed("!!ok"), "(! (! ok))");
  EXPECT_EQ(Parsed("! ! ok"), "(! (! ok))");
}

TEST(ParserTest, LeftAssociative) {
  EXPECT_EQ(Parsed("ok OR error OR fault"), "(OR (OR ok error) fault)");
  EXPECT_EQ(Parsed("ok AND error fault"), "(AND (AND ok error) fault)");
  EXPECT_EQ(Parsed("ok error AND fault"), "(AND (AND ok error) fault)");
}

TEST(ParserTest, CaseInsensitiveWords) {
  EXPECT_EQ(Parsed("FAULT or Error aNd NOT Throttle"), "(OR fault (AND error (! throttle)))");
  EXPECT_EQ(Parsed("not(ok)"), "(! ok)");
  EXPECT_EQ(Parsed(R"(HTTP.URL contains "X" AND ResponseTime >= 2)"),
            R"((AND (CONTAINS http.url "X") (>= responsetime 2)))");
  EXPECT_EQ(Parsed(R"(SERVICE(ID(NAME: "A", Account.Id: "1")) { Fault = TRUE })"),
            R"((service (id name="A" account.id="1") {(= fault true)}))");
  EXPECT_EQ(Parsed(R"(RootCause.Fault.Service { Name BeginsWith "x" })"),
            R"((rootcause.fault.service {(BEGINSWITH name "x")}))");
  EXPECT_EQ(Parsed(R"(Group.Name = "G")"), R"((group.name "G"))");
}

TEST(ParserTest, NoWhitespaceNeeded) {
  EXPECT_EQ(Parsed(R"(http.status>=500&&)").substr(0, 6), "ERROR:");
  EXPECT_EQ(Parsed(R"(!ok(fault)service("a"){error}http.url!="x")"),
            R"((AND (AND (AND (! ok) fault) (service "a" {error})) (!= http.url "x")))");
}

// ---- Terms -----------------------------------------------------------------------------------

TEST(ParserTest, KeywordTerms) {
  EXPECT_EQ(Parsed("http.url"), "http.url");
  EXPECT_EQ(Parsed("ok != true"), "(!= ok true)");
  EXPECT_EQ(Parsed("duration <= -1.5e1"), "(<= duration -15)");
  EXPECT_EQ(Parsed(R"(instance.id ENDSWITH "\"a\\")"), R"((ENDSWITH instance.id "\"a\\"))");
  EXPECT_EQ(Parsed(R"(resource.arn = "arn:aws:x" availabilityzone = "az")"),
            R"((AND (= resource.arn "arn:aws:x") (= availabilityzone "az")))");
  EXPECT_EQ(Parsed(R"(account.id = "1")"), R"((= account.id "1"))");
  // Type checks are the binder's: the parser takes any literal after any operator.
  EXPECT_EQ(Parsed(R"(duration CONTAINS "1")"), R"((CONTAINS duration "1"))");
  EXPECT_EQ(Parsed("fault > 5"), "(> fault 5)");
  EXPECT_EQ(Parsed("duration"), "duration");
}

TEST(ParserTest, AnnotationTerms) {
  EXPECT_EQ(Parsed("annotation.k"), "annotation[k]");
  EXPECT_EQ(Parsed(R"(Annotation[aws.local.environment] = "prod")"),
            R"((= annotation[aws.local.environment] "prod"))");
  EXPECT_EQ(Parsed(R"(annotation["a]b"] BEGINSWITH "x")"), R"((BEGINSWITH annotation[a]b] "x"))");
  EXPECT_EQ(Parsed("annotation[n] <= 3 annotation.b != false"),
            "(AND (<= annotation[n] 3) (!= annotation[b] false))");
  EXPECT_EQ(Parsed("!annotation[x y]"), "(! annotation[x y])");
}

TEST(ParserTest, ServiceAndEdgeTerms) {
  EXPECT_EQ(Parsed("service()"), "(service)");
  EXPECT_EQ(Parsed(R"(service("") {ok})"), R"((service "" {ok}))");
  EXPECT_EQ(Parsed(R"(service(id(account.id: "1", type: "t", name: "n")))"),
            R"((service (id name="n" type="t" account.id="1")))");
  EXPECT_EQ(Parsed(R"(edge("a","b"))"), R"((edge "a" "b"))");
  EXPECT_EQ(Parsed(R"(edge(id(type: "t"), "b") { fault OR error })"),
            R"((edge (id type="t") "b" {(OR fault error)}))");
  EXPECT_EQ(Parsed(R"(service("a") { service() { fault } })"),
            R"((service "a" {(service {fault})}))");
}

TEST(ParserTest, RootCauseAndGroupTerms) {
  EXPECT_EQ(Parsed(R"(rootcause.error.entity { first OR index = 0 })"),
            R"((rootcause.error.entity {(OR first (= index 0))}))");
  EXPECT_EQ(Parsed("rootcause.responsetime.service{!inferred}"),
            "(rootcause.responsetime.service {(! inferred)})");
  EXPECT_EQ(Parsed("rootcause.json=#[]"), "(rootcause.json #[])");
  EXPECT_EQ(Parsed(R"(group.arn = "arn:aws:xray:us-east-1:1:group/g/x")"),
            R"((group.arn "arn:aws:xray:us-east-1:1:group/g/x"))");
}

TEST(ParserTest, BareIdentifierIsAStringOnlyAfterNameTypeMessage) {
  EXPECT_EQ(Parsed("rootcause.fault.service { name = traces }"),
            R"((rootcause.fault.service {(= name "traces")}))");
  EXPECT_EQ(Parsed("rootcause.fault.service { type != Remote_1 last }"),
            R"((rootcause.fault.service {(AND (!= type "Remote_1") last)}))");
  EXPECT_EQ(Parsed("rootcause.fault.exception { message CONTAINS timeout }"),
            R"((rootcause.fault.exception {(CONTAINS message "timeout")}))");
  EXPECT_EQ(Parsed("user = traces"),
            "ERROR: position 8: expected a string, number or boolean after \"=\", found "
            "\"traces\"");
  EXPECT_EQ(Parsed("annotation.a = b"),
            "ERROR: position 16: expected a string, number or boolean after \"=\", found \"b\"");
  // Reserved words and keywords stay what they are.
  EXPECT_EQ(Parsed("rootcause.fault.service { name = fault }"),
            "ERROR: position 34: expected a string, number or boolean after \"=\", found "
            "\"fault\"");
  EXPECT_EQ(Parsed(R"(service(id(name: traces)))"),
            "ERROR: position 18: expected a string after \"name:\", found \"traces\"");
}

// ---- Source ranges ---------------------------------------------------------------------------

TEST(ParserTest, RangesOfTermsAndOperators) {
  Result<Ast> ast = ParseFilter("  http.status >= 500 ");
  ASSERT_TRUE(ast.ok()) << ast.status().ToString();
  const Expr& root = *ast->root;
  EXPECT_EQ(Slice(*ast, root.range), "http.status >= 500");
  const auto& term = std::get<KeywordTerm>(root.node);
  ASSERT_TRUE(term.comparison.has_value());
  EXPECT_EQ(Slice(*ast, term.comparison->op_range), ">=");
  EXPECT_EQ(Slice(*ast, term.comparison->value_range), "500");

  ast = ParseFilter(R"(annotation["k"] CONTAINS "v\"w")");
  ASSERT_TRUE(ast.ok());
  const auto& annotation = std::get<AnnotationTerm>(ast->root->node);
  EXPECT_EQ(Slice(*ast, ast->root->range), ast->text);
  EXPECT_EQ(Slice(*ast, annotation.comparison->op_range), "CONTAINS");
  EXPECT_EQ(Slice(*ast, annotation.comparison->value_range), R"("v\"w")");
  EXPECT_EQ(std::get<std::string>(annotation.comparison->value), "v\"w");
}

TEST(ParserTest, RangesOfCompositeExpressions) {
  Result<Ast> ast = ParseFilter(R"( (fault OR error) AND !service("x") { ok } )");
  ASSERT_TRUE(ast.ok());
  const Expr& root = *ast->root;
  EXPECT_EQ(Slice(*ast, root.range), R"((fault OR error) AND !service("x") { ok })");
  const auto& conjunction = std::get<AndExpr>(root.node);
  EXPECT_EQ(Slice(*ast, conjunction.left->range), "fault OR error");  // without its parentheses
  EXPECT_EQ(Slice(*ast, conjunction.right->range), R"(!service("x") { ok })");
  const auto& negation = std::get<NotExpr>(conjunction.right->node);
  EXPECT_EQ(Slice(*ast, negation.operand->range), R"(service("x") { ok })");
  const auto& service = std::get<ServiceTerm>(negation.operand->node);
  EXPECT_EQ(Slice(*ast, service.selector->range), R"("x")");
  EXPECT_EQ(Slice(*ast, service.body->range), "ok");

  ast = ParseFilter(R"(!(ok) edge(id(name: "a"), "b"))");
  ASSERT_TRUE(ast.ok());
  const auto& both = std::get<AndExpr>(ast->root->node);
  EXPECT_EQ(Slice(*ast, ast->root->range), ast->text);
  EXPECT_EQ(Slice(*ast, both.left->range), "!(ok)");
  const auto& edge = std::get<EdgeTerm>(both.right->node);
  EXPECT_EQ(Slice(*ast, edge.source.range), R"(id(name: "a"))");
  EXPECT_EQ(Slice(*ast, edge.destination.range), R"("b")");
  EXPECT_EQ(edge.body, nullptr);

  ast = ParseFilter(R"(rootcause.json = #[ {"Name": "x"} ] group.name = "g")");
  ASSERT_TRUE(ast.ok());
  const auto& pair = std::get<AndExpr>(ast->root->node);
  const auto& json = std::get<RootCauseJsonTerm>(pair.left->node);
  EXPECT_EQ(json.json, R"([ {"Name": "x"} ])");
  EXPECT_EQ(Slice(*ast, json.json_range), json.json);
  EXPECT_EQ(Slice(*ast, pair.left->range), R"(rootcause.json = #[ {"Name": "x"} ])");
  EXPECT_EQ(Slice(*ast, pair.right->range), R"(group.name = "g")");
}

// ---- Errors ----------------------------------------------------------------------------------

TEST(ParserTest, ErrorsNameThePositionAndWhatWasExpected) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      // Missing operands and literals.
      {"fault AND", "position 10: expected a term after \"AND\", found end of expression"},
      {"fault or", "position 9: expected a term after \"or\", found end of expression"},
      {"!", "position 2: expected a term after \"!\", found end of expression"},
      {"NOT", "position 4: expected a term after \"NOT\", found end of expression"},
      {"! = ok", "position 3: expected a term after \"!\", found \"=\""},
      {"http.url CONTAINS",
       "position 18: expected a string, number or boolean after \"CONTAINS\", found end of "
       "expression"},
      {"http.status = )",
       "position 15: expected a string, number or boolean after \"=\", found \")\""},
      {"annotation.x = = 1",
       "position 16: expected a string, number or boolean after \"=\", found \"=\""},
      {"ok = #[1]",
       "position 6: expected a string, number or boolean after \"=\", found JSON literal "
       "\"#[1]\""},
      // Unknown words and misplaced tokens.
      {"foo", "position 1: unknown keyword \"foo\""},
      {"ok foo", "position 4: unknown keyword \"foo\""},
      {"http.statuses = 5", "position 1: unknown keyword \"http.statuses\""},
      {"id(name: \"a\")",
       "position 1: id(...) can only be an argument of service(...) or edge(...)"},
      {"true", "position 1: expected a term, found \"true\""},
      {"\"x\"", "position 1: expected a term, found string \"x\""},
      {",", "position 1: expected a term, found \",\""},
      {"= 5", "position 1: expected a term, found \"=\""},
      {"ok 5",
       "position 4: expected AND, OR, another term or the end of the expression, found number "
       "5"},
      {"duration < 3 < 4",
       "position 14: expected AND, OR, another term or the end of the expression, found \"<\""},
      {"ok = true = false",
       "position 11: expected AND, OR, another term or the end of the expression, found \"=\""},
      {"fault.",
       "position 6: expected AND, OR, another term or the end of the expression, "
       "found \".\""},
      // Parentheses and braces.
      {"(fault",
       "position 7: expected AND, OR, another term or \")\" to close the \"(\" at position 1, "
       "found end of expression"},
      {"fault)", "position 6: unbalanced \")\": no \"(\" is open"},
      {"fault }", "position 7: unbalanced \"}\": no \"{\" is open"},
      {"()", "position 2: expected a term, found \")\""},
      {"(ok }",
       "position 5: expected AND, OR, another term or \")\" to close the \"(\" at position 1, "
       "found \"}\""},
      // service / edge / id.
      {"service", "position 8: expected \"(\" after \"service\", found end of expression"},
      {"service(",
       "position 9: expected a service name string, id(...) or \")\", found end of expression"},
      {"service(a)", "position 9: expected a service name string, id(...) or \")\", found \"a\""},
      {"service(\"a\"",
       "position 12: expected \")\" after the service selector, found end of expression"},
      {"service(\"a\", \"b\")",
       "position 12: expected \")\" after the service selector, found \",\""},
      {"service(\"a\") {", "position 15: expected a term, found end of expression"},
      {"service() {}", "position 12: expected a term, found \"}\""},
      {"service(\"a\") { fault",
       "position 21: expected AND, OR, another term or \"}\" to close the \"{\" at position 14, "
       "found end of expression"},
      {"edge()",
       "position 6: expected the source of edge(...): a service name string or id(...), found "
       "\")\""},
      {"edge(\"a\")",
       "position 9: expected \",\" and the destination after the source of edge(...), found "
       "\")\""},
      {"edge(\"a\",)",
       "position 10: expected the destination of edge(...): a service name string or id(...), "
       "found \")\""},
      {"edge(\"a\",\"b\"",
       "position 13: expected \")\" after the destination of edge(...), found end of "
       "expression"},
      {"edge", "position 5: expected \"(\" after \"edge\", found end of expression"},
      {"service(id())",
       "position 12: id() needs at least one of the arguments name:, type:, account.id:"},
      {"service(id(name: \"a\", NAME: \"b\"))",
       "position 23: duplicate argument \"name\" in id(...)"},
      {"service(id(name \"a\"))", "position 17: expected \":\" after \"name\", found string \"a\""},
      {"service(id(user: \"a\"))",
       "position 12: expected name:, type: or account.id: in id(...), found \"user\""},
      {"service(id(name: \"a\" type: \"b\"))",
       "position 22: expected \",\" or \")\" in id(...), found \"type\""},
      {"service(id(name: \"a\",))",
       "position 22: expected name:, type: or account.id: in id(...), found \")\""},
      {"service(id name: \"a\")", "position 12: expected \"(\" after \"id\", found \"name\""},
      // Root causes and groups.
      {"rootcause.fault.service",
       "position 24: expected \"{\" and a body after \"rootcause.fault.service\", found end of "
       "expression"},
      {"rootcause.fault.service {}", "position 26: expected a term, found \"}\""},
      {"rootcause.responsetime.exception { name = \"x\" }",
       "position 1: \"rootcause.responsetime.exception\" does not exist: response-time root "
       "causes have services and entities but no exceptions"},
      {"rootcause.fault { name = \"x\" }",
       "position 1: \"rootcause.fault\" is not a root-cause keyword; expected "
       "rootcause.<fault|error|responsetime>.<service|entity|exception> or rootcause.json"},
      {"rootcause.json #[]",
       "position 16: expected \"=\" after \"rootcause.json\", found JSON literal \"#[]\""},
      {"rootcause.json != #[]",
       "position 16: expected \"=\" after \"rootcause.json\", found \"!=\""},
      {"rootcause.json = \"x\"",
       "position 18: expected a JSON literal #[...] after \"=\", found string \"x\""},
      {"group.name \"x\"", "position 12: expected \"=\" after \"group.name\", found string \"x\""},
      {"group.arn = 5", "position 13: expected a string after \"=\", found number 5"},
      // Lexical errors, reported where the parser reaches them.
      {"http.url CONTAINS \"a", "position 19: unterminated string: no closing '\"'"},
      {"fault AND \"abc", "position 11: unterminated string: no closing '\"'"},
      {"fault @", "position 7: unexpected character \"@\""},
      {"ok && fault", "position 4: unexpected character \"&\" (write AND)"},
      {"duration > 3s", "position 12: malformed number \"3s\""},
      {"annotation[] = 1", "position 11: empty annotation key"},
      {"rootcause.json = #[{]", "position 21: mismatched \"]\" in JSON literal; expected \"}\""},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Parsed(c.text), std::string("ERROR: ") + c.message) << c.text;
  }
}

TEST(ParserTest, EarlierErrorWinsOverLaterMalformedText) {
  // The unknown word comes first; the unterminated string after it is never reached.
  EXPECT_EQ(Parsed("foo \"abc"), "ERROR: position 1: unknown keyword \"foo\"");
  EXPECT_EQ(Parsed("ok) @"), "ERROR: position 3: unbalanced \")\": no \"(\" is open");
}

TEST(ParserTest, NestingIsCapped) {
  const auto nested = [](size_t levels, const char* open, const char* close) {
    std::string text;
    for (size_t i = 0; i < levels; ++i) text += open;
    text += "fault";
    for (size_t i = 0; i < levels; ++i) text += close;
    return text;
  };
  EXPECT_EQ(Parsed(nested(kMaxNestingDepth, "(", ")")), "fault");
  EXPECT_THAT(Parsed(nested(kMaxNestingDepth + 1, "(", ")")),
              HasSubstr("position 65: expression nested too deeply (more than 64 levels"));
  EXPECT_TRUE(ParseFilter(nested(kMaxNestingDepth, "!", "")).ok());
  EXPECT_THAT(Parsed(nested(kMaxNestingDepth + 1, "!", "")),
              HasSubstr("position 65: expression nested too deeply"));
  EXPECT_TRUE(ParseFilter(nested(kMaxNestingDepth, "service(){", "}")).ok());
  EXPECT_THAT(Parsed(nested(kMaxNestingDepth + 1, "service(){", "}")),
              HasSubstr("position 650: expression nested too deeply"));
  // The levels add up across kinds.
  EXPECT_TRUE(ParseFilter(nested(kMaxNestingDepth / 2, "!(", ")")).ok());
  EXPECT_THAT(Parsed(nested(kMaxNestingDepth / 2 + 1, "!(", ")")),
              HasSubstr("position 65: expression nested too deeply"));
  // Far deeper input fails fast and cleanly.
  EXPECT_THAT(Parsed(nested(100000, "(", ")")), HasSubstr("nested too deeply"));
  EXPECT_THAT(Parsed(std::string(100000, '!') + "ok"), HasSubstr("nested too deeply"));
}

TEST(ParserTest, TermCountIsCapped) {
  const auto terms = [](size_t count) {
    std::string text = "ok";
    for (size_t i = 1; i < count; ++i) text += " OR ok";
    return text;
  };
  Result<Ast> thousand = ParseFilter(terms(1000));
  EXPECT_TRUE(thousand.ok()) << thousand.status().ToString();
  EXPECT_THAT(Parsed(terms(1001)), HasSubstr("position 6001: too many terms (the limit is 1000)"));
  EXPECT_THAT(Parsed(terms(200000)), HasSubstr("too many terms"));
}

}  // namespace
}  // namespace roentgen::filter
