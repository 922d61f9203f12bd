// api/trace_summary_json.h — the TraceSummary shape of GetTraceSummaries responses.
// Thread-safety: pure function.
#pragma once

#include "api/json_output.h"
#include "model/trace_summary.h"

namespace roentgen::api {

// Writes one TraceSummary object. `with_matched_event_time` adds MatchedEventTime (Event queries).
// Root causes take X-Ray's shape: {Services: [{Name, Names, Type, AccountId, EntityPath: [{Name,
// Exceptions: [{Name, Message}], Remote} or, for response time, {Name, Coverage, Remote}],
// Inferred}], ClientImpacting}; empty strings are omitted. The trace graph (nodes, edges) is
// internal and not written.
void WriteTraceSummary(JsonOutput& out, const model::TraceSummary& summary,
                       bool with_matched_event_time);

}  // namespace roentgen::api
