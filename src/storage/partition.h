// storage/partition.h — one UTC day of the embedded store: `segments.log` (storage/segment_log.h)
// and `index/`, an LMDB environment with four databases:
//   traces    : trace key (16 bytes) → TraceRecord (storage/trace_record.h)
//   by_update : u64be update time in µs ‖ trace key → empty; one entry per recent Write
//   meta      : "state" → PartitionState (the log offset the index covers, counters);
//               "summary_dict" → the summaries' ZstdDictionary, once trained;
//               "postings" → u8 version of the postings table, once it covers every trace;
//               "postings_watermark" → time of the Write that last flushed pending postings
//   postings  : MDB_DUPSORT | MDB_DUPFIXED: PostingKey(term) (8 bytes) → trace keys (16 bytes
//               each, sorted, so newest last); a trace is posted under every term
//               (model/index_terms.h) of every summary it has had, in batches (pending
//               postings wait in memory: pending_postings()). Postings are never removed:
//               a term a trace no longer has leaves a stale posting, harmless because scans
//               re-check each candidate's current summary.
// and `frames.dict`, the log frames' ZstdDictionary (u32le crc32c, bytes), written durably
// before the first frame that needs it, once the partition has seen enough documents.
// The index is derived data: it can always be rebuilt by replaying the log
// (docs/storage-format.md). Thread-safety: ApplyWrite and state() belong to the single writer (the
// store's write mutex); LoadDocuments and read transactions on index() may run concurrently with
// it. Readers keep a partition alive with a shared_ptr, even after the store has dropped it.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/status.h"
#include "model/ids.h"
#include "model/segment_document.h"
#include "storage/frame_cache.h"
#include "storage/lmdb_env.h"
#include "storage/segment_log.h"
#include "storage/summary_codec.h"
#include "storage/trace_record.h"
#include "storage/trace_store.h"
#include "storage/zstd_dictionary.h"

namespace roentgen::storage {

inline constexpr int64_t kSecondsPerDay = 86400;

// Microseconds since the epoch, as the index stores server times.
int64_t ToMicros(EpochSeconds t);

// The `meta` database's "state" value.
struct PartitionState {
  uint64_t log_end = 0;      // the index reflects every frame before this log offset
  uint64_t applied_seq = 0;  // write_seq of the last Write applied
  uint64_t documents = 0;    // current documents
  uint64_t traces = 0;
  int64_t max_received_us = 0;  // latest server time of any Write applied
};

// A document of one Write, already in the log at `ref`.
struct IncomingDocument {
  const model::SegmentDocument* document;
  DocRef ref;
};

// The documents of one Write for one trace, in arrival order.
struct TraceWrite {
  model::TraceId id;
  std::vector<IncomingDocument> documents;
};

struct ApplyContext {
  const Summarizer* summarizer;
  FrameCache* cache;
  size_t max_update_entries;        // per trace, in by_update
  int zstd_level;                   // for the dictionaries
  bool background_training;         // train dictionaries on another thread (else inline)
  size_t postings_flush_threshold;  // pending postings that make a Write flush them (0: always)
};

inline constexpr size_t kPostingKeySize = 8;

// One posting: PostingKey(term) ‖ trace key, a plain value so that batches of them sort and
// de-duplicate without allocating.
struct Posting {
  static_assert(std::endian::native == std::endian::little, "Word() assumes a little-endian host");
  std::array<char, kPostingKeySize + sizeof(model::TraceId::Key)> bytes;
  std::string_view term() const { return {bytes.data(), kPostingKeySize}; }
  std::string_view trace_key() const {
    return {bytes.data() + kPostingKeySize, bytes.size() - kPostingKeySize};
  }
  // Byte order (unsigned), as LMDB orders keys and duplicates: compared as three big-endian
  // words, inline, because the writer merges every Write's postings into the pending ones.
  bool operator<(const Posting& other) const {
    for (size_t i = 0; i < bytes.size(); i += 8) {
      const uint64_t a = Word(i), b = other.Word(i);
      if (a != b) return a < b;
    }
    return false;
  }
  bool operator==(const Posting& other) const {
    return Word(0) == other.Word(0) && Word(8) == other.Word(8) && Word(16) == other.Word(16);
  }

 private:
  uint64_t Word(size_t offset) const {
    uint64_t word;
    std::memcpy(&word, bytes.data() + offset, sizeof(word));
    return __builtin_bswap64(word);  // little-endian host: the first byte becomes the highest
  }
};

// Postings the writer holds in memory, sorted: see Partition::pending_postings.
using PendingPostings = std::vector<Posting>;

class Partition {
 public:
  // Opens (creating the files if needed) the partition in `dir`. When `rebuild_index`, or when
  // the index cannot be read, the index is deleted and recreated empty: recovery then replays
  // the whole log. Sets *rebuilt accordingly.
  static Result<std::shared_ptr<Partition>> Open(const std::string& dir, int32_t day,
                                                 const LmdbOptions& lmdb_options, int zstd_level,
                                                 bool rebuild_index, bool* rebuilt);

  int32_t day() const { return day_; }
  // Unique per Partition object in this process (keys the frame cache).
  uint64_t uid() const { return uid_; }
  const std::string& dir() const { return dir_; }
  SegmentLog& log() const { return *log_; }
  const LmdbEnv& index() const { return *index_; }
  MDB_dbi traces_dbi() const { return index_->dbi(0); }
  MDB_dbi by_update_dbi() const { return index_->dbi(1); }
  MDB_dbi meta_dbi() const { return index_->dbi(2); }
  MDB_dbi postings_dbi() const { return index_->dbi(3); }

  // The writer's copy of the committed state.
  const PartitionState& state() const { return state_; }
  Result<PartitionState> ReadState(const LmdbTxn& txn) const;

  // Applies one Write, whose frames end at `log_end` in the log, to the index in one
  // transaction: replacement rules, summaries, revisions, by_update, postings, state.
  // `before_commit` runs just before the commit (the caller waits there for the log to be durable,
  // so that the index work overlaps the sync); its error aborts the transaction.
  Status ApplyWrite(const ApplyContext& context, std::span<const TraceWrite> traces,
                    EpochSeconds received_at, uint64_t write_seq, uint64_t log_end,
                    const std::function<Status()>& before_commit);

  // Appends the documents `refs` point to, in order, to `out`. A stored text that no longer
  // parses is returned with only its trace id and text set (and logged).
  Status LoadDocuments(FrameCache& cache, const model::TraceId& id, std::span<const DocRef> refs,
                       std::vector<StoredDocument>* out) const;

  // Postings of recent Writes not yet in the postings table, sorted; never null. Writes post
  // their terms here and move them to the table in batches (ApplyContext::
  // postings_flush_threshold), because every transaction that touches a term's postings copies
  // that term's pages: per-Write postings multiplied the index's page writes. A scan takes this
  // snapshot BEFORE it begins its read transaction; the writer publishes a Write's postings
  // before committing it and withdraws flushed ones only after the flush committed, so the
  // snapshot and the transaction together hold every posting the transaction's traces have.
  std::shared_ptr<const PendingPostings> pending_postings() const;

  // The summary of a record, with the revision and updated_at (µs precision) the record keeps
  // outside it. The record must come from a transaction begun before this call, so that the
  // dictionary it may need is visible.
  Result<model::TraceSummary> DecodeSummary(const model::TraceId& id,
                                            const TraceRecordHead& head) const;
  // DecodeSummary into `*out`, reusing what it holds (storage::DecodeTraceSummaryInto): for
  // scans that decode summary after summary into one scratch object.
  Status DecodeSummaryInto(const model::TraceId& id, const TraceRecordHead& head,
                           model::TraceSummary* out, SummaryParts parts = SummaryParts::kAll) const;

  // Writer only: offers documents just written as training samples; once there are enough,
  // trains the frame dictionary, stores it durably and hands it to the log, so that later frames
  // use it. A failure to store it is logged and retried later; it never fails a write.
  void LearnFromDocuments(const ApplyContext& context,
                          std::span<const model::SegmentDocument* const> documents);

  // The frame at `offset`, from the cache or the log.
  Result<std::shared_ptr<const CachedFrame>> LoadFrame(FrameCache& cache, uint64_t offset) const;

 private:
  Partition(std::string dir, int32_t day, std::unique_ptr<SegmentLog> log,
            std::unique_ptr<LmdbEnv> index);
  std::shared_ptr<const ZstdDictionary> summary_dictionary() const;
  Status MaybeTrainSummaryDictionary(const ApplyContext& context, LmdbTxn& txn);
  // Builds the postings table from the stored summaries unless the index says it is complete
  // and of the current version (an index written before postings existed, or with other terms).
  Status EnsurePostings();
  // Re-posts, into the pending postings, the traces written since the last flush (the meta
  // watermark): a process that stopped before flushing lost them from memory.
  Status RecoverPendingPostings();
  void PublishPending(PendingPostings postings);

  // Constant after Open.
  const std::string dir_;
  const int32_t day_;
  const uint64_t uid_;
  const std::unique_ptr<SegmentLog> log_;
  const std::unique_ptr<LmdbEnv> index_;

  // Set once, before the transaction holding the first record that needs it commits; so a
  // reader that finds a compressed record in its snapshot also finds the dictionary here.
  mutable std::mutex dictionary_mu_;
  std::shared_ptr<const ZstdDictionary> summary_dictionary_;  // guarded by dictionary_mu_

  mutable std::mutex pending_mu_;
  std::shared_ptr<const PendingPostings> published_pending_;  // guarded by pending_mu_

  // Writer only.
  PartitionState state_;
  PendingPostings pending_;                    // what published_pending_ holds, owned by the writer
  std::vector<std::string> summary_samples_;   // raw summaries until their dictionary exists
  std::vector<std::string> frame_samples_;     // document texts until the frame dictionary exists
  std::future<std::string> summary_training_;  // valid while a training runs
  std::future<std::string> frame_training_;
};

// Key helpers shared by the writer and the scans.
inline std::string_view TraceKeyView(const model::TraceId& id) {
  return {reinterpret_cast<const char*>(id.key().data()), id.key().size()};
}
std::string ByUpdateKey(int64_t time_us, const model::TraceId& id);
// The postings key of an index term: 8 bytes of a fixed 64-bit hash (FNV-1a, then MurmurHash3's
// fmix64), little-endian. Stored on disk: it never changes. Colliding terms share postings, which
// only adds candidates.
std::string PostingKey(std::string_view term);  // PostingHash, 8 bytes little-endian
uint64_t PostingHash(std::string_view term);

}  // namespace roentgen::storage
