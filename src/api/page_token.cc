#include "api/page_token.h"

#include <array>
#include <cstring>

namespace roentgen::api {
namespace {

constexpr uint8_t kTokenVersion = 1;
constexpr std::string_view kAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void AppendU64(std::string& out, uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(value >> (8 * i)));
}

uint64_t ReadU64(std::string_view in) {
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value |= uint64_t{static_cast<uint8_t>(in[i])} << (8 * i);
  return value;
}

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char byte : bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(kAlphabet[(buffer >> bits) & 0x3f]);
    }
  }
  if (bits > 0) out.push_back(kAlphabet[(buffer << (6 - bits)) & 0x3f]);
  return out;
}

bool Base64UrlDecode(std::string_view text, std::string& out) {
  std::array<int8_t, 256> value;
  value.fill(-1);
  for (size_t i = 0; i < kAlphabet.size(); ++i) value[static_cast<uint8_t>(kAlphabet[i])] = i;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const int8_t v = value[static_cast<uint8_t>(c)];
    if (v < 0) return false;
    buffer = (buffer << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xff));
    }
  }
  return true;
}

}  // namespace

uint64_t Fingerprint(std::string_view text) {
  uint64_t hash = 14695981039346656037ULL;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

std::string EncodePageToken(uint64_t query_fingerprint, std::string_view payload) {
  std::string bytes;
  bytes.push_back(static_cast<char>(kTokenVersion));
  AppendU64(bytes, query_fingerprint);
  bytes.append(payload);
  AppendU64(bytes, Fingerprint(bytes));
  return Base64UrlEncode(bytes);
}

Result<std::string> DecodePageToken(std::string_view token, uint64_t query_fingerprint) {
  std::string bytes;
  if (!Base64UrlDecode(token, bytes) || bytes.size() < 17 ||
      static_cast<uint8_t>(bytes[0]) != kTokenVersion) {
    return Status::InvalidArgument("NextToken is not a token this server issued");
  }
  std::string_view view(bytes);
  const uint64_t checksum = ReadU64(view.substr(view.size() - 8));
  view.remove_suffix(8);
  if (Fingerprint(view) != checksum) {
    return Status::InvalidArgument("NextToken is damaged");
  }
  if (ReadU64(view.substr(1, 8)) != query_fingerprint) {
    return Status::InvalidArgument("NextToken belongs to a different query");
  }
  return std::string(view.substr(9));
}

}  // namespace roentgen::api
