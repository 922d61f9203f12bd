#include "storage/segment_log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/check.h"
#include "storage/coding.h"
#include "storage/crc32c.h"
#include "storage/file_io.h"

namespace roentgen::storage {
namespace {

constexpr uint8_t kCodecRaw = 0;
constexpr uint8_t kCodecZstd = 1;
constexpr uint8_t kCodecZstdDictionary = 2;
constexpr uint8_t kHeaderVersion = 1;
constexpr uint8_t kFlagContinued = 1 << 0;
constexpr uint8_t kFlagMultiPartition = 1 << 1;

void EncodeHeader(const FrameHeader& header, std::string* out) {
  out->push_back(static_cast<char>(kHeaderVersion));
  uint8_t flags = 0;
  if (header.continued) flags |= kFlagContinued;
  if (!header.participants.empty()) flags |= kFlagMultiPartition;
  out->push_back(static_cast<char>(flags));
  PutVarint64(out, header.write_seq);
  if (!header.participants.empty()) {
    PutVarint64(out, header.participants.size());
    for (int32_t day : header.participants) PutVarint64(out, ZigZagEncode(day));
  }
  PutFixed64LE(out, DoubleBits(header.received_at));
  PutVarint64(out, header.body_size);
}

bool DecodeHeader(std::string_view bytes, FrameHeader* header, bool* known_version) {
  ByteReader in(bytes);
  uint8_t version = 0;
  uint8_t flags = 0;
  if (!in.ReadByte(&version)) return false;
  *known_version = version == kHeaderVersion;
  if (!*known_version) return false;
  if (!in.ReadByte(&flags) || (flags & ~(kFlagContinued | kFlagMultiPartition)) != 0) return false;
  if (!in.ReadVarint64(&header->write_seq)) return false;
  header->continued = flags & kFlagContinued;
  header->participants.clear();
  if (flags & kFlagMultiPartition) {
    uint64_t n = 0;
    if (!in.ReadCount(1, &n)) return false;
    for (uint64_t i = 0; i < n; ++i) {
      int64_t day = 0;
      if (!in.ReadZigZag64(&day) || day < INT32_MIN || day > INT32_MAX) return false;
      header->participants.push_back(static_cast<int32_t>(day));
    }
  }
  uint64_t bits = 0;
  if (!in.ReadFixed64LE(&bits) || !in.ReadVarint32(&header->body_size)) return false;
  header->received_at = DoubleFromBits(bits);
  return in.empty() && header->body_size <= kMaxFramePayload;
}

}  // namespace

FrameEncoder::FrameEncoder(int zstd_level) : cctx_(ZSTD_createCCtx()), level_(zstd_level) {
  CHECK(cctx_ != nullptr) << "ZSTD_createCCtx";
}

FrameEncoder::~FrameEncoder() { ZSTD_freeCCtx(cctx_); }

void FrameEncoder::Encode(const FrameHeader& header, std::string_view body, std::string* out,
                          const ZstdDictionary* dictionary) {
  CHECK(body.size() == header.body_size) << "frame body size mismatch";
  CHECK(body.size() <= kMaxFramePayload / 2) << "frame body too large: " << body.size();
  const size_t frame_start = out->size();
  out->resize(frame_start + kFrameHeaderBytes);  // filled in below

  scratch_.clear();
  EncodeHeader(header, &scratch_);
  PutVarint64(out, scratch_.size());
  out->append(scratch_);

  uint8_t codec = kCodecRaw;
  const size_t body_start = out->size();
  const size_t bound = ZSTD_compressBound(body.size());
  out->resize(body_start + bound);
  const size_t compressed =
      dictionary != nullptr
          ? ZSTD_compress_usingCDict(cctx_, out->data() + body_start, bound, body.data(),
                                     body.size(), dictionary->cdict())
          : ZSTD_compressCCtx(cctx_, out->data() + body_start, bound, body.data(), body.size(),
                              level_);
  if (!ZSTD_isError(compressed) && compressed < body.size()) {
    codec = dictionary != nullptr ? kCodecZstdDictionary : kCodecZstd;
    out->resize(body_start + compressed);
  } else {
    out->resize(body_start);
    out->append(body);
  }

  char* frame = out->data() + frame_start;
  const size_t payload_size = out->size() - frame_start - kFrameHeaderBytes;
  frame[8] = static_cast<char>(codec);
  const uint32_t crc =
      Crc32cExtend(Crc32cExtend(0, frame + 8, 1), frame + kFrameHeaderBytes, payload_size);
  EncodeFixed32LE(frame, static_cast<uint32_t>(payload_size));
  EncodeFixed32LE(frame + 4, crc);
}

Result<std::unique_ptr<SegmentLog>> SegmentLog::Open(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoStatus("open", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Status status = ErrnoStatus("fstat", path);
    ::close(fd);
    return status;
  }
  return std::unique_ptr<SegmentLog>(new SegmentLog(fd, path, static_cast<uint64_t>(st.st_size)));
}

SegmentLog::~SegmentLog() { ::close(fd_); }

Status SegmentLog::Append(std::string_view bytes) {
  uint64_t offset = size_.load(std::memory_order_relaxed);
  const char* p = bytes.data();
  size_t left = bytes.size();
  while (left > 0) {
    const ssize_t n = ::pwrite(fd_, p, left, static_cast<off_t>(offset));
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus("write", path_);
    }
    p += n;
    left -= static_cast<size_t>(n);
    offset += static_cast<uint64_t>(n);
  }
  size_.store(offset, std::memory_order_release);
  return Status::Ok();
}

void SegmentLog::SetDictionary(std::shared_ptr<const ZstdDictionary> dictionary) {
  std::lock_guard lock(dictionary_mu_);
  dictionary_ = std::move(dictionary);
}

std::shared_ptr<const ZstdDictionary> SegmentLog::dictionary() const {
  std::lock_guard lock(dictionary_mu_);
  return dictionary_;
}

Status SegmentLog::Sync() {
  if (::fdatasync(fd_) != 0) return ErrnoStatus("fdatasync", path_);
  return Status::Ok();
}

Status SegmentLog::Truncate(uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return ErrnoStatus("ftruncate", path_);
  size_.store(size, std::memory_order_release);
  return Sync();
}

Result<Frame> SegmentLog::ReadFrame(uint64_t offset, bool with_body, bool* intact) const {
  if (intact != nullptr) *intact = false;
  auto read_exact = [&](uint64_t at, char* dst, size_t n) -> Status {
    while (n > 0) {
      const ssize_t got = ::pread(fd_, dst, n, static_cast<off_t>(at));
      if (got < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus("read", path_);
      }
      if (got == 0)
        return Status::Corruption("frame at " + std::to_string(offset) + " in " + path_ +
                                  " runs past the end of the file");
      dst += got;
      n -= static_cast<size_t>(got);
      at += static_cast<uint64_t>(got);
    }
    return Status::Ok();
  };
  auto corrupt = [&](std::string_view why) {
    return Status::Corruption("frame at " + std::to_string(offset) + " in " + path_ + ": " +
                              std::string(why));
  };

  char fixed[kFrameHeaderBytes];
  RETURN_IF_ERROR(read_exact(offset, fixed, kFrameHeaderBytes));
  const uint32_t payload_size = DecodeFixed32LE(fixed);
  const uint32_t crc = DecodeFixed32LE(fixed + 4);
  const auto codec = static_cast<uint8_t>(fixed[8]);
  if (payload_size > kMaxFramePayload) return corrupt("implausible length");
  std::string payload(payload_size, '\0');
  RETURN_IF_ERROR(read_exact(offset + kFrameHeaderBytes, payload.data(), payload_size));
  if (Crc32cExtend(Crc32cExtend(0, fixed + 8, 1), payload.data(), payload.size()) != crc) {
    return corrupt("checksum mismatch");
  }
  if (intact != nullptr) *intact = true;

  Frame frame;
  frame.offset = offset;
  frame.size = kFrameHeaderBytes + uint64_t{payload_size};
  ByteReader in(payload);
  std::string_view header_bytes;
  if (!in.ReadLengthPrefixed(&header_bytes)) return corrupt("malformed header");
  bool known_version = false;
  if (!DecodeHeader(header_bytes, &frame.header, &known_version)) {
    // The checksum matched, so this is no torn write: refuse rather than guess.
    return known_version ? corrupt("malformed header") : corrupt("unknown frame format version");
  }
  if (!with_body) return frame;

  std::string_view stored = std::string_view(payload).substr(in.position());
  const uint32_t body_size = frame.header.body_size;
  if (codec == kCodecRaw) {
    if (stored.size() != body_size) return corrupt("body size mismatch");
    frame.body.assign(stored);
  } else if (codec == kCodecZstd || codec == kCodecZstdDictionary) {
    std::shared_ptr<const ZstdDictionary> dictionary;
    if (codec == kCodecZstdDictionary) {
      dictionary = this->dictionary();
      if (dictionary == nullptr)
        return corrupt("needs the partition's dictionary, which is missing");
    }
    frame.body.resize(body_size);
    const size_t n =
        dictionary != nullptr
            ? ZSTD_decompress_usingDDict(ThreadZstdDCtx(), frame.body.data(), body_size,
                                         stored.data(), stored.size(), dictionary->ddict())
            : ZSTD_decompressDCtx(ThreadZstdDCtx(), frame.body.data(), body_size, stored.data(),
                                  stored.size());
    if (ZSTD_isError(n) || n != body_size) return corrupt("zstd body does not decompress");
  } else {
    return corrupt("unknown codec");
  }
  return frame;
}

}  // namespace roentgen::storage
