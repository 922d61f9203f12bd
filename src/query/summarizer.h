// query/summarizer.h — derives a trace's TraceSummary (what GetTraceSummaries returns) from all of
// its stored documents, following ../shared/spec/traces-and-graphs.md §3. SummarizeTrace is the
// storage::Summarizer the server injects into the TraceStore, which calls it on the writer thread
// after every write; it reads each document once with simdjson On-Demand.
// Thread-safety: SummarizeTrace may be called concurrently (each thread keeps its own parser).
#pragma once

#include <cstddef>
#include <span>

#include "model/ids.h"
#include "model/trace_summary.h"
#include "storage/trace_store.h"

namespace roentgen::query {

// X-Ray indexes at most this many annotation keys per trace.
inline constexpr size_t kMaxAnnotationKeysPerTrace = 50;

// Summarizes `documents`, which all belong to trace `id` (CHECKed) and are in arrival order.
//  * root = the segment document without parent_id, the earliest-starting one if several; the
//    trace has no root (no ResponseTime, Http or EntryPoint, no fault/error) without one.
//  * start_time / duration: earliest document start; latest end of any segment or subsegment
//    (embedded or independent) minus that start, absent when nothing has ended.
//  * response_time: root end − root start, absent while the root is in progress.
//  * has_fault / has_error: the root's flags. has_throttle: any segment or subsegment's flag.
//  * is_partial: any document or embedded subsegment in progress.
//  * service_ids: one per distinct (name, origin) of segment documents (type = origin, account_id
//    = the first aws.account_id seen); entry_point = the root's.
//  * annotations: valid keys/values only (document_scanner.h), the first
//    kMaxAnnotationKeysPerTrace distinct keys in arrival order; each value lists the services
//    whose segments or subsegments recorded it. An independent subsegment belongs to the segment
//    its parent chain ends at; when the chain ends outside the trace its values carry no service.
//  * users, resource_arns, instance_ids, availability_zones: from segment documents.
// Every list is sorted and free of duplicates. revision and updated_at are left for the store.
// A document that cannot be read (corrupt) still counts through its SegmentDocument fields.
model::TraceSummary SummarizeTrace(const model::TraceId& id,
                                   std::span<const storage::StoredDocument> documents);

}  // namespace roentgen::query
