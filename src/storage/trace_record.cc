#include "storage/trace_record.h"

#include "storage/coding.h"

namespace roentgen::storage {
namespace {

constexpr uint8_t kVersion = 1;
constexpr uint64_t kSummaryCompressed = 1;

bool DecodeHead(ByteReader& in, uint32_t* revision, bool* compressed, std::string_view* summary,
                std::vector<int64_t>* times) {
  uint8_t version = 0;
  uint64_t flags = 0;
  uint64_t n = 0;
  if (!in.ReadByte(&version) || version != kVersion || !in.ReadVarint64(&flags) ||
      (flags & ~kSummaryCompressed) != 0 || !in.ReadVarint32(revision) ||
      !in.ReadLengthPrefixed(summary) || !in.ReadCount(1, &n)) {
    return false;
  }
  *compressed = flags & kSummaryCompressed;
  times->clear();
  times->reserve(n);
  int64_t previous = 0;
  for (uint64_t i = 0; i < n; ++i) {
    int64_t delta = 0;
    if (!in.ReadZigZag64(&delta)) return false;
    previous = static_cast<int64_t>(static_cast<uint64_t>(previous) + static_cast<uint64_t>(delta));
    times->push_back(previous);
  }
  return true;
}

Status Malformed() { return Status::Corruption("malformed trace record"); }

}  // namespace

std::string EncodeTraceRecord(const TraceRecord& record) {
  std::string out;
  out.reserve(record.summary.size() + 8 + 4 * record.update_times_us.size() +
              6 * record.refs.size());
  out.push_back(static_cast<char>(kVersion));
  PutVarint64(&out, record.summary_compressed ? kSummaryCompressed : 0);
  PutVarint64(&out, record.revision);
  PutLengthPrefixed(&out, record.summary);
  PutVarint64(&out, record.update_times_us.size());
  int64_t previous = 0;
  for (int64_t t : record.update_times_us) {
    PutVarint64(&out, ZigZagEncode(static_cast<int64_t>(static_cast<uint64_t>(t) -
                                                        static_cast<uint64_t>(previous))));
    previous = t;
  }
  PutVarint64(&out, record.refs.size());
  uint64_t previous_frame = 0;
  for (const DocRef& ref : record.refs) {
    PutVarint64(&out, ZigZagEncode(static_cast<int64_t>(ref.frame_offset - previous_frame)));
    PutVarint64(&out, ref.index);
    previous_frame = ref.frame_offset;
  }
  return out;
}

Status DecodeTraceRecord(std::string_view bytes, TraceRecord* out) {
  ByteReader in(bytes);
  std::string_view summary;
  if (!DecodeHead(in, &out->revision, &out->summary_compressed, &summary, &out->update_times_us))
    return Malformed();
  out->summary.assign(summary);
  uint64_t n = 0;
  if (!in.ReadCount(2, &n)) return Malformed();
  out->refs.clear();
  out->refs.reserve(n);
  uint64_t frame = 0;
  for (uint64_t i = 0; i < n; ++i) {
    int64_t delta = 0;
    DocRef ref;
    if (!in.ReadZigZag64(&delta) || !in.ReadVarint32(&ref.index)) return Malformed();
    frame += static_cast<uint64_t>(delta);
    ref.frame_offset = frame;
    out->refs.push_back(ref);
  }
  if (!in.empty()) return Malformed();
  return Status::Ok();
}

Status DecodeTraceRecordHead(std::string_view bytes, TraceRecordHead* out) {
  ByteReader in(bytes);
  if (!DecodeHead(in, &out->revision, &out->summary_compressed, &out->summary,
                  &out->update_times_us))
    return Malformed();
  return Status::Ok();
}

}  // namespace roentgen::storage
