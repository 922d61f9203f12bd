// ingest/pipeline.h — carries accepted segment documents from the intake edges (UDP datagrams,
// PutTraceSegments) to the store, batching them into group commits.
//
//   receive thread ──OfferDatagrams──▶ [datagram queue] ──▶ parse thread ──┐
//   HTTP threads ───SubmitDocuments──────────────────────────────────────────┼─▶ [write queue]
//                                                                           ▼
//                                         writer thread: TraceStore::Write (one durable batch)
//
// The receive thread never blocks: when the datagram queue is full the datagram is dropped and
// counted. HTTP callers are told immediately when the write queue is full (ThrottledException)
// and otherwise get their completion once their documents are durable. Everything accepted
// before Stop() is written before Stop() returns.
// Thread-safety: OfferDatagrams from one receive thread; SubmitDocuments from any thread.
#pragma once

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "ingest/bounded_queue.h"
#include "ingest/ingest_counters.h"
#include "model/segment_document.h"
#include "storage/trace_store.h"

namespace roentgen::ingest {

struct IngestOptions {
  // Together with the store's frame cache these bound the server's own memory: at 60k
  // documents/s of 2 KB each, 32 MiB is a quarter second of slack for each stage.
  size_t datagram_queue_bytes = 32 << 20;  // raw datagrams waiting to be parsed
  size_t write_queue_bytes = 32 << 20;     // parsed documents waiting for the store
  size_t max_batch_requests = 1024;        // queued submissions per group commit
  size_t max_batch_bytes = 16 << 20;       // per group commit
};

struct DatagramView {
  std::string_view bytes;  // valid only during the call
  bool truncated = false;  // longer than the receive buffer: refused as too large
};

// Called once the documents are durable (OK) or could not be stored (the error).
using WriteCompletion = std::function<void(Status)>;

class IngestPipeline {
 public:
  // `store` and `clock` must outlive the pipeline. Starts the parse and writer threads.
  IngestPipeline(storage::TraceStore& store, const Clock& clock, IngestOptions options = {});
  ~IngestPipeline();
  IngestPipeline(const IngestPipeline&) = delete;
  IngestPipeline& operator=(const IngestPipeline&) = delete;

  // Copies the datagrams into the parse queue, or drops and counts them. Never blocks.
  void OfferDatagrams(std::span<const DatagramView> datagrams);

  // Queues validated documents for writing. Returns false (and never calls `done`) when the
  // pipeline is saturated or stopped; the documents are then left in `documents`.
  bool SubmitDocuments(std::vector<model::SegmentDocument>& documents, WriteCompletion done);

  // Counts documents received through PutTraceSegments (valid or not), for the stats.
  void CountHttpDocuments(uint64_t documents) {
    IngestCounters::Add(counters_.http_documents, documents);
  }

  // Writes everything accepted so far, then stops the threads. Idempotent.
  void Stop();

  IngestSnapshot counters() const { return counters_.Snapshot(); }

 private:
  struct WriteRequest {
    std::vector<model::SegmentDocument> documents;
    WriteCompletion done;  // empty for UDP documents
  };

  void ParseLoop();
  void WriteLoop();
  void CountRejection(model::DocumentErrorCode code);

  // Constant after construction.
  storage::TraceStore& store_;
  const Clock& clock_;
  const IngestOptions options_;

  IngestCounters counters_;
  BoundedQueue<std::vector<std::string>> datagrams_;
  BoundedQueue<WriteRequest> writes_;
  std::thread parse_thread_;
  std::thread write_thread_;
  std::once_flag stopped_;
};

}  // namespace roentgen::ingest
