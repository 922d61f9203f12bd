#include "filter/lexer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace roentgen::filter {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<TokenKind> Kinds(std::string_view text) {
  std::vector<TokenKind> kinds;
  for (const Token& token : Tokenize(text)) kinds.push_back(token.kind);
  return kinds;
}

// The single token of `text` (followed by kEnd); fails the test otherwise.
Token Only(std::string_view text) {
  std::vector<Token> tokens = Tokenize(text);
  EXPECT_EQ(tokens.size(), 2u) << text;
  if (tokens.size() != 2) return Token{};
  EXPECT_EQ(tokens[1].kind, TokenKind::kEnd) << text;
  return tokens[0];
}

// The error token `text` lexes to (the last token); fails the test if there is none.
Token ErrorOf(std::string_view text) {
  std::vector<Token> tokens = Tokenize(text);
  EXPECT_EQ(tokens.back().kind, TokenKind::kError) << text;
  return tokens.back();
}

TEST(LexerTest, EmptyAndWhitespaceGiveEndRepeatedly) {
  EXPECT_THAT(Kinds(""), ElementsAre(TokenKind::kEnd));
  Lexer lexer(" \t\r\n ");
  Token end = lexer.Next();
  EXPECT_EQ(end.kind, TokenKind::kEnd);
  EXPECT_EQ(end.range, (SourceRange{5, 5}));
  EXPECT_EQ(lexer.Next().kind, TokenKind::kEnd);
  EXPECT_EQ(lexer.Next().kind, TokenKind::kEnd);
}

TEST(LexerTest, Punctuation) {
  EXPECT_THAT(
      Kinds("( ) { } , : . [ ] !"),
      ElementsAre(TokenKind::kLParen, TokenKind::kRParen, TokenKind::kLBrace, TokenKind::kRBrace,
                  TokenKind::kComma, TokenKind::kColon, TokenKind::kDot, TokenKind::kLBracket,
                  TokenKind::kRBracket, TokenKind::kNot, TokenKind::kEnd));
  std::vector<Token> tokens = Tokenize("(\n)");
  EXPECT_EQ(tokens[0].range, (SourceRange{0, 1}));
  EXPECT_EQ(tokens[1].range, (SourceRange{2, 3}));
}

TEST(LexerTest, ComparisonOperatorsAnyCase) {
  struct Case {
    const char* text;
    CompareOp op;
  };
  const Case cases[] = {
      {"=", CompareOp::kEq},
      {"!=", CompareOp::kNe},
      {"<", CompareOp::kLt},
      {"<=", CompareOp::kLe},
      {">", CompareOp::kGt},
      {">=", CompareOp::kGe},
      {"CONTAINS", CompareOp::kContains},
      {"contains", CompareOp::kContains},
      {"BeginsWith", CompareOp::kBeginsWith},
      {"ENDSWITH", CompareOp::kEndsWith},
      {"endswith", CompareOp::kEndsWith},
  };
  for (const Case& c : cases) {
    Token token = Only(c.text);
    EXPECT_EQ(token.kind, TokenKind::kCompareOp) << c.text;
    EXPECT_EQ(token.op, c.op) << c.text;
    EXPECT_EQ(token.range,
              (SourceRange{0, static_cast<uint32_t>(std::string_view(c.text).size())}));
  }
  // `!` and `=` apart are a negation and an equality; `! =` is not `!=`.
  EXPECT_THAT(Kinds("! ="), ElementsAre(TokenKind::kNot, TokenKind::kCompareOp, TokenKind::kEnd));
  EXPECT_THAT(Kinds("a<=5"), ElementsAre(TokenKind::kWord, TokenKind::kCompareOp,
                                         TokenKind::kNumber, TokenKind::kEnd));
}

TEST(LexerTest, BooleanWordsAndConnectives) {
  EXPECT_THAT(
      Kinds("AND and Or or NOT not TRUE false"),
      ElementsAre(TokenKind::kAnd, TokenKind::kAnd, TokenKind::kOr, TokenKind::kOr, TokenKind::kNot,
                  TokenKind::kNot, TokenKind::kBoolean, TokenKind::kBoolean, TokenKind::kEnd));
  EXPECT_TRUE(Only("True").flag);
  EXPECT_FALSE(Only("FALSE").flag);
}

TEST(LexerTest, EveryKeywordInAnyCase) {
  for (int k = 0; k <= static_cast<int>(Keyword::kAccountId); ++k) {
    const auto keyword = static_cast<Keyword>(k);
    const std::string lower(SpellingOf(keyword));
    std::string upper = lower;
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    for (const std::string& text : {lower, upper}) {
      Token token = Only(text);
      EXPECT_EQ(token.kind, TokenKind::kKeyword) << text;
      EXPECT_EQ(token.keyword, keyword) << text;
      EXPECT_EQ(token.range, (SourceRange{0, static_cast<uint32_t>(text.size())})) << text;
    }
  }
  EXPECT_EQ(Only("responseTime").keyword, Keyword::kResponseTime);
  EXPECT_EQ(Only("HTTP.UserAgent").keyword, Keyword::kHttpUserAgent);
}

TEST(LexerTest, DottedWordsAreMatchedWhole) {
  // The longest dotted run is one token, then looked up.
  EXPECT_EQ(Only("http.status").keyword, Keyword::kHttpStatus);
  Token longer = Only("http.statusx");
  EXPECT_EQ(longer.kind, TokenKind::kWord);
  EXPECT_EQ(longer.text, "http.statusx");
  EXPECT_EQ(Only("http").kind, TokenKind::kWord);
  // A dot not followed by a word character ends the word.
  EXPECT_THAT(Kinds("http.status."),
              ElementsAre(TokenKind::kKeyword, TokenKind::kDot, TokenKind::kEnd));
  // No whitespace inside a dotted keyword.
  EXPECT_THAT(Kinds("http . status"),
              ElementsAre(TokenKind::kWord, TokenKind::kDot, TokenKind::kWord, TokenKind::kEnd));
  EXPECT_THAT(Kinds("instance.id>=account.id"),
              ElementsAre(TokenKind::kKeyword, TokenKind::kCompareOp, TokenKind::kKeyword,
                          TokenKind::kEnd));
}

TEST(LexerTest, ReservedWords) {
  EXPECT_THAT(Kinds("service Edge ID"),
              ElementsAre(TokenKind::kService, TokenKind::kEdge, TokenKind::kId, TokenKind::kEnd));
  Token word = Only("Traces_1");
  EXPECT_EQ(word.kind, TokenKind::kWord);
  EXPECT_EQ(word.text, "Traces_1");  // as written
  EXPECT_EQ(Only("_x").kind, TokenKind::kWord);
  EXPECT_EQ(Only("json").kind, TokenKind::kWord);
}

TEST(LexerTest, AnnotationForms) {
  Token dotted = Only("annotation.tenant_ID9");
  EXPECT_EQ(dotted.kind, TokenKind::kAnnotation);
  EXPECT_EQ(dotted.text, "tenant_ID9");  // keys keep their case
  EXPECT_EQ(dotted.range, (SourceRange{0, 21}));
  EXPECT_EQ(Only("annotation.123").text, "123");

  Token bracket = Only("Annotation[aws.local.operation]");
  EXPECT_EQ(bracket.kind, TokenKind::kAnnotation);
  EXPECT_EQ(bracket.text, "aws.local.operation");
  EXPECT_EQ(bracket.range, (SourceRange{0, 31}));
  EXPECT_EQ(Only("ANNOTATION[ a b:c/\"d ]").text, "a b:c/\"d");  // trimmed; any character but ]

  const std::string quoted_text = R"(annotation[ "we]ird \"k\"" ])";
  Token quoted = Only(quoted_text);
  EXPECT_EQ(quoted.kind, TokenKind::kAnnotation);
  EXPECT_EQ(quoted.text, "we]ird \"k\"");
  EXPECT_EQ(quoted.range.end, quoted_text.size());

  EXPECT_THAT(Kinds("annotation.a=1"), ElementsAre(TokenKind::kAnnotation, TokenKind::kCompareOp,
                                                   TokenKind::kNumber, TokenKind::kEnd));
}

TEST(LexerTest, AnnotationErrors) {
  EXPECT_THAT(ErrorOf("annotation[]").text, HasSubstr("empty annotation key"));
  EXPECT_EQ(ErrorOf("x annotation[ ]").range.begin, 12u);  // at the '['
  EXPECT_THAT(ErrorOf("annotation[\"\"]").text, HasSubstr("empty annotation key"));
  EXPECT_THAT(ErrorOf("annotation[abc").text, HasSubstr("unterminated annotation key"));
  EXPECT_THAT(ErrorOf("annotation[\"abc\" x]").text, HasSubstr("expected \"]\""));
  EXPECT_THAT(ErrorOf("annotation[\"abc]").text, HasSubstr("unterminated string"));
  Token dotted = ErrorOf("annotation.aws.local");
  EXPECT_THAT(dotted.text, HasSubstr("write annotation[aws.local]"));
  EXPECT_EQ(dotted.range.begin, 0u);
  EXPECT_THAT(ErrorOf("annotation").text, HasSubstr("expected \".KEY\" or \"[KEY]\""));
  EXPECT_THAT(ErrorOf("annotation.").text, HasSubstr("expected \".KEY\" or \"[KEY]\""));
  EXPECT_THAT(ErrorOf("annotation [x]").text, HasSubstr("directly after"));
}

TEST(LexerTest, RootCauseAndGroupKeywords) {
  const std::pair<const char*, RootCauseKind> kinds[] = {
      {"fault", RootCauseKind::kFault},
      {"error", RootCauseKind::kError},
      {"responsetime", RootCauseKind::kResponseTime}};
  const std::pair<const char*, RootCauseLevel> levels[] = {
      {"service", RootCauseLevel::kService},
      {"entity", RootCauseLevel::kEntity},
      {"exception", RootCauseLevel::kException}};
  for (const auto& [kind_text, kind] : kinds) {
    for (const auto& [level_text, level] : levels) {
      const std::string text = std::string("RootCause.") + kind_text + "." + level_text;
      if (kind == RootCauseKind::kResponseTime && level == RootCauseLevel::kException) {
        EXPECT_THAT(ErrorOf(text).text, HasSubstr("no exceptions"));
        continue;
      }
      Token token = Only(text);
      EXPECT_EQ(token.kind, TokenKind::kRootCause) << text;
      EXPECT_EQ(token.root_cause_kind, kind) << text;
      EXPECT_EQ(token.root_cause_level, level) << text;
    }
  }
  EXPECT_EQ(Only("rootcause.JSON").kind, TokenKind::kRootCauseJson);
  for (const char* bad :
       {"rootcause", "rootcause.fault", "rootcause.foo.service", "rootcause.fault.bar",
        "rootcause.fault.service.name", "rootcause.json.x"}) {
    EXPECT_THAT(ErrorOf(bad).text, HasSubstr("is not a root-cause keyword")) << bad;
  }

  Token name = Only("group.name");
  EXPECT_EQ(name.kind, TokenKind::kGroup);
  EXPECT_FALSE(name.flag);
  EXPECT_TRUE(Only("GROUP.ARN").flag);
  EXPECT_THAT(ErrorOf("group").text, HasSubstr("expected group.name or group.arn"));
  EXPECT_THAT(ErrorOf("group.id").text, HasSubstr("expected group.name or group.arn"));
}

TEST(LexerTest, Strings) {
  Token plain = Only("\"a b\"");
  EXPECT_EQ(plain.kind, TokenKind::kString);
  EXPECT_EQ(plain.text, "a b");
  EXPECT_EQ(plain.range, (SourceRange{0, 5}));
  EXPECT_EQ(Only("\"\"").text, "");
  EXPECT_EQ(Only(R"("say \"hi\" \\ ok")").text, R"(say "hi" \ ok)");
  // Other backslashes are kept as written.
  EXPECT_EQ(Only(R"("C:\temp\n")").text, R"(C:\temp\n)");
  EXPECT_EQ(Only("\"line1\nline2\"").text, "line1\nline2");
  EXPECT_EQ(Only("\"caf\xC3\xA9\"").text, "caf\xC3\xA9");

  Token unterminated = ErrorOf("x = \"abc");
  EXPECT_THAT(unterminated.text, HasSubstr("unterminated string"));
  EXPECT_EQ(unterminated.range.begin, 4u);
  EXPECT_THAT(ErrorOf("\"abc\\\"").text, HasSubstr("unterminated string"));  // "abc\"
  EXPECT_THAT(ErrorOf("\"abc\\").text, HasSubstr("unterminated string"));
  EXPECT_THAT(ErrorOf("'abc'").text, HasSubstr("use double quotes"));
}

TEST(LexerTest, Numbers) {
  const std::pair<const char*, double> cases[] = {
      {"5", 5},     {"-5", -5},  {"+2.5", 2.5},   {"0.7", 0.7}, {"1e3", 1000}, {"1.5E-2", 0.015},
      {"2e+1", 20}, {".5", 0.5}, {"-.25", -0.25}, {"3.", 3},    {"007", 7},
  };
  for (const auto& [text, value] : cases) {
    Token token = Only(text);
    EXPECT_EQ(token.kind, TokenKind::kNumber) << text;
    EXPECT_DOUBLE_EQ(token.number, value) << text;
  }
  EXPECT_EQ(Only("-12.5e1").range, (SourceRange{0, 7}));
  for (const char* bad : {"3abc", "1.2.3", "1e", "1e+", "2.5x", "5_"}) {
    EXPECT_THAT(ErrorOf(bad).text, HasSubstr("malformed number")) << bad;
  }
  EXPECT_THAT(ErrorOf("1e999").text, HasSubstr("out of range"));
  EXPECT_THAT(ErrorOf("-").text, HasSubstr("unexpected character \"-\""));
  EXPECT_THAT(ErrorOf("+x").text, HasSubstr("unexpected character \"+\""));
}

TEST(LexerTest, JsonCapture) {
  const std::string text = R"(rootcause.json = #[{ "a": "]}[{", "b": [1, {"c": "\"]"}] }] ok)";
  std::vector<Token> tokens = Tokenize(text);
  ASSERT_EQ(tokens.size(), 5u);
  EXPECT_EQ(tokens[2].kind, TokenKind::kJson);
  EXPECT_EQ(tokens[2].text, R"([{ "a": "]}[{", "b": [1, {"c": "\"]"}] }])");
  EXPECT_EQ(tokens[2].range.begin, 17u);
  EXPECT_EQ(text.substr(tokens[2].range.begin + 1, tokens[2].range.end - tokens[2].range.begin - 1),
            tokens[2].text);
  EXPECT_EQ(tokens[3].kind, TokenKind::kKeyword);
  EXPECT_EQ(Only("#[]").text, "[]");

  Token mismatch = ErrorOf("#[ {] }");
  EXPECT_THAT(mismatch.text, HasSubstr("mismatched \"]\""));
  EXPECT_EQ(mismatch.range.begin, 4u);
  EXPECT_THAT(ErrorOf("#[[1]").text, HasSubstr("unterminated JSON literal"));
  EXPECT_THAT(ErrorOf("#[\"]").text, HasSubstr("string inside it is not closed"));
  EXPECT_THAT(ErrorOf("#{}").text, HasSubstr("expected \"[\" after \"#\""));
  EXPECT_THAT(ErrorOf("#").text, HasSubstr("expected \"[\" after \"#\""));
}

TEST(LexerTest, UnexpectedCharacters) {
  Token at = ErrorOf("ok @");
  EXPECT_EQ(at.text, "unexpected character \"@\"");
  EXPECT_EQ(at.range.begin, 3u);
  EXPECT_THAT(ErrorOf("a && b").text, HasSubstr("write AND"));
  EXPECT_THAT(ErrorOf("a || b").text, HasSubstr("write OR"));
  EXPECT_EQ(ErrorOf("\xC3\xA9").text, "unexpected character \"\xC3\xA9\"");  // whole character
  EXPECT_EQ(ErrorOf("\x01").text, "unexpected character \"\\x01\"");
  EXPECT_EQ(ErrorOf("\xFF").text, "unexpected character \"\\xFF\"");
  // Only kEnd after an error.
  Lexer lexer("@ ok");
  EXPECT_EQ(lexer.Next().kind, TokenKind::kError);
  EXPECT_EQ(lexer.Next().kind, TokenKind::kEnd);
}

TEST(LexerTest, TokenSequenceWithRanges) {
  const std::string text = "service(\"a\") { http.status >= 500 }";
  std::vector<Token> tokens = Tokenize(text);
  std::vector<std::string> spellings;
  for (const Token& token : tokens) {
    spellings.push_back(text.substr(token.range.begin, token.range.end - token.range.begin));
  }
  EXPECT_THAT(spellings,
              ElementsAre("service", "(", "\"a\"", ")", "{", "http.status", ">=", "500", "}", ""));
}

TEST(LexerTest, QuoteAndDescribe) {
  EXPECT_EQ(QuoteForMessage("abc"), "\"abc\"");
  EXPECT_EQ(QuoteForMessage("a\"b\\"), "\"a\\\"b\\\\\"");
  EXPECT_EQ(QuoteForMessage(std::string(50, 'x')), "\"" + std::string(40, 'x') + "...\"");
  EXPECT_EQ(QuoteForMessage("\xE2\x82"), "\"\\xE2\\x82\"");  // truncated sequence
  const std::string text = "5 \"s\" ) #[1] CONTAINS";
  std::vector<Token> tokens = Tokenize(text);
  ASSERT_EQ(tokens.size(), 6u);
  EXPECT_EQ(DescribeToken(tokens[0], text), "number 5");
  EXPECT_EQ(DescribeToken(tokens[1], text), "string \"s\"");
  EXPECT_EQ(DescribeToken(tokens[2], text), "\")\"");
  EXPECT_EQ(DescribeToken(tokens[3], text), "JSON literal \"#[1]\"");
  EXPECT_EQ(DescribeToken(tokens[4], text), "\"CONTAINS\"");
  EXPECT_EQ(DescribeToken(tokens[5], text), "end of expression");
}

}  // namespace
}  // namespace roentgen::filter
