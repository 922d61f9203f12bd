// storage/trace_store.h — persists segment documents and trace summaries; answers trace-id
// lookups and time-ordered summary scans.
//
// The contract every backend keeps (tests in trace_store_test.cc run against each one):
//  * Write is all-or-nothing and durable when it returns OK: a process killed right after still
//    has every document after restart.
//  * Documents are keyed by (trace id, entity id). A complete document replaces an in-progress
//    one with the same key; an in-progress document never replaces a complete one; between two
//    complete ones the later write wins.
//  * Every Write that touches a trace recomputes its summary with the injected Summarizer and
//    bumps the summary's revision.
// Thread-safety: Write calls are serialized by the caller (one writer thread); reads may run
// concurrently with each other and with Write.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/status.h"
#include "model/ids.h"
#include "model/segment_document.h"
#include "model/trace_summary.h"

namespace roentgen::storage {

// A document as stored: the accepted document plus when it arrived.
struct StoredDocument {
  model::SegmentDocument document;
  EpochSeconds received_at = 0;
};

struct StoredTrace {
  model::TraceId id;
  // Current documents only (replaced versions are gone), in arrival order.
  std::vector<StoredDocument> documents;
  model::TraceSummary summary;
};

// Derives a trace's summary from all its current documents. Pure; called on the writer thread.
using Summarizer =
    std::function<model::TraceSummary(const model::TraceId&, std::span<const StoredDocument>)>;

enum class TimeRangeType : uint8_t {
  kTraceId,  // the epoch embedded in the trace id (X-Ray's default)
  kEvent,    // when the trace last received a document (server clock)
};

// Where a summary scan stopped. Opaque to callers beyond being serializable into a NextToken.
struct ScanCursor {
  std::string bytes;
};

struct SummaryScan {
  EpochSeconds start_time = 0;  // inclusive
  EpochSeconds end_time = 0;    // exclusive
  TimeRangeType range_type = TimeRangeType::kTraceId;
  // Resume strictly after this point (from a previous page), newest first.
  std::optional<ScanCursor> after;
  // Ignore changes made after this server time, so that paging through a range that keeps
  // receiving segments yields no duplicates and no gaps (kEvent needs it; kTraceId order is
  // fixed by the id itself).
  EpochSeconds as_of = 0;
  // Stop after this many matches (a page), or after scanning `max_scanned` traces.
  size_t limit = 100;
  size_t max_scanned = 100000;
  // Which summaries to return; all when empty. The scan counts every trace it examines.
  std::function<bool(const model::TraceSummary&)> predicate;
  // False when the predicate reads no root causes, nodes or edges: a backend may then hand it
  // summaries without them, to save decoding. Returned summaries are always complete.
  bool need_graph = true;
  // Index terms (model/index_terms.h). When non-empty, only traces filed under at least one of
  // them are examined (the predicate still decides), so it must name a term of every trace the
  // predicate can match (filter::Filter::CandidateTerms() does). For kTraceId, results, order
  // and cursors are then those of the same scan without candidate terms — only `scanned` (the
  // traces examined) differs, and where a page ends when max_scanned cuts it short; cursors of
  // one kind of scan resume the other. A backend may ignore them for kEvent scans (the embedded
  // store does) or altogether: they only save work.
  std::vector<std::string> candidate_terms;
};

struct SummaryPage {
  std::vector<model::TraceSummary> summaries;  // newest first
  uint64_t scanned = 0;                        // traces examined, matching or not
  std::optional<ScanCursor> next;              // absent when the range is exhausted
};

struct StoreStats {
  uint64_t documents = 0;
  uint64_t traces = 0;
  uint64_t bytes_on_disk = 0;
  uint32_t partitions = 0;
};

class TraceStore {
 public:
  virtual ~TraceStore() = default;

  // Stores `documents` durably (see the contract above). `received_at` stamps them all.
  virtual Status Write(std::span<const model::SegmentDocument> documents,
                       EpochSeconds received_at) = 0;

  // NotFound if no document of `id` is stored.
  virtual Result<StoredTrace> GetTrace(const model::TraceId& id) const = 0;

  virtual Result<SummaryPage> ScanSummaries(const SummaryScan& scan) const = 0;

  // Drops every time partition that holds only data older than `cutoff`. Whole partitions go at
  // once; nothing newer than `cutoff` is ever dropped.
  virtual Status DropBefore(EpochSeconds cutoff) = 0;

  virtual Result<StoreStats> Stats() const = 0;
};

}  // namespace roentgen::storage
