#include "filter/lexer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <system_error>
#include <utility>

namespace roentgen::filter {
namespace {

bool IsWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsLetter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsIdentChar(char c) { return IsLetter(c) || IsDigit(c) || c == '_'; }

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lowered(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = ToLower(c);
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && IsWhitespace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsWhitespace(text.back())) text.remove_suffix(1);
  return text;
}

// The length of the well-formed UTF-8 sequence at text[pos] (overlong forms, surrogates and
// code points above U+10FFFF are malformed), or 0.
size_t Utf8SequenceLength(std::string_view text, size_t pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (pos + length > text.size()) return 0;
  for (size_t i = 1; i < length; ++i) {
    const unsigned char c = byte(pos + i);
    if (c < (i == 1 ? low : 0x80) || c > (i == 1 ? high : 0xBF)) return 0;
  }
  return length;
}

std::optional<Keyword> KeywordBySpelling(std::string_view lowered) {
  // Every Keyword in declaration order; SpellingOf is the single table of spellings.
  for (int k = 0; k <= static_cast<int>(Keyword::kAccountId); ++k) {
    const auto keyword = static_cast<Keyword>(k);
    if (SpellingOf(keyword) == lowered) return keyword;
  }
  return std::nullopt;
}

constexpr std::string_view kRootCauseShape =
    "expected rootcause.<fault|error|responsetime>.<service|entity|exception> or rootcause.json";

}  // namespace

Token Lexer::Make(TokenKind kind, size_t begin) {
  Token token;
  token.kind = kind;
  token.range = {static_cast<uint32_t>(begin), static_cast<uint32_t>(pos_)};
  return token;
}

Token Lexer::MakeError(size_t begin, std::string message) {
  Token token;
  token.kind = TokenKind::kError;
  token.range = {static_cast<uint32_t>(begin), static_cast<uint32_t>(begin)};
  token.text = std::move(message);
  pos_ = text_.size();  // nothing but kEnd after an error
  return token;
}

Token Lexer::Next() {
  while (pos_ < text_.size() && IsWhitespace(text_[pos_])) ++pos_;
  const size_t begin = pos_;
  if (pos_ >= text_.size()) return Make(TokenKind::kEnd, begin);
  const char c = text_[pos_];
  const char next = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
  const auto single = [&](TokenKind kind) {
    ++pos_;
    return Make(kind, begin);
  };
  const auto op = [&](CompareOp compare_op, size_t length) {
    pos_ += length;
    Token token = Make(TokenKind::kCompareOp, begin);
    token.op = compare_op;
    return token;
  };
  switch (c) {
    case '(':
      return single(TokenKind::kLParen);
    case ')':
      return single(TokenKind::kRParen);
    case '{':
      return single(TokenKind::kLBrace);
    case '}':
      return single(TokenKind::kRBrace);
    case ',':
      return single(TokenKind::kComma);
    case ':':
      return single(TokenKind::kColon);
    case '[':
      return single(TokenKind::kLBracket);
    case ']':
      return single(TokenKind::kRBracket);
    case '.':
      if (IsDigit(next)) return LexNumber();
      return single(TokenKind::kDot);
    case '!':
      if (next == '=') return op(CompareOp::kNe, 2);
      return single(TokenKind::kNot);
    case '=':
      return op(CompareOp::kEq, 1);
    case '<':
      return next == '=' ? op(CompareOp::kLe, 2) : op(CompareOp::kLt, 1);
    case '>':
      return next == '=' ? op(CompareOp::kGe, 2) : op(CompareOp::kGt, 1);
    case '"':
      return LexString();
    case '#':
      return LexJson();
    case '-':
    case '+':
      if (IsDigit(next) || (next == '.' && pos_ + 2 < text_.size() && IsDigit(text_[pos_ + 2]))) {
        return LexNumber();
      }
      break;
    case '\'':
      return MakeError(begin, "single-quoted strings are not supported; use double quotes");
    case '&':
      return MakeError(begin, "unexpected character \"&\" (write AND)");
    case '|':
      return MakeError(begin, "unexpected character \"|\" (write OR)");
    default:
      if (IsDigit(c)) return LexNumber();
      if (IsLetter(c) || c == '_') return LexWord();
      break;
  }
  const size_t length = std::max<size_t>(1, Utf8SequenceLength(text_, pos_));
  return MakeError(begin, "unexpected character " + QuoteForMessage(text_.substr(pos_, length)));
}

Token Lexer::LexWord() {
  const size_t begin = pos_;
  const auto segment = [&] {
    while (pos_ < text_.size() && IsIdentChar(text_[pos_])) ++pos_;
  };
  const auto dotted_segment_follows = [&] {
    return pos_ + 1 < text_.size() && text_[pos_] == '.' && IsIdentChar(text_[pos_ + 1]);
  };
  segment();
  if (Lowered(text_.substr(begin, pos_ - begin)) == "annotation") return LexAnnotation(begin, pos_);
  while (dotted_segment_follows()) {
    ++pos_;
    segment();
  }
  const std::string_view word = text_.substr(begin, pos_ - begin);
  const std::string lowered = Lowered(word);

  if (lowered == "rootcause" || lowered.starts_with("rootcause.")) {
    const std::string_view rest =
        std::string_view(lowered).substr(std::min<size_t>(10, lowered.size()));
    if (rest == "json") return Make(TokenKind::kRootCauseJson, begin);
    const size_t dot = rest.find('.');
    std::optional<RootCauseKind> kind;
    std::optional<RootCauseLevel> level;
    if (dot != std::string_view::npos) {
      const std::string_view kind_text = rest.substr(0, dot);
      const std::string_view level_text = rest.substr(dot + 1);
      if (kind_text == "fault") kind = RootCauseKind::kFault;
      if (kind_text == "error") kind = RootCauseKind::kError;
      if (kind_text == "responsetime") kind = RootCauseKind::kResponseTime;
      if (level_text == "service") level = RootCauseLevel::kService;
      if (level_text == "entity") level = RootCauseLevel::kEntity;
      if (level_text == "exception") level = RootCauseLevel::kException;
    }
    if (!kind.has_value() || !level.has_value()) {
      return MakeError(begin, QuoteForMessage(word) + " is not a root-cause keyword; " +
                                  std::string(kRootCauseShape));
    }
    if (*kind == RootCauseKind::kResponseTime && *level == RootCauseLevel::kException) {
      return MakeError(begin, QuoteForMessage(word) +
                                  " does not exist: response-time root causes have services and "
                                  "entities but no exceptions");
    }
    Token token = Make(TokenKind::kRootCause, begin);
    token.root_cause_kind = *kind;
    token.root_cause_level = *level;
    return token;
  }
  if (lowered == "group" || lowered.starts_with("group.")) {
    if (lowered == "group.name" || lowered == "group.arn") {
      Token token = Make(TokenKind::kGroup, begin);
      token.flag = lowered == "group.arn";
      return token;
    }
    return MakeError(begin,
                     QuoteForMessage(word) + " is not a keyword; expected group.name or group.arn");
  }
  if (std::optional<Keyword> keyword = KeywordBySpelling(lowered)) {
    Token token = Make(TokenKind::kKeyword, begin);
    token.keyword = *keyword;
    return token;
  }
  struct Reserved {
    std::string_view spelling;
    TokenKind kind;
    CompareOp op;
    bool flag;
  };
  static constexpr Reserved kReserved[] = {
      {"and", TokenKind::kAnd, CompareOp::kEq, false},
      {"or", TokenKind::kOr, CompareOp::kEq, false},
      {"not", TokenKind::kNot, CompareOp::kEq, false},
      {"true", TokenKind::kBoolean, CompareOp::kEq, true},
      {"false", TokenKind::kBoolean, CompareOp::kEq, false},
      {"service", TokenKind::kService, CompareOp::kEq, false},
      {"edge", TokenKind::kEdge, CompareOp::kEq, false},
      {"id", TokenKind::kId, CompareOp::kEq, false},
      {"contains", TokenKind::kCompareOp, CompareOp::kContains, false},
      {"beginswith", TokenKind::kCompareOp, CompareOp::kBeginsWith, false},
      {"endswith", TokenKind::kCompareOp, CompareOp::kEndsWith, false},
  };
  for (const Reserved& reserved : kReserved) {
    if (reserved.spelling != lowered) continue;
    Token token = Make(reserved.kind, begin);
    token.op = reserved.op;
    token.flag = reserved.flag;
    return token;
  }
  Token token = Make(TokenKind::kWord, begin);
  token.text = std::string(word);
  return token;
}

// pos_ is just past the word `annotation`.
Token Lexer::LexAnnotation(size_t begin, size_t word_end) {
  const char c = word_end < text_.size() ? text_[word_end] : '\0';
  if (c == '.' && word_end + 1 < text_.size() && IsIdentChar(text_[word_end + 1])) {
    pos_ = word_end + 1;
    while (pos_ < text_.size() && IsIdentChar(text_[pos_])) ++pos_;
    const size_t key_end = pos_;
    if (pos_ + 1 < text_.size() && text_[pos_] == '.' && IsIdentChar(text_[pos_ + 1])) {
      while (pos_ < text_.size() && (IsIdentChar(text_[pos_]) || text_[pos_] == '.')) ++pos_;
      const std::string_view key = text_.substr(word_end + 1, pos_ - word_end - 1);
      return MakeError(begin, "annotation key " + QuoteForMessage(key) +
                                  " contains \".\"; write annotation[" + std::string(key) + "]");
    }
    Token token = Make(TokenKind::kAnnotation, begin);
    token.text = std::string(text_.substr(word_end + 1, key_end - word_end - 1));
    return token;
  }
  if (c != '[') {
    return MakeError(begin, "expected \".KEY\" or \"[KEY]\" directly after \"annotation\"");
  }
  const size_t open = word_end;
  pos_ = open + 1;
  while (pos_ < text_.size() && IsWhitespace(text_[pos_])) ++pos_;
  std::string key;
  if (pos_ < text_.size() && text_[pos_] == '"') {
    Token string = LexString();
    if (string.kind == TokenKind::kError) return string;
    while (pos_ < text_.size() && IsWhitespace(text_[pos_])) ++pos_;
    if (pos_ >= text_.size() || text_[pos_] != ']') {
      return MakeError(open, "expected \"]\" after the quoted annotation key");
    }
    key = std::move(string.text);
  } else {
    const size_t close = text_.find(']', open + 1);
    if (close == std::string_view::npos) {
      return MakeError(open, "unterminated annotation key: no \"]\" closes this \"[\"");
    }
    pos_ = close;
    key = std::string(Trim(text_.substr(open + 1, close - open - 1)));
  }
  ++pos_;  // the ']'
  if (key.empty()) return MakeError(open, "empty annotation key");
  Token token = Make(TokenKind::kAnnotation, begin);
  token.text = std::move(key);
  return token;
}

Token Lexer::LexNumber() {
  const size_t begin = pos_;
  const auto digits = [&] {
    const size_t start = pos_;
    while (pos_ < text_.size() && IsDigit(text_[pos_])) ++pos_;
    return pos_ - start;
  };
  const auto at = [&](size_t i) { return i < text_.size() ? text_[i] : '\0'; };
  if (at(pos_) == '+' || at(pos_) == '-') ++pos_;
  digits();
  if (at(pos_) == '.') {
    ++pos_;
    digits();
  }
  bool malformed = false;
  if (at(pos_) == 'e' || at(pos_) == 'E') {
    ++pos_;
    if (at(pos_) == '+' || at(pos_) == '-') ++pos_;
    if (digits() == 0) malformed = true;
  }
  if (IsIdentChar(at(pos_)) || at(pos_) == '.') malformed = true;
  if (malformed) {
    while (IsIdentChar(at(pos_)) || at(pos_) == '.' || at(pos_) == '+' || at(pos_) == '-') ++pos_;
    return MakeError(begin,
                     "malformed number " + QuoteForMessage(text_.substr(begin, pos_ - begin)));
  }
  std::string_view spelling = text_.substr(begin, pos_ - begin);
  if (spelling.front() == '+') spelling.remove_prefix(1);  // from_chars takes no '+'
  double value = 0;
  const auto [end, ec] = std::from_chars(spelling.data(), spelling.data() + spelling.size(), value);
  if (ec == std::errc::result_out_of_range) {
    return MakeError(
        begin, "number " + QuoteForMessage(text_.substr(begin, pos_ - begin)) + " is out of range");
  }
  if (ec != std::errc() || end != spelling.data() + spelling.size() || !std::isfinite(value)) {
    return MakeError(begin,
                     "malformed number " + QuoteForMessage(text_.substr(begin, pos_ - begin)));
  }
  Token token = Make(TokenKind::kNumber, begin);
  token.number = value;
  return token;
}

// pos_ is at the opening quote.
Token Lexer::LexString() {
  const size_t begin = pos_;
  std::string value;
  size_t i = begin + 1;
  while (i < text_.size()) {
    const char c = text_[i];
    if (c == '"') {
      pos_ = i + 1;
      Token token = Make(TokenKind::kString, begin);
      token.text = std::move(value);
      return token;
    }
    if (c == '\\') {
      if (i + 1 >= text_.size()) break;
      const char escaped = text_[i + 1];
      if (escaped != '"' && escaped != '\\') value.push_back('\\');
      value.push_back(escaped);
      i += 2;
      continue;
    }
    value.push_back(c);
    ++i;
  }
  return MakeError(begin, "unterminated string: no closing '\"'");
}

// pos_ is at the '#'.
Token Lexer::LexJson() {
  const size_t begin = pos_;
  if (begin + 1 >= text_.size() || text_[begin + 1] != '[') {
    return MakeError(begin, "expected \"[\" after \"#\" (a JSON literal is written #[ ... ])");
  }
  std::string open_brackets;  // the unclosed '[' and '{', innermost last
  bool in_string = false;
  for (size_t i = begin + 1; i < text_.size(); ++i) {
    const char c = text_[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      open_brackets.push_back(c);
    } else if (c == ']' || c == '}') {
      const char expected = open_brackets.back() == '[' ? ']' : '}';
      if (c != expected) {
        return MakeError(i, std::string("mismatched \"") + c + "\" in JSON literal; expected \"" +
                                expected + "\"");
      }
      open_brackets.pop_back();
      if (open_brackets.empty()) {
        pos_ = i + 1;
        Token token = Make(TokenKind::kJson, begin);
        token.text = std::string(text_.substr(begin + 1, i - begin));
        return token;
      }
    }
  }
  return MakeError(begin, in_string ? "unterminated JSON literal: a string inside it is not closed"
                                    : "unterminated JSON literal: no \"]\" closes its \"#[\"");
}

std::vector<Token> Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  Lexer lexer(text);
  while (true) {
    tokens.push_back(lexer.Next());
    const TokenKind kind = tokens.back().kind;
    if (kind == TokenKind::kEnd || kind == TokenKind::kError) return tokens;
  }
}

std::string QuoteForMessage(std::string_view text) {
  constexpr size_t kMaxBytes = 40;
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "\"";
  size_t i = 0;
  while (i < text.size()) {
    if (i >= kMaxBytes) {
      out += "...";
      break;
    }
    const auto byte = static_cast<unsigned char>(text[i]);
    const size_t length = Utf8SequenceLength(text, i);
    if (length == 0 || byte < 0x20 || byte == 0x7F) {
      out += "\\x";
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xF]);
      ++i;
      continue;
    }
    if (byte == '"' || byte == '\\') out.push_back('\\');
    out.append(text.substr(i, length));
    i += length;
  }
  out.push_back('"');
  return out;
}

std::string DescribeToken(const Token& token, std::string_view text) {
  const size_t begin = std::min<size_t>(token.range.begin, text.size());
  const size_t end = std::clamp<size_t>(token.range.end, begin, text.size());
  const std::string_view spelling = text.substr(begin, end - begin);
  switch (token.kind) {
    case TokenKind::kEnd:
      return "end of expression";
    case TokenKind::kError:
      return "malformed text";
    case TokenKind::kNumber: {
      std::string quoted = QuoteForMessage(spelling);
      return "number " + quoted.substr(1, quoted.size() - 2);
    }
    case TokenKind::kString:
      return "string " + QuoteForMessage(token.text);
    case TokenKind::kJson:
      return "JSON literal " + QuoteForMessage(spelling);
    default:
      return QuoteForMessage(spelling);
  }
}

}  // namespace roentgen::filter
