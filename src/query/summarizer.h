// query/summarizer.h — derives a trace's TraceSummary (what GetTraceSummaries returns) from all of
// its stored documents, following ../shared/spec/traces-and-graphs.md §3. SummarizeTrace is the
// storage::Summarizer the server injects into the TraceStore, which calls it on the writer thread
// after every write; it reads each document once with simdjson On-Demand (DocumentScanner's
// entity mode) and never re-parses.
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
// At most this many fault (and as many error) root causes per trace.
inline constexpr size_t kMaxRootCausesPerKind = 5;
// The response-time root cause steps into a child only while it takes more than this share of
// its parent's time.
inline constexpr double kResponseTimeDescentShare = 0.5;

// Summarizes `documents`, which all belong to trace `id` (CHECKed) and are in arrival order.
//  * root = the segment document without parent_id, the earliest-starting one if several; the
//    trace has no root (no ResponseTime, Http or EntryPoint, no fault/error) without one.
//  * start_time / duration: earliest document start; latest end of any segment or subsegment
//    (embedded or independent) minus that start, absent when nothing has ended.
//  * response_time: root end − root start, absent while the root is in progress.
//  * has_fault / has_error: the root's flags. has_throttle: any segment or subsegment's flag.
//  * is_partial: any document or embedded subsegment in progress.
//  * nodes (the trace's service graph, sorted by id): one per distinct (name, origin) of segment
//    documents (type = origin, account_id = the first aws.account_id seen; segments = each
//    segment's EntityFacts), and one inferred node per distinct (name, type) of remote calls:
//    subsegments with namespace "aws" or "remote", not marked traced (top level or
//    http.request.traced), that no segment names as parent_id. Its type is the trace
//    assembler's inferred origin, its name the resource the call named or else the subsegment's
//    name (inferred_node.h); its segments are the calls' EntityFacts. The root's node has root.
//    service_ids = every node's id; entry_point = the root's.
//  * edges: a segment whose parent_id is an entity of another node's document is a call from
//    that node; a remote call that yields an inferred node is a call to it. Each call's facts
//    come from the caller's subsegment (from the child segment when the parent is a segment).
//    An edge per (source, destination), sorted; calls within a node are not edges.
//  * root causes (traces-and-graphs.md §4.2), over the root's entity tree (segments,
//    subsegments, child segments via parent_id, inferred segments under their calls):
//    - fault / error: one per culprit, a flagged entity with no flagged descendant, in pre-order
//      (children by start time). Services = the nodes from the root to the culprit; each
//      service's entity path = its segment then the flagged subsegments on the path, each with
//      its exceptions (cause.exceptions: name = type, message; or the exception a cause id
//      names), remote for aws/remote subsegments. ClientImpacting = the root has the flag.
//      Identical causes once; at most kMaxRootCausesPerKind.
//    - response time: when the root is complete, exactly one: from the root (coverage 1) step
//      into the longest complete child while it takes more than kResponseTimeDescentShare of
//      its parent's time; every entity on the path is listed, coverage = its time ÷ the root's
//      response time (may exceed 1 for async work). ClientImpacting.
//  * annotations: valid keys/values only (document_scanner.h), the first
//    kMaxAnnotationKeysPerTrace distinct keys in arrival order; each value lists the services
//    whose segments or subsegments recorded it. An independent subsegment belongs to the segment
//    its parent chain ends at; when the chain ends outside the trace its values carry no service.
//  * users, resource_arns, instance_ids, availability_zones: from segment documents.
// The id, user and detail lists are sorted and free of duplicates; root causes keep their order.
// revision and updated_at are left for the store.
// A document that cannot be read (corrupt) still counts through its SegmentDocument fields.
model::TraceSummary SummarizeTrace(const model::TraceId& id,
                                   std::span<const storage::StoredDocument> documents);

}  // namespace roentgen::query
