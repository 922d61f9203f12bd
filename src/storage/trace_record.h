// storage/trace_record.h — the value of the `traces` index: a trace's encoded summary, when it
// was last written to, and where its current documents are in the partition's log.
//
//   record := u8 version (1), varint flags (bit 0: summary compressed with the partition's
//             ZstdDictionary for summaries), varint revision, varint summary length, summary
//             (storage/summary_codec.h, maybe compressed),
//             varint n, n update times in µs (first as varint, then zigzag deltas),
//             varint m, m DocRefs (zigzag delta of frame offset from the previous ref's, then
//             varint index of the document in that frame)
//
// The summary and update times come first so that scans decode them without the refs.
// Thread-safety: values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace roentgen::storage {

// Where one document lives: the frame's offset in segments.log and the document's index in
// that frame (storage/document_frame.h).
struct DocRef {
  uint64_t frame_offset = 0;
  uint32_t index = 0;
  bool operator==(const DocRef&) const = default;
};

struct TraceRecord {
  // The summary's revision, readable without decoding the summary.
  uint32_t revision = 0;
  // `summary` is compressed with the partition's summary dictionary.
  bool summary_compressed = false;
  std::string summary;  // EncodeTraceSummary
  // Server times (µs) of the most recent Writes that touched the trace, oldest first; each has
  // an entry in `by_update`.
  std::vector<int64_t> update_times_us;
  // Current documents, in arrival order.
  std::vector<DocRef> refs;
};

std::string EncodeTraceRecord(const TraceRecord& record);
Status DecodeTraceRecord(std::string_view bytes, TraceRecord* out);

// Decodes only the summary and the update times (what scans need).
struct TraceRecordHead {
  uint32_t revision = 0;
  bool summary_compressed = false;
  std::string_view summary;  // points into the input
  std::vector<int64_t> update_times_us;
};
Status DecodeTraceRecordHead(std::string_view bytes, TraceRecordHead* out);

}  // namespace roentgen::storage
