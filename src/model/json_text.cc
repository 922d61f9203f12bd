#include "model/json_text.h"

#include "core/check.h"

namespace roentgen::model {
namespace {

constexpr size_t kMaxQuotedBytes = 64;
constexpr char kHexDigits[] = "0123456789abcdef";

}  // namespace

std::string_view TrimJsonWhitespace(std::string_view text) {
  size_t begin = 0;
  size_t end = text.size();
  while (begin < end && IsJsonWhitespace(text[begin])) ++begin;
  while (end > begin && IsJsonWhitespace(text[end - 1])) --end;
  return text.substr(begin, end - begin);
}

std::vector<std::string_view> SplitJsonArray(std::string_view array_text) {
  CHECK(array_text.size() >= 2 && array_text.front() == '[' && array_text.back() == ']')
      << "not a JSON array";
  std::vector<std::string_view> elements;
  const size_t size = array_text.size();
  size_t i = 1;
  while (i < size && IsJsonWhitespace(array_text[i])) ++i;
  if (i < size && array_text[i] == ']') return elements;  // empty array
  while (i < size) {
    // Scan one element up to the ',' or ']' that closes it at depth 0.
    const size_t start = i;
    int depth = 0;
    bool in_string = false;
    for (; i < size; ++i) {
      const char c = array_text[i];
      if (in_string) {
        if (c == '\\') {
          ++i;  // skip the escaped character
        } else if (c == '"') {
          in_string = false;
        }
        continue;
      }
      if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++depth;
      } else if (c == '}' || c == ']') {
        if (depth == 0) break;  // the array's own ']'
        --depth;
      } else if (c == ',' && depth == 0) {
        break;
      }
    }
    CHECK(i < size) << "unterminated array element";
    elements.push_back(TrimJsonWhitespace(array_text.substr(start, i - start)));
    if (array_text[i] == ']') break;
    ++i;  // past ','
  }
  return elements;
}

std::optional<std::string_view> FindStringMember(std::string_view text, std::string_view key) {
  std::string needle;
  needle.reserve(key.size() + 2);
  needle += '"';
  needle += key;
  needle += '"';
  for (size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + 1)) {
    size_t i = at + needle.size();
    while (i < text.size() && IsJsonWhitespace(text[i])) ++i;
    if (i >= text.size() || text[i] != ':') continue;
    ++i;
    while (i < text.size() && IsJsonWhitespace(text[i])) ++i;
    if (i >= text.size() || text[i] != '"') continue;
    const size_t value_start = ++i;
    while (i < text.size() && text[i] != '"' && text[i] != '\\') ++i;
    if (i >= text.size() || text[i] != '"') continue;
    return text.substr(value_start, i - value_start);
  }
  return std::nullopt;
}

std::optional<uint32_t> DecodeUtf8(std::string_view text, size_t* pos) {
  const size_t i = *pos;
  const auto byte = [&](size_t k) { return static_cast<uint8_t>(text[k]); };
  const uint8_t b0 = byte(i);
  if (b0 < 0x80) {
    *pos = i + 1;
    return b0;
  }
  size_t length;
  uint32_t cp;
  uint32_t min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2, cp = b0 & 0x1Fu, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3, cp = b0 & 0x0Fu, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4, cp = b0 & 0x07u, min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (text.size() - i < length) return std::nullopt;
  for (size_t k = 1; k < length; ++k) {
    const uint8_t b = byte(i + k);
    if ((b & 0xC0) != 0x80) return std::nullopt;
    cp = (cp << 6) | (b & 0x3Fu);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
  *pos = i + length;
  return cp;
}

std::string QuoteForDetail(std::string_view text) {
  std::string out;
  out.reserve(std::min(text.size(), kMaxQuotedBytes) + 8);
  out += '"';
  size_t pos = 0;
  while (pos < text.size()) {
    if (pos >= kMaxQuotedBytes) {
      out += "...";
      break;
    }
    const size_t start = pos;
    const std::optional<uint32_t> cp = DecodeUtf8(text, &pos);
    if (!cp) {
      const auto b = static_cast<uint8_t>(text[pos]);
      out += "\\x";
      out += kHexDigits[b >> 4];
      out += kHexDigits[b & 0xf];
      ++pos;
      continue;
    }
    if (*cp == '"' || *cp == '\\') {
      out += '\\';
      out += static_cast<char>(*cp);
    } else if (*cp < 0x20 || *cp == 0x7f) {
      out += "\\u00";
      out += kHexDigits[*cp >> 4];
      out += kHexDigits[*cp & 0xf];
    } else {
      out.append(text.substr(start, pos - start));
    }
  }
  out += '"';
  return out;
}

}  // namespace roentgen::model
