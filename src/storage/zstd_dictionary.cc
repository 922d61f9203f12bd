#include "storage/zstd_dictionary.h"

#include <zdict.h>

#include <algorithm>
#include <vector>

#include "core/check.h"

namespace roentgen::storage {
namespace {

// Values compressed one by one are small; anything claiming more is garbage.
constexpr unsigned long long kMaxValueBytes = 1u << 20;

struct CCtxDeleter {
  void operator()(ZSTD_CCtx* cctx) const { ZSTD_freeCCtx(cctx); }
};
struct DCtxDeleter {
  void operator()(ZSTD_DCtx* dctx) const { ZSTD_freeDCtx(dctx); }
};

}  // namespace

ZSTD_CCtx* ThreadZstdCCtx() {
  thread_local std::unique_ptr<ZSTD_CCtx, CCtxDeleter> cctx(ZSTD_createCCtx());
  CHECK(cctx != nullptr) << "ZSTD_createCCtx";
  return cctx.get();
}

ZSTD_DCtx* ThreadZstdDCtx() {
  thread_local std::unique_ptr<ZSTD_DCtx, DCtxDeleter> dctx(ZSTD_createDCtx());
  CHECK(dctx != nullptr) << "ZSTD_createDCtx";
  return dctx.get();
}

std::string ZstdDictionary::Train(std::span<const std::string> samples, size_t max_bytes) {
  std::string joined;
  std::vector<size_t> sizes;
  for (const std::string& sample : samples) {
    joined += sample;
    sizes.push_back(sample.size());
  }
  std::string dictionary(max_bytes, '\0');
  const size_t n = ZDICT_trainFromBuffer(dictionary.data(), dictionary.size(), joined.data(),
                                         sizes.data(), static_cast<unsigned>(sizes.size()));
  if (!ZDICT_isError(n)) {
    dictionary.resize(n);
    return dictionary;
  }
  // Raw content: the latest samples, which zstd can still match against.
  const size_t keep = std::min(joined.size(), max_bytes);
  return joined.substr(joined.size() - keep);
}

Result<std::shared_ptr<const ZstdDictionary>> ZstdDictionary::Create(std::string bytes, int level) {
  if (bytes.empty() || bytes.size() > (1u << 20)) {
    return Status::Corruption("zstd dictionary of implausible size " +
                              std::to_string(bytes.size()));
  }
  ZSTD_CDict* cdict = ZSTD_createCDict(bytes.data(), bytes.size(), level);
  ZSTD_DDict* ddict = ZSTD_createDDict(bytes.data(), bytes.size());
  if (cdict == nullptr || ddict == nullptr) {
    ZSTD_freeCDict(cdict);
    ZSTD_freeDDict(ddict);
    return Status::Corruption("zstd dictionary is not usable");
  }
  return std::shared_ptr<const ZstdDictionary>(new ZstdDictionary(std::move(bytes), cdict, ddict));
}

ZstdDictionary::~ZstdDictionary() {
  ZSTD_freeCDict(cdict_);
  ZSTD_freeDDict(ddict_);
}

bool ZstdDictionary::Compress(std::string_view raw, std::string* out) const {
  ZSTD_CCtx* cctx = ThreadZstdCCtx();
  ZSTD_CCtx_reset(cctx, ZSTD_reset_session_and_parameters);
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_dictIDFlag, 0);  // 4 bytes saved: one dictionary per db
  ZSTD_CCtx_setParameter(cctx, ZSTD_c_checksumFlag, 0);
  if (ZSTD_isError(ZSTD_CCtx_refCDict(cctx, cdict_))) return false;
  out->resize(ZSTD_compressBound(raw.size()));
  const size_t n = ZSTD_compress2(cctx, out->data(), out->size(), raw.data(), raw.size());
  if (ZSTD_isError(n) || n >= raw.size()) return false;
  out->resize(n);
  return true;
}

Status ZstdDictionary::Decompress(std::string_view compressed, std::string* out) const {
  const unsigned long long size = ZSTD_getFrameContentSize(compressed.data(), compressed.size());
  if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > kMaxValueBytes) {
    return Status::Corruption("dictionary-compressed value is malformed");
  }
  out->resize(static_cast<size_t>(size));
  const size_t n = ZSTD_decompress_usingDDict(ThreadZstdDCtx(), out->data(), out->size(),
                                              compressed.data(), compressed.size(), ddict_);
  if (ZSTD_isError(n) || n != size) {
    return Status::Corruption("dictionary-compressed value does not decompress");
  }
  return Status::Ok();
}

}  // namespace roentgen::storage
