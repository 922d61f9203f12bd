// storage/document_frame.h — the decompressed body of a log frame: the JSON texts of one Write's
// documents for one partition, back to back, then a directory of their lengths:
//
//   body      := json_0 ‖ json_1 ‖ … ‖ json_{n-1} ‖ directory ‖ u32le directory size
//   directory := varint n, n × varint json length
//
// Nothing but the client's text is stored: ids, times and flags are re-derived from it with
// model::SegmentParser when a document is read back. Binary fields next to the text would cost
// ~45 bytes per document after zstd (random ids are incompressible and duplicate the text's own
// hex), a sixth of the log. A document is addressed by (frame offset, index in the frame).
// Full layout: docs/storage-format.md.
// Thread-safety: a FrameBodyBuilder is used by one thread; the functions are thread-safe (the
// parser is per thread).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "model/ids.h"
#include "model/segment_document.h"

namespace roentgen::storage {

class FrameBodyBuilder {
 public:
  explicit FrameBodyBuilder(size_t expected_bytes) { body_.reserve(expected_bytes); }

  // Appends a document's text; returns its index in the frame.
  uint32_t Add(std::string_view json);

  size_t size() const { return body_.size(); }
  size_t documents() const { return lengths_.size(); }
  // Returns the finished body (with its directory) and starts an empty one.
  std::string Take();

 private:
  std::string body_;
  std::vector<uint32_t> lengths_;
};

// Where each document's text starts in `body`: n + 1 offsets, the last one the directory's.
// Corruption when the directory is malformed.
Status DecodeFrameDirectory(std::string_view body, std::vector<uint32_t>* offsets);

// Re-derives a stored document's fields from its text. Corruption when the text does not parse
// as exactly one valid document (the parser may have grown stricter since it was stored).
Status ParseStoredDocument(std::string_view json, model::SegmentDocument* out);

}  // namespace roentgen::storage
