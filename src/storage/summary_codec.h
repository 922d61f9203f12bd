// storage/summary_codec.h — the compact, versioned binary form of model::TraceSummary kept in the
// trace index, so scans read summaries without JSON. Every string and every ServiceId appears
// once per record (a per-record table; fields refer to it by index), numbers are varints, and
// times are exact integer milliseconds or microseconds when that round-trips, else raw doubles.
// Layout: docs/storage-format.md, "Trace summary".
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"
#include "core/status.h"
#include "model/ids.h"
#include "model/trace_summary.h"

namespace roentgen::storage {

// Appends the encoding of `summary` to `out`. The trace id is not encoded: it is the key the
// record is stored under, and DecodeTraceSummary takes it back.
void EncodeTraceSummary(const model::TraceSummary& summary, std::string* out);

// Decodes what EncodeTraceSummary wrote and sets `id` on the result. Corruption for anything
// else (an unknown version, a truncated or overlong input, an index out of range); never crashes
// or allocates more than the input can justify, whatever the bytes.
Result<model::TraceSummary> DecodeTraceSummary(std::string_view bytes, const model::TraceId& id);

// How much of a summary DecodeTraceSummaryInto decodes.
enum class SummaryParts : uint8_t {
  kAll,
  // All but the root causes, nodes and edges, which are left empty (and their bytes unchecked):
  // enough for a predicate that reads none of them, and cheaper.
  kWithoutGraph,
};

// DecodeTraceSummary into an existing summary: overwrites every field of `*out` (whatever it
// held before), reusing the capacity of its strings, vectors and annotation map, so that a scan
// decoding many summaries into one object allocates little. Same errors as DecodeTraceSummary;
// after an error `*out` is valid but unspecified.
Status DecodeTraceSummaryInto(std::string_view bytes, const model::TraceId& id,
                              model::TraceSummary* out, SummaryParts parts = SummaryParts::kAll);

}  // namespace roentgen::storage
