// query/trace_assembler.h — turns a trace's stored documents into what BatchGetTraces returns:
// one document per segment, with every independent subsegment merged into its parent, plus
// inferred segments for downstream calls that sent none (../shared/spec/traces-and-graphs.md
// §2.2–§2.7).
//
// Documents that need no merge are returned byte for byte as stored (the common case: no
// re-serialization). A merged document is re-serialized from the client's text, keeping every
// field it sent (unknown keys too) and every number at full precision; merged subsegments go to
// the end of their parent's "subsegments" array (created when absent), ordered by start time.
// Thread-safety: AssembleTrace is a pure function and may be called concurrently.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "model/ids.h"
#include "storage/trace_store.h"

namespace roentgen::query {

struct AssembleOptions {
  // Total stored document bytes a trace may return. Beyond it, LimitExceeded is set and only the
  // earliest-received documents that fit are assembled (X-Ray's cap is about 500 KB).
  size_t max_trace_bytes = 500 * 1024;
  // Add an inferred segment for each "aws"/"remote" subsegment whose callee sent no segment.
  bool infer_segments = true;
};

struct AssembledSegment {
  model::EntityId id = 0;
  std::string document;   // a JSON object
  bool inferred = false;  // generated here (the document then carries "inferred": true)
};

struct AssembledTrace {
  model::TraceId id;
  // As TraceSummary.duration, over all stored documents (also those cut by the size cap).
  std::optional<double> duration;
  bool limit_exceeded = false;
  // Segments and orphan subsegments in arrival order, then inferred segments in the order of the
  // subsegments they come from.
  std::vector<AssembledSegment> segments;
};

// Assembles `documents` (all of trace `id`, CHECKed; in arrival order).
//  * One entry per segment document. Every independent subsegment is merged into the entity its
//    parent_id names: a segment, an embedded subsegment at any depth, or another independent
//    subsegment (chains resolve regardless of arrival order).
//  * An independent subsegment whose parent chain ends outside the trace (an orphan) is its own
//    entry (id = its id), with its own merged children, so nothing accepted is hidden. Parent
//    cycles are cut at their earliest document, which becomes such an entry.
//  * Inferred segments (when options.infer_segments): for each subsegment with namespace "aws"
//    or "remote" that is not "traced" (top-level or http.request.traced) and that no segment
//    names as parent_id: {id, name, trace_id, start_time, end_time (in_progress when open),
//    parent_id = the subsegment id, inferred: true, origin, http, aws, error/fault/throttle when
//    set}. origin: "AWS::DynamoDB::Table" when aws.table_name is set, else "AWS::<Service>"
//    (service from the subsegment name, canonical spelling for common services); "Database::SQL"
//    for remote calls with an sql block, else "remote". The id is a hash of the subsegment id,
//    so it is the same on every call, and never collides with an id in the trace.
// An empty `documents` gives an empty trace. Corruption if a stored document cannot be parsed.
Result<AssembledTrace> AssembleTrace(const model::TraceId& id,
                                     std::span<const storage::StoredDocument> documents,
                                     const AssembleOptions& options = {});

}  // namespace roentgen::query
