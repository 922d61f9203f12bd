// storage/zstd_dictionary.h — a zstd dictionary trained on a partition's own data, for the two
// things the store compresses in pieces too small to compress well alone:
//  * trace summaries in the index: they repeat the same strings trace after trace (service names
//    and types, URLs, user agents, annotation keys); with a 16 KiB dictionary a ~330-byte summary
//    of the bench traffic takes ~90 bytes (~2.5 µs to compress, ~0.7 µs to decompress);
//  * log frames: with a 32 KiB dictionary a 128 KiB frame compresses as well as a 1 MiB one
//    without, and a small Write (a quiet server) no longer pays for starting from nothing.
// Thread-safety: immutable once created; may be shared by any number of threads (each thread
// uses its own zstd contexts).
#pragma once

#include <zstd.h>

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/status.h"

namespace roentgen::storage {

class ZstdDictionary {
 public:
  // Trains a dictionary of at most `max_bytes` on `samples`; when zstd cannot (too few or too
  // uniform samples), the latest samples themselves serve as a raw-content dictionary.
  static std::string Train(std::span<const std::string> samples, size_t max_bytes);

  // Prepares `bytes` (from Train, or as stored) for use at compression `level`.
  static Result<std::shared_ptr<const ZstdDictionary>> Create(std::string bytes, int level);
  ~ZstdDictionary();
  ZstdDictionary(const ZstdDictionary&) = delete;
  ZstdDictionary& operator=(const ZstdDictionary&) = delete;

  const std::string& bytes() const { return bytes_; }
  const ZSTD_CDict* cdict() const { return cdict_; }
  const ZSTD_DDict* ddict() const { return ddict_; }

  // Compresses a small value into `out`; false (`out` unspecified) when that would not shrink it.
  bool Compress(std::string_view raw, std::string* out) const;
  // Decompresses what Compress wrote. Corruption for anything else.
  Status Decompress(std::string_view compressed, std::string* out) const;

 private:
  ZstdDictionary(std::string bytes, ZSTD_CDict* cdict, ZSTD_DDict* ddict)
      : bytes_(std::move(bytes)), cdict_(cdict), ddict_(ddict) {}

  const std::string bytes_;
  ZSTD_CDict* const cdict_;
  ZSTD_DDict* const ddict_;
};

// Per-thread zstd contexts, reused across calls.
ZSTD_CCtx* ThreadZstdCCtx();
ZSTD_DCtx* ThreadZstdDCtx();

}  // namespace roentgen::storage
