// storage/segment_log.h — one partition's `segments.log`: an append-only file of checksummed,
// zstd-compressed frames, the write-ahead log and the only copy of every document's text.
//
//   frame   := u32le payload_length, u32le crc32c(codec || payload), u8 codec, payload
//   payload := varint header_length, FrameHeader, body
//   codec   := 0 raw body | 1 zstd | 2 zstd with the partition's dictionary (`frames.dict`)
//
// The body (documents; storage/document_frame.h) is opaque here. A frame whose checksum fails or
// that runs past the end of the file is reported as Corruption; Open's caller decides whether
// that is a torn tail (truncate) or damage. Full layout: docs/storage-format.md.
// Thread-safety: Append, Sync and Truncate are never called concurrently with each other (Sync
// may run on a helper thread of the writer); ReadFrame, size() and the dictionary accessors may
// run concurrently with them (reads use pread, and a reader only asks for frames that were
// appended before it learned their offsets).
#pragma once

#include <zstd.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/status.h"
#include "storage/zstd_dictionary.h"

namespace roentgen::storage {

// The uncompressed part of a frame: which Write it belongs to.
struct FrameHeader {
  // Monotonic number of the Write (across the whole store) that produced this frame.
  uint64_t write_seq = 0;
  // More frames of the same Write follow in this log.
  bool continued = false;
  // Days of every partition the Write touched, when it touched more than one; empty otherwise.
  // Recovery applies such a Write only if it reached every one of them.
  std::vector<int32_t> participants;
  EpochSeconds received_at = 0;
  // Size of the decompressed body.
  uint32_t body_size = 0;
};

struct Frame {
  FrameHeader header;
  std::string body;  // decompressed; empty unless asked for
  uint64_t offset = 0;
  uint64_t size = 0;  // on disk, including the 9-byte frame header
};

inline constexpr size_t kFrameHeaderBytes = 9;
// Larger frames are rejected as garbage (a real one is at most a few hundred KiB).
inline constexpr uint32_t kMaxFramePayload = 64u << 20;

// Reusable compression state for the writer.
class FrameEncoder {
 public:
  explicit FrameEncoder(int zstd_level);
  ~FrameEncoder();
  FrameEncoder(const FrameEncoder&) = delete;
  FrameEncoder& operator=(const FrameEncoder&) = delete;

  // Appends the complete frame for `header` and `body` to `out`, compressed with `dictionary`
  // when given. Falls back to storing the body raw if compression fails or does not help.
  void Encode(const FrameHeader& header, std::string_view body, std::string* out,
              const ZstdDictionary* dictionary = nullptr);

 private:
  ZSTD_CCtx* cctx_;
  int level_;
  std::string scratch_;
};

class SegmentLog {
 public:
  // Opens or creates the file at `path`.
  static Result<std::unique_ptr<SegmentLog>> Open(const std::string& path);
  ~SegmentLog();
  SegmentLog(const SegmentLog&) = delete;
  SegmentLog& operator=(const SegmentLog&) = delete;

  // The end of the file as this process wrote it.
  uint64_t size() const { return size_.load(std::memory_order_acquire); }

  // Appends `bytes` (whole frames) at the end. On failure the file may hold a partial frame:
  // the caller truncates back (Truncate) or treats the store as failed.
  Status Append(std::string_view bytes);
  // fdatasync: everything appended so far survives a crash once this returns OK.
  Status Sync();
  // Cuts the file to `size` bytes and syncs.
  Status Truncate(uint64_t size);

  // The dictionary of codec-2 frames, set once (before the first such frame is appended, and at
  // open when the partition has one). Safe to call concurrently with reads.
  void SetDictionary(std::shared_ptr<const ZstdDictionary> dictionary);
  std::shared_ptr<const ZstdDictionary> dictionary() const;

  // Reads and verifies the frame at `offset`; decompresses its body when `with_body`.
  // Corruption when the checksum fails, the header is malformed, or the frame runs past the end
  // of the file. `intact`, when given, tells a torn or damaged frame (false: the bytes are not
  // what was written) from one written whole that this code cannot read (true).
  Result<Frame> ReadFrame(uint64_t offset, bool with_body, bool* intact = nullptr) const;

 private:
  SegmentLog(int fd, std::string path, uint64_t size)
      : fd_(fd), path_(std::move(path)), size_(size) {}

  int fd_;
  std::string path_;
  std::atomic<uint64_t> size_;
  mutable std::mutex dictionary_mu_;
  std::shared_ptr<const ZstdDictionary> dictionary_;  // guarded by dictionary_mu_
};

}  // namespace roentgen::storage
