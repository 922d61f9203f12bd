// storage/coding.h — the byte-level vocabulary of the storage formats: varints, zigzag, fixed-width
// integers (little-endian for values, big-endian for keys so byte order is numeric order), and a
// bounds-checked reader that never reads past its input. Formats: docs/storage-format.md.
// Thread-safety: free functions on caller-owned buffers; a ByteReader is used by one thread.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace roentgen::storage {

inline void PutVarint64(std::string* out, uint64_t value) {
  char buffer[10];
  size_t n = 0;
  while (value >= 0x80) {
    buffer[n++] = static_cast<char>(value | 0x80);
    value >>= 7;
  }
  buffer[n++] = static_cast<char>(value);
  out->append(buffer, n);
}

inline uint64_t ZigZagEncode(int64_t value) {
  return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
}
inline int64_t ZigZagDecode(uint64_t value) {
  return static_cast<int64_t>((value >> 1) ^ (~(value & 1) + 1));
}

inline void PutFixed32LE(std::string* out, uint32_t value) {
  char buffer[4];
  for (int i = 0; i < 4; ++i) buffer[i] = static_cast<char>(value >> (8 * i));
  out->append(buffer, 4);
}
inline void PutFixed64LE(std::string* out, uint64_t value) {
  char buffer[8];
  for (int i = 0; i < 8; ++i) buffer[i] = static_cast<char>(value >> (8 * i));
  out->append(buffer, 8);
}
inline void EncodeFixed32LE(char* dst, uint32_t value) {
  for (int i = 0; i < 4; ++i) dst[i] = static_cast<char>(value >> (8 * i));
}
inline void EncodeFixed32BE(uint8_t* dst, uint32_t value) {
  for (int i = 0; i < 4; ++i) dst[i] = static_cast<uint8_t>(value >> (24 - 8 * i));
}
inline void EncodeFixed64BE(uint8_t* dst, uint64_t value) {
  for (int i = 0; i < 8; ++i) dst[i] = static_cast<uint8_t>(value >> (56 - 8 * i));
}
inline uint32_t DecodeFixed32LE(const void* src) {
  const auto* p = static_cast<const uint8_t*>(src);
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i) value = (value << 8) | p[i];
  return value;
}
inline uint64_t DecodeFixed64LE(const void* src) {
  const auto* p = static_cast<const uint8_t*>(src);
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | p[i];
  return value;
}
inline uint32_t DecodeFixed32BE(const void* src) {
  const auto* p = static_cast<const uint8_t*>(src);
  uint32_t value = 0;
  for (int i = 0; i < 4; ++i) value = (value << 8) | p[i];
  return value;
}
inline uint64_t DecodeFixed64BE(const void* src) {
  const auto* p = static_cast<const uint8_t*>(src);
  uint64_t value = 0;
  for (int i = 0; i < 8; ++i) value = (value << 8) | p[i];
  return value;
}

inline void PutLengthPrefixed(std::string* out, std::string_view bytes) {
  PutVarint64(out, bytes.size());
  out->append(bytes);
}

// The IEEE-754 bits of a double, so times can be stored losslessly as integer deltas.
inline uint64_t DoubleBits(double value) { return std::bit_cast<uint64_t>(value); }
inline double DoubleFromBits(uint64_t bits) { return std::bit_cast<double>(bits); }

// Reads the formats above from a byte range. Every Read* returns false (and leaves the reader
// failed) instead of reading past the end or accepting an overlong varint.
class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : data_(bytes) {}

  bool ReadByte(uint8_t* out) {
    if (pos_ >= data_.size()) return Fail();
    *out = static_cast<uint8_t>(data_[pos_++]);
    return true;
  }
  bool ReadVarint64(uint64_t* out) {
    uint64_t result = 0;
    for (int shift = 0; shift <= 63; shift += 7) {
      if (pos_ >= data_.size()) return Fail();
      const uint64_t byte = static_cast<uint8_t>(data_[pos_++]);
      if (shift == 63 && byte > 1) return Fail();  // more than 64 bits
      result |= (byte & 0x7f) << shift;
      if (byte < 0x80) {
        *out = result;
        return true;
      }
    }
    return Fail();
  }
  bool ReadVarint32(uint32_t* out) {
    uint64_t value = 0;
    if (!ReadVarint64(&value) || value > UINT32_MAX) return Fail();
    *out = static_cast<uint32_t>(value);
    return true;
  }
  bool ReadZigZag64(int64_t* out) {
    uint64_t value = 0;
    if (!ReadVarint64(&value)) return false;
    *out = ZigZagDecode(value);
    return true;
  }
  bool ReadFixed32LE(uint32_t* out) {
    std::string_view bytes;
    if (!ReadBytes(4, &bytes)) return false;
    *out = DecodeFixed32LE(bytes.data());
    return true;
  }
  bool ReadFixed64LE(uint64_t* out) {
    std::string_view bytes;
    if (!ReadBytes(8, &bytes)) return false;
    uint64_t value = 0;
    for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<uint8_t>(bytes[i]);
    *out = value;
    return true;
  }
  bool ReadBytes(size_t n, std::string_view* out) {
    if (n > data_.size() - pos_) return Fail();
    *out = data_.substr(pos_, n);
    pos_ += n;
    return true;
  }
  bool ReadLengthPrefixed(std::string_view* out) {
    uint64_t n = 0;
    if (!ReadVarint64(&n)) return false;
    if (n > data_.size() - pos_) return Fail();
    return ReadBytes(static_cast<size_t>(n), out);
  }
  // A count of following items, each at least `min_item_bytes` long: rejects counts that the
  // remaining input cannot possibly hold, so garbage never drives a huge allocation.
  bool ReadCount(size_t min_item_bytes, uint64_t* out) {
    uint64_t n = 0;
    if (!ReadVarint64(&n)) return false;
    if (min_item_bytes > 0 && n > remaining() / min_item_bytes) return Fail();
    *out = n;
    return true;
  }

  size_t position() const { return pos_; }
  size_t remaining() const { return data_.size() - pos_; }
  bool empty() const { return pos_ == data_.size(); }
  bool failed() const { return failed_; }

 private:
  bool Fail() {
    failed_ = true;
    pos_ = data_.size();
    return false;
  }

  std::string_view data_;
  size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace roentgen::storage
