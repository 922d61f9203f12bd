// storage/summary_codec.h — the compact, versioned binary form of model::TraceSummary kept in the
// trace index, so scans read summaries without JSON. Every string and every ServiceId appears
// once per record (a per-record table; fields refer to it by index), numbers are varints, and
// times are exact integer milliseconds or microseconds when that round-trips, else raw doubles.
// Layout: docs/storage-format.md, "Trace summary".
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/result.h"
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

}  // namespace roentgen::storage
