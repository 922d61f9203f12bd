// model/json_text.h — small byte-level helpers over JSON text shared inside model/ (trimming,
// splitting an already-validated top-level array, best-effort member lookup in broken text,
// quoting client text into error details). Internal to model/; not a JSON parser.
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace roentgen::model {

// JSON's insignificant whitespace: space, tab, LF, CR.
inline bool IsJsonWhitespace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// `text` without leading and trailing JSON whitespace.
std::string_view TrimJsonWhitespace(std::string_view text);

// The raw text of each element of `array_text`, trimmed, in order.
// Precondition: `array_text` is one valid JSON array (already validated by a parser) with no
// surrounding whitespace; CHECK-fails when the text does not even look like an array.
std::vector<std::string_view> SplitJsonArray(std::string_view array_text);

// Best effort on text that may not be valid JSON: the raw (unescaped) value of the first
// `"<key>" : "<value>"` in `text` whose value has no backslash, at any depth. nullopt if none.
std::optional<std::string_view> FindStringMember(std::string_view text, std::string_view key);

// Decodes one UTF-8 code point at text[*pos] and advances *pos past it. nullopt (and *pos
// unchanged) on a malformed sequence: overlong, surrogate, above U+10FFFF or truncated.
// Precondition: *pos < text.size().
std::optional<uint32_t> DecodeUtf8(std::string_view text, size_t* pos);

// `"<text>"` for an error detail: `"`, `\` and control characters escaped, invalid UTF-8 bytes
// written as \xNN, and cut (on a character boundary) after 64 bytes with "..." appended. The
// result is always valid UTF-8.
std::string QuoteForDetail(std::string_view text);

}  // namespace roentgen::model
