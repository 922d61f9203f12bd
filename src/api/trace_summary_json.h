// api/trace_summary_json.h — the TraceSummary shape of GetTraceSummaries responses.
// Thread-safety: pure function.
#pragma once

#include "api/json_output.h"
#include "model/trace_summary.h"

namespace roentgen::api {

// Writes one TraceSummary object. `with_matched_event_time` adds MatchedEventTime (Event queries).
void WriteTraceSummary(JsonOutput& out, const model::TraceSummary& summary,
                       bool with_matched_event_time);

}  // namespace roentgen::api
