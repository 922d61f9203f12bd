#include "model/ids.h"

#include <array>
#include <cstring>

namespace roentgen::model {
namespace {

// -1 for a byte that is not a hex digit.
constexpr std::array<int8_t, 256> MakeHexTable() {
  std::array<int8_t, 256> table{};
  for (auto& v : table) v = -1;
  for (int c = '0'; c <= '9'; ++c) table[c] = static_cast<int8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) table[c] = static_cast<int8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) table[c] = static_cast<int8_t>(c - 'A' + 10);
  return table;
}
constexpr std::array<int8_t, 256> kHexValue = MakeHexTable();
constexpr char kHexDigits[] = "0123456789abcdef";

int HexValue(char c) { return kHexValue[static_cast<uint8_t>(c)]; }

// Decodes 2 * out.size() hex digits from `text` into `out`. False on a non-hex byte.
bool DecodeHex(const char* text, uint8_t* out, size_t out_size) {
  for (size_t i = 0; i < out_size; ++i) {
    const int hi = HexValue(text[2 * i]);
    const int lo = HexValue(text[2 * i + 1]);
    if ((hi | lo) < 0) return false;
    out[i] = static_cast<uint8_t>((hi << 4) | lo);
  }
  return true;
}

void AppendHex(const uint8_t* bytes, size_t size, std::string& out) {
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kHexDigits[bytes[i] >> 4]);
    out.push_back(kHexDigits[bytes[i] & 0xf]);
  }
}

}  // namespace

std::optional<TraceId> TraceId::Parse(std::string_view text) {
  // 1-TTTTTTTT-RRRRRRRRRRRRRRRRRRRRRRRR
  // 0123456789012345678901234567890123 4
  if (text.size() != kTextLength || text[0] != '1' || text[1] != '-' || text[10] != '-') {
    return std::nullopt;
  }
  Key key;
  if (!DecodeHex(text.data() + 2, key.data(), 4)) return std::nullopt;
  if (!DecodeHex(text.data() + 11, key.data() + 4, 12)) return std::nullopt;
  return TraceId(key);
}

uint32_t TraceId::epoch() const {
  return (uint32_t{key_[0]} << 24) | (uint32_t{key_[1]} << 16) | (uint32_t{key_[2]} << 8) |
         uint32_t{key_[3]};
}

std::string TraceId::ToString() const {
  std::string out;
  out.reserve(kTextLength);
  out += "1-";
  AppendHex(key_.data(), 4, out);
  out.push_back('-');
  AppendHex(key_.data() + 4, 12, out);
  return out;
}

std::optional<EntityId> ParseEntityId(std::string_view text) {
  if (text.size() != 16) return std::nullopt;
  EntityId id = 0;
  for (char c : text) {
    const int v = HexValue(c);
    if (v < 0) return std::nullopt;
    id = (id << 4) | static_cast<EntityId>(v);
  }
  return id;
}

std::string FormatEntityId(EntityId id) {
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i) {
    out[static_cast<size_t>(i)] = kHexDigits[id & 0xf];
    id >>= 4;
  }
  return out;
}

}  // namespace roentgen::model

size_t std::hash<roentgen::model::TraceId>::operator()(
    const roentgen::model::TraceId& id) const noexcept {
  // The last 12 bytes are random (for SDK-generated ids), the first 4 a timestamp; mix both
  // halves so that ids differing anywhere spread well.
  uint64_t a;
  uint64_t b;
  std::memcpy(&a, id.key().data(), 8);
  std::memcpy(&b, id.key().data() + 8, 8);
  uint64_t h = a * 0x9E3779B97F4A7C15ULL ^ (b + 0xC2B2AE3D27D4EB4FULL + (a << 6) + (a >> 2));
  h ^= h >> 33;
  h *= 0xFF51AFD7ED558CCDULL;
  h ^= h >> 33;
  return static_cast<size_t>(h);
}
