// storage/embedded_trace_store.h — the default TraceStore: one process, one data directory, no
// server. Documents go to an append-only, zstd-compressed, checksummed log per UTC day (the
// write-ahead log, synced before Write returns); an LMDB index per day maps each trace to its
// summary and its documents' places in the log. Retention drops whole days.
//
// The store keeps each document's text only: Write uses the SegmentDocument fields it is given,
// later reads re-derive them from the text with model::SegmentParser. So documents must be as
// that parser produced them (times, ids and flags consistent with the JSON).
//
//   <directory>/LOCK                          flock: one process per directory
//   <directory>/RUNNING                       present while open (detects an OS crash, see below)
//   <directory>/meta/                         LMDB: trace key → day, for traces whose id carries
//                                            no plausible epoch (W3C ids converted by OTel)
//   <directory>/partitions/YYYY-MM-DD/segments.log
//   <directory>/partitions/YYYY-MM-DD/frames.dict   zstd dictionary of the day's frames
//   <directory>/partitions/YYYY-MM-DD/index/  LMDB: traces, by_update, meta, postings
//
// Byte layouts and recovery rules: docs/storage-format.md.
// Thread-safety: as TraceStore (one writer; reads concurrent with each other and with Write).
// DropBefore and Write are serialized internally; a read that started before a DropBefore
// finishes safely on the dropped partition.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "core/status.h"
#include "storage/frame_cache.h"
#include "storage/lmdb_env.h"
#include "storage/trace_store.h"

namespace roentgen::storage {

class FrameEncoder;
class Partition;

struct EmbeddedStoreOptions {
  std::string directory;         // created if missing
  const Clock* clock = nullptr;  // required; must outlive the store
  Summarizer summarizer;         // required
  // A trace id's epoch is trusted to name the trace's day only within
  // [now - retention - 1 day, now + 1 day]; other traces go to the day they first arrived.
  double retention_seconds = 30 * 86400.0;

  // Tunables.
  // A Write's documents go to frames of at most this many bytes of text (one document at least).
  // Larger frames compress a little better; a trace lookup decompresses whole frames.
  size_t max_frame_body_bytes = 128 * 1024;
  // zstd level of frames and summaries. On segment JSON, level 1 both compresses better and runs
  // faster than 3 (measured: 216 vs 236 bytes per document, 780 vs 560 MB/s).
  int zstd_level = 1;
  size_t frame_cache_bytes = 64u << 20;               // decompressed frames kept in memory
  uint64_t partition_map_bytes = uint64_t{64} << 30;  // LMDB map size (virtual) per day
  uint64_t meta_map_bytes = uint64_t{4} << 30;
  uint32_t max_readers = 1024;  // concurrent read transactions per LMDB env
  // Each day trains zstd dictionaries (log frames, summaries) on its first ~1000 documents and
  // traces (~150 ms); in the background unless tests need it to happen deterministically.
  bool train_dictionaries_in_background = true;
  size_t max_update_entries_per_trace = 16;  // by_update entries kept per trace
  // Postings wait in memory until this many are pending, then one Write moves them to the table
  // (0: every Write does). Bounds the extra candidates a scan checks; see Partition.
  size_t postings_flush_threshold = 32768;
};

class EmbeddedTraceStore final : public TraceStore {
 public:
  // Opens or creates the store in options.directory and recovers it: every frame the index does
  // not cover yet is applied; a torn or half-written tail (a Write that never returned OK) is cut
  // off. After an OS crash (detected by RUNNING carrying another boot id) the indexes, which are
  // not synced per write, are rebuilt from the logs. Unavailable if another process has the
  // directory open; InvalidArgument for bad options; Corruption if a log holds intact frames of
  // an unknown format.
  static Result<std::unique_ptr<EmbeddedTraceStore>> Open(const EmbeddedStoreOptions& options);

  // Syncs the indexes and releases the directory.
  ~EmbeddedTraceStore() override;

  Status Write(std::span<const model::SegmentDocument> documents,
               EpochSeconds received_at) override;
  Result<StoredTrace> GetTrace(const model::TraceId& id) const override;
  // Summaries newest first. kTraceId: traces whose id epoch is in [start_time, end_time), in
  // trace-id order. kEvent: traces whose latest Write at or before `as_of` (0: no limit) is in
  // [start_time, end_time), in that order; the summary returned is the current one. (A trace
  // written more than max_update_entries_per_trace times after `as_of` loses its older entries
  // and drops out of such a page sequence.) summary.updated_at has µs precision.
  // candidate_terms (kTraceId only; kEvent scans ignore them) merge the terms' postings of
  // every day instead of reading every summary: a page costs about the candidates it examines.
  // InvalidArgument for a zero limit or max_scanned, non-finite times, or a cursor not made by
  // this store for this range type.
  Result<SummaryPage> ScanSummaries(const SummaryScan& scan) const override;
  // Drops each day whose whole day, and whose latest Write, are before `cutoff`.
  Status DropBefore(EpochSeconds cutoff) override;
  Result<StoreStats> Stats() const override;

  // Flushes every index to disk now (otherwise done on close).
  Status SyncIndexes();

 private:
  struct TraceGroup;
  struct TailWrite;
  struct Tail;

  explicit EmbeddedTraceStore(const EmbeddedStoreOptions& options);

  Status Recover(bool meta_rebuilt);
  Result<Tail> ScanTail(const std::shared_ptr<Partition>& partition) const;
  Status ReplayWrite(Partition& partition, const TailWrite& write);
  Status RebuildForeignMap();
  Status RecordForeignTraces(int32_t day, std::span<const model::TraceId> ids);

  // Which day trace `id` lives in (or goes to). `foreign` is set when that day is not the day of
  // the id's epoch and the meta map does not know it yet.
  Result<int32_t> RouteTrace(const LmdbTxn& meta_txn, const model::TraceId& id,
                             EpochSeconds received_at, EpochSeconds now, bool* foreign) const;
  // The day `id` is stored in, if any (reads the meta map).
  Result<std::shared_ptr<Partition>> FindPartition(const model::TraceId& id) const;
  std::shared_ptr<Partition> PartitionForDay(int32_t day) const;
  Result<std::shared_ptr<Partition>> GetOrCreatePartition(int32_t day);
  std::vector<std::shared_ptr<Partition>> SnapshotPartitions() const;
  Status WriteLocked(std::span<const model::SegmentDocument> documents, EpochSeconds received_at);
  Status SyncIndexesLocked();

  // Constant after Open.
  const EmbeddedStoreOptions options_;
  const std::string partitions_dir_;
  LmdbOptions partition_lmdb_;
  int lock_fd_ = -1;
  bool running_marker_written_ = false;
  std::unique_ptr<LmdbEnv> meta_;  // dbs: foreign (key → day), foreign_by_day (day ‖ key)

  // Guarded by write_mu_ (Write, DropBefore, SyncIndexes, recovery).
  std::mutex write_mu_;
  std::unique_ptr<FrameEncoder> encoder_;
  uint64_t next_seq_ = 1;
  // Set when a Write failed in a way that left the logs ahead of the indexes (or unrepaired):
  // later Writes fail until the store is reopened and recovers.
  bool failed_ = false;

  // The map of open partitions; readers copy shared_ptrs out of it.
  mutable std::mutex partitions_mu_;
  std::map<int32_t, std::shared_ptr<Partition>> partitions_;  // guarded by partitions_mu_

  mutable FrameCache cache_;
};

// "YYYY-MM-DD" of a day number (days since 1970-01-01), and back (nullopt if not canonical).
std::string DayName(int32_t day);
std::optional<int32_t> ParseDayName(std::string_view name);

}  // namespace roentgen::storage
