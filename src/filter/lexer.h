// filter/lexer.h — splits filter-expression text into tokens with byte ranges (internal to
// filter/; the parser pulls tokens one at a time, so a lexical error is reported only once the
// parser reaches it and errors come out in text order).
//
// Lexical rules (../shared/spec/filter-expressions.md §3 and §8):
//  * Words are case-insensitive. A word is a maximal dotted run `seg(.seg)*`, seg = [A-Za-z0-9_]+
//    starting with a letter or `_`, with no whitespace around the dots; the whole run is then
//    looked up, so `http.status` is one keyword token and `http.statusx` one unknown word (the
//    longest match). `rootcause.<kind>.<level>`, `rootcause.json`, `group.name`, `group.arn` and
//    `annotation.KEY` are single tokens. `AND`, `OR`, `CONTAINS`, `BEGINSWITH`, `ENDSWITH`,
//    `true`, `false`, `service`, `edge`, `id` are reserved words; `NOT` is an alias of `!` (our
//    extension: AWS documents only `!`).
//  * Annotations: `annotation.KEY` (KEY = [A-Za-z0-9_]+), `annotation[KEY]` (any characters but
//    `]`; surrounding whitespace is trimmed) and, as our extension, `annotation["KEY"]` (a string
//    literal, so the key may contain `]`). `[` must follow `annotation` directly. Keys keep their
//    case. An empty key is an error.
//  * Strings: double-quoted, may span lines. `\"` is a quote and `\\` a backslash; a backslash
//    before any other character is kept as written (`"C:\temp"` is the 7 characters C:\temp), so
//    that regular-expression-like and Windows-path text needs no doubling. No single quotes.
//  * Numbers: [+-] digits [. digits] [(e|E) [+-] digits], or [+-] . digits; a number directly
//    followed by a letter, digit, `_` or `.` is malformed (`3abc`, `1.2.3`). Out-of-range values
//    (`1e999`) are errors.
//  * `#[ ... ]`: the JSON text after `#`, captured as written up to the `]` that balances the
//    opening `[`; brackets and braces must nest properly and brackets inside JSON strings
//    (with their `\` escapes) do not count. Its validity as JSON is checked by the binder.
//  * Punctuation `( ) { } , : . [ ] !`; operators `= != < <= > >=`.
// Thread-safety: a Lexer is a value over text it does not own (the text must outlive it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "filter/ast.h"

namespace roentgen::filter {

enum class TokenKind : uint8_t {
  kEnd,            // end of text; range is empty at text.size()
  kError,          // malformed text; `text` holds the message (without a position)
  kKeyword,        // `keyword`
  kAnnotation,     // `text` = the key
  kRootCause,      // rootcause.<kind>.<level>: `root_cause_kind`, `root_cause_level`
  kRootCauseJson,  // rootcause.json
  kGroup,          // group.name / group.arn: `flag` = by arn
  kService,        // service
  kEdge,           // edge
  kId,             // id
  kAnd,            // AND
  kOr,             // OR
  kNot,            // ! or NOT
  kCompareOp,      // `op`: = != < <= > >= CONTAINS BEGINSWITH ENDSWITH
  kBoolean,        // true / false: `flag`
  kNumber,         // `number`
  kString,         // `text` = the decoded value
  kJson,           // `text` = the JSON array as written, from `[` to `]` (without the `#`)
  kWord,           // any other word; `text` = as written
  kLParen,
  kRParen,
  kLBrace,
  kRBrace,
  kComma,
  kColon,
  kDot,
  kLBracket,
  kRBracket,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  SourceRange range;  // the token's text, quotes and brackets included
  Keyword keyword = Keyword::kOk;
  CompareOp op = CompareOp::kEq;
  RootCauseKind root_cause_kind = RootCauseKind::kFault;
  RootCauseLevel root_cause_level = RootCauseLevel::kService;
  bool flag = false;
  double number = 0;
  std::string text;
};

class Lexer {
 public:
  // Precondition: text.size() < UINT32_MAX (ranges are 32-bit).
  explicit Lexer(std::string_view text) : text_(text) {}

  // The next token. After the last token comes kEnd, again on every further call. After a
  // kError only kEnd follows.
  Token Next();

 private:
  Token LexWord();
  Token LexAnnotation(size_t begin, size_t word_end);
  Token LexNumber();
  Token LexString();
  Token LexJson();
  Token MakeError(size_t begin, std::string message);
  Token Make(TokenKind kind, size_t begin);  // a token from `begin` to pos_

  std::string_view text_;
  size_t pos_ = 0;
};

// Every token of `text` up to and including the first kEnd or kError. For tests and tools.
std::vector<Token> Tokenize(std::string_view text);

// For messages: `end of expression`, `number 2.5`, `string "abc"`, `"CONTAINS"` (as written).
// Long or non-printable text is shortened / escaped so the result is short, valid UTF-8.
std::string DescribeToken(const Token& token, std::string_view text);

// `text` quoted for an error message: at most ~40 bytes (then "..."), control bytes and
// invalid UTF-8 escaped as \xHH.
std::string QuoteForMessage(std::string_view text);

}  // namespace roentgen::filter
