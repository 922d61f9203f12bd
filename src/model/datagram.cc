#include "model/datagram.h"

#include <simdjson.h>

#include <cstring>
#include <memory>
#include <string>

namespace roentgen::model {
namespace {

namespace dom = simdjson::dom;

constexpr std::string_view kCompactHeader = R"({"format":"json","version":1})";  // Python, Node
constexpr size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::string_view kSpacedHeader = R"({"format": "json", "version": 1})";  // Go, Java

bool EqualsIgnoringAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// The slow path: decode the header as Go's json.Unmarshal into {Format string; Version int}
// would, then apply the daemon's validity rule. Go semantics kept: member names match
// case-insensitively, the last match wins, a member of the wrong type (or null) leaves the field
// unchanged, and any syntax error leaves both fields zero.
bool IsValidHeaderSlow(std::string_view header) {
  // No UDP datagram is larger; the bound keeps the per-thread parser's memory bounded too.
  if (header.size() > kMaxHeaderBytes) return false;
  // One parser and buffer per thread: this runs on every receiving thread and must not allocate
  // once warmed up.
  thread_local dom::parser parser;
  thread_local std::unique_ptr<char[]> buffer;
  thread_local size_t buffer_size = 0;
  if (buffer_size < header.size() + simdjson::SIMDJSON_PADDING) {
    buffer_size = header.size() + simdjson::SIMDJSON_PADDING;
    buffer.reset(new char[buffer_size]);
  }
  std::memcpy(buffer.get(), header.data(), header.size());
  std::memset(buffer.get() + header.size(), 0, simdjson::SIMDJSON_PADDING);

  dom::element root;
  if (parser.parse(buffer.get(), header.size(), /*realloc_if_needed=*/false).get(root) !=
      simdjson::SUCCESS) {
    return false;
  }
  dom::object object;
  if (root.get_object().get(object) != simdjson::SUCCESS) return false;

  std::string_view format;
  int64_t version = 0;
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string_view key = it.key();
    const dom::element value = it.value();
    if (EqualsIgnoringAsciiCase(key, "format")) {
      std::string_view text;
      if (value.get_string().get(text) == simdjson::SUCCESS) format = text;
    } else if (EqualsIgnoringAsciiCase(key, "version")) {
      // Only an integer literal decodes into Go's int: 1.0 and 1e0 are type errors.
      if (value.type() == dom::element_type::INT64) {
        int64_t number = 0;
        if (value.get_int64().get(number) == simdjson::SUCCESS) version = number;
      }
    }
  }
  return EqualsIgnoringAsciiCase(format, "json") && version == 1;
}

}  // namespace

std::string_view DatagramErrorName(DatagramError error) {
  switch (error) {
    case DatagramError::kMissingHeader:
      return "MissingHeader";
    case DatagramError::kBadHeader:
      return "BadHeader";
  }
  return "Unknown";
}

std::string_view DatagramErrorMessage(DatagramError error) {
  switch (error) {
    case DatagramError::kMissingHeader:
      return "Missing header or segment";
    case DatagramError::kBadHeader:
      return "Invalid header";
  }
  return "Unknown datagram error";
}

SplitDatagramResult SplitDatagram(std::string_view datagram) {
  const void* newline = std::memchr(datagram.data(), '\n', datagram.size());
  if (newline == nullptr) return DatagramError::kMissingHeader;
  const size_t header_size =
      static_cast<size_t>(static_cast<const char*>(newline) - datagram.data());
  const std::string_view body = datagram.substr(header_size + 1);
  if (body.empty()) return DatagramError::kMissingHeader;
  const std::string_view header = datagram.substr(0, header_size);
  if (header == kCompactHeader || header == kSpacedHeader || IsValidHeaderSlow(header)) {
    return body;
  }
  return DatagramError::kBadHeader;
}

}  // namespace roentgen::model
