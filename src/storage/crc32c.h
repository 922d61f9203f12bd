// storage/crc32c.h — CRC-32C (Castagnoli), the checksum of every log frame. Uses the SSE4.2
// instruction when the CPU has it, a table otherwise; both give the same value.
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace roentgen::storage {

// Extends `crc` (the CRC of some preceding bytes, 0 for none) with `data`.
uint32_t Crc32cExtend(uint32_t crc, const void* data, size_t size);

inline uint32_t Crc32c(std::string_view data) { return Crc32cExtend(0, data.data(), data.size()); }

}  // namespace roentgen::storage
