#include "storage/embedded_trace_store.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <optional>
#include <queue>
#include <unordered_map>

#include "core/check.h"
#include "core/log.h"
#include "storage/coding.h"
#include "storage/document_frame.h"
#include "storage/file_io.h"
#include "storage/partition.h"
#include "storage/segment_log.h"
#include "storage/summary_codec.h"

namespace roentgen::storage {
namespace {

namespace fs = std::filesystem;

constexpr const char* kMetaDbNames[] = {"foreign", "foreign_by_day"};
constexpr size_t kForeignDb = 0;
constexpr size_t kForeignByDayDb = 1;
constexpr uint8_t kCursorVersion = 1;
constexpr std::string_view kDroppedPrefix = ".dropped-";
constexpr double kMaxEpochSeconds = 4294967296.0;  // trace-id epochs are 32 bits

int32_t DayOf(EpochSeconds t) {
  return static_cast<int32_t>(std::floor(t / static_cast<double>(kSecondsPerDay)));
}
int32_t DayOfEpoch(uint32_t epoch) { return static_cast<int32_t>(epoch / kSecondsPerDay); }

std::string DayKey(int32_t day) {
  CHECK(day >= 0) << "negative day " << day;
  std::string key(4, '\0');
  EncodeFixed32BE(reinterpret_cast<uint8_t*>(key.data()), static_cast<uint32_t>(day));
  return key;
}

std::string ForeignByDayKey(int32_t day, const model::TraceId& id) {
  std::string key = DayKey(day);
  key.append(TraceKeyView(id));
  return key;
}

std::string BootId() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  std::getline(in, id);
  return id;
}

ApplyContext MakeApplyContext(const EmbeddedStoreOptions& options, FrameCache& cache) {
  return ApplyContext{&options.summarizer,
                      &cache,
                      options.max_update_entries_per_trace,
                      options.zstd_level,
                      options.train_dictionaries_in_background,
                      options.postings_flush_threshold};
}

// Positions `cursor` on the last key below `upper` (exclusive; empty: no bound).
Result<bool> SeekBelow(LmdbCursor& cursor, const std::string& upper) {
  if (upper.empty()) return cursor.Move(MDB_LAST);
  ASSIGN_OR_RETURN(bool found, cursor.Move(MDB_SET_RANGE, upper));
  if (!found) return cursor.Move(MDB_LAST);
  return cursor.Move(MDB_PREV);
}

}  // namespace

std::string DayName(int32_t day) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{day}}};
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buffer;
}

std::optional<int32_t> ParseDayName(std::string_view name) {
  if (name.size() != 10 || name[4] != '-' || name[7] != '-') return std::nullopt;
  int fields[3] = {0, 0, 0};
  const std::pair<size_t, size_t> spans[3] = {{0, 4}, {5, 2}, {8, 2}};
  for (int i = 0; i < 3; ++i) {
    for (size_t j = spans[i].first; j < spans[i].first + spans[i].second; ++j) {
      if (name[j] < '0' || name[j] > '9') return std::nullopt;
      fields[i] = fields[i] * 10 + (name[j] - '0');
    }
  }
  const std::chrono::year_month_day ymd{std::chrono::year{fields[0]},
                                        std::chrono::month{static_cast<unsigned>(fields[1])},
                                        std::chrono::day{static_cast<unsigned>(fields[2])}};
  if (!ymd.ok()) return std::nullopt;
  const auto days = std::chrono::sys_days{ymd}.time_since_epoch().count();
  if (days < 0 || days > INT32_MAX) return std::nullopt;
  return static_cast<int32_t>(days);
}

// The documents of one trace in one Write.
struct EmbeddedTraceStore::TraceGroup {
  model::TraceId id;
  int32_t day = 0;
  bool foreign = false;
  std::vector<const model::SegmentDocument*> documents;
};

// One Write found in a log beyond what the index covers.
struct EmbeddedTraceStore::TailWrite {
  uint64_t seq = 0;
  std::vector<int32_t> participants;
  EpochSeconds received_at = 0;
  uint64_t begin = 0;
  uint64_t end = 0;
  std::vector<uint64_t> frames;
  bool whole = false;      // its last frame is there
  bool committed = false;  // whole here and in every other partition it touched
};

struct EmbeddedTraceStore::Tail {
  std::shared_ptr<Partition> partition;
  std::vector<TailWrite> writes;
  uint64_t valid_end = 0;  // end of the last intact frame
};

EmbeddedTraceStore::EmbeddedTraceStore(const EmbeddedStoreOptions& options)
    : options_(options),
      partitions_dir_(options.directory + "/partitions"),
      encoder_(std::make_unique<FrameEncoder>(options.zstd_level)),
      cache_(options.frame_cache_bytes) {
  partition_lmdb_.map_size = options.partition_map_bytes;
  partition_lmdb_.max_readers = options.max_readers;
}

Result<std::unique_ptr<EmbeddedTraceStore>> EmbeddedTraceStore::Open(
    const EmbeddedStoreOptions& options) {
  if (options.directory.empty()) return Status::InvalidArgument("storage: no directory given");
  if (options.clock == nullptr) return Status::InvalidArgument("storage: no clock");
  if (!options.summarizer) return Status::InvalidArgument("storage: no summarizer");
  if (!(options.retention_seconds >= 0) || !std::isfinite(options.retention_seconds)) {
    return Status::InvalidArgument("storage: retention_seconds must be finite and >= 0");
  }
  if (options.max_frame_body_bytes < 4096 || options.max_frame_body_bytes > (16u << 20)) {
    return Status::InvalidArgument("storage: max_frame_body_bytes must be in [4 KiB, 16 MiB]");
  }

  std::unique_ptr<EmbeddedTraceStore> store(new EmbeddedTraceStore(options));
  const std::string& dir = options.directory;
  std::error_code ec;
  for (const std::string& d : {dir, store->partitions_dir_, dir + "/meta"}) {
    fs::create_directories(d, ec);
    if (ec) return Status::IoError("mkdir " + d + ": " + ec.message());
  }

  const std::string lock_path = dir + "/LOCK";
  store->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (store->lock_fd_ < 0) return ErrnoStatus("open", lock_path);
  if (::flock(store->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Status::Unavailable("storage: " + dir + " is in use by another process");
    }
    return ErrnoStatus("flock", lock_path);
  }

  // RUNNING holds the boot id while the store is open. Found with another boot id, the machine
  // went down under us: the indexes (never synced per write) cannot be trusted, the logs can.
  const std::string running_path = dir + "/RUNNING";
  const std::string boot_id = BootId();
  bool rebuild_all = false;
  if (fs::exists(running_path, ec)) {
    std::ifstream in(running_path);
    std::string previous;
    std::getline(in, previous);
    rebuild_all = boot_id.empty() || previous != boot_id;
    if (rebuild_all) log::Warn("storage: unclean shutdown of the OS; rebuilding indexes of " + dir);
  }

  for (const auto& entry : fs::directory_iterator(store->partitions_dir_, ec)) {
    if (entry.path().filename().string().starts_with(kDroppedPrefix)) {
      fs::remove_all(entry.path(), ec);  // a DropBefore interrupted by a crash
    }
  }

  const std::string meta_dir = dir + "/meta";
  LmdbOptions meta_lmdb;
  meta_lmdb.map_size = options.meta_map_bytes;
  meta_lmdb.max_readers = options.max_readers;
  bool meta_rebuilt = rebuild_all;
  if (rebuild_all) {
    fs::remove(meta_dir + "/data.mdb", ec);
    fs::remove(meta_dir + "/lock.mdb", ec);
  }
  Result<std::unique_ptr<LmdbEnv>> meta = LmdbEnv::Open(meta_dir, kMetaDbNames, meta_lmdb);
  if (!meta.ok() && meta.status().code() == StatusCode::kCorruption) {
    log::Warn("storage: rebuilding the unreadable trace map in " + meta_dir);
    fs::remove(meta_dir + "/data.mdb", ec);
    fs::remove(meta_dir + "/lock.mdb", ec);
    meta = LmdbEnv::Open(meta_dir, kMetaDbNames, meta_lmdb);
    meta_rebuilt = true;
  }
  if (!meta.ok()) return meta.status();
  store->meta_ = std::move(meta).value();

  for (const auto& entry : fs::directory_iterator(store->partitions_dir_, ec)) {
    const std::optional<int32_t> day = ParseDayName(entry.path().filename().string());
    if (!day || !entry.is_directory()) continue;
    bool rebuilt = false;
    ASSIGN_OR_RETURN(std::shared_ptr<Partition> partition,
                     Partition::Open(entry.path().string(), *day, store->partition_lmdb_,
                                     options.zstd_level, rebuild_all, &rebuilt));
    std::lock_guard lock(store->partitions_mu_);
    store->partitions_.emplace(*day, std::move(partition));
  }
  if (ec) return Status::IoError("list " + store->partitions_dir_ + ": " + ec.message());

  RETURN_IF_ERROR(store->Recover(meta_rebuilt));
  RETURN_IF_ERROR(store->SyncIndexes());
  RETURN_IF_ERROR(WriteFileDurably(running_path, boot_id));
  store->running_marker_written_ = true;
  return store;
}

EmbeddedTraceStore::~EmbeddedTraceStore() {
  {
    std::lock_guard lock(write_mu_);
    if (meta_ != nullptr) {
      Status status = SyncIndexesLocked();
      if (!status.ok()) log::Error("storage: syncing indexes at close: " + status.ToString());
      if (status.ok() && running_marker_written_) {
        ::unlink((options_.directory + "/RUNNING").c_str());
      }
    }
  }
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Status EmbeddedTraceStore::SyncIndexes() {
  std::lock_guard lock(write_mu_);
  return SyncIndexesLocked();
}

Status EmbeddedTraceStore::SyncIndexesLocked() {
  Status first;
  for (const auto& partition : SnapshotPartitions()) {
    Status status = partition->index().Sync();
    if (first.ok()) first = status;
  }
  if (meta_ != nullptr) {
    Status status = meta_->Sync();
    if (first.ok()) first = status;
  }
  return first;
}

// --- Recovery ----------------------------------------------------------------------------------

Result<EmbeddedTraceStore::Tail> EmbeddedTraceStore::ScanTail(
    const std::shared_ptr<Partition>& partition) const {
  Tail tail;
  tail.partition = partition;
  const SegmentLog& log = partition->log();
  uint64_t offset = partition->state().log_end;
  const uint64_t end = log.size();
  while (offset < end) {
    bool intact = false;
    Result<Frame> frame = log.ReadFrame(offset, /*with_body=*/false, &intact);
    if (!frame.ok()) {
      // A torn or damaged tail is cut off; an intact frame we cannot read is not ours to cut.
      if (frame.status().code() == StatusCode::kCorruption && !intact) break;
      return frame.status();
    }
    const FrameHeader& header = frame->header;
    if (tail.writes.empty() || tail.writes.back().whole ||
        tail.writes.back().seq != header.write_seq) {
      TailWrite& write = tail.writes.emplace_back();
      write.seq = header.write_seq;
      write.participants = header.participants;
      write.received_at = header.received_at;
      write.begin = offset;
    }
    TailWrite& write = tail.writes.back();
    write.frames.push_back(offset);
    write.end = offset + frame->size;
    write.whole = !header.continued;
    offset = write.end;
  }
  tail.valid_end = offset;
  return tail;
}

Status EmbeddedTraceStore::Recover(bool meta_rebuilt) {
  std::lock_guard lock(write_mu_);
  std::vector<Tail> tails;
  uint64_t max_seq = 0;
  for (const auto& partition : SnapshotPartitions()) {
    ASSIGN_OR_RETURN(Tail tail, ScanTail(partition));
    max_seq = std::max(max_seq, partition->state().applied_seq);
    for (const TailWrite& write : tail.writes) max_seq = std::max(max_seq, write.seq);
    tails.push_back(std::move(tail));
  }

  // A Write that touched several days is applied only if it reached all of them: partitions are
  // created (durably) before a Write logs anything, so a missing day was dropped since.
  std::map<int32_t, const Tail*> tail_of_day;
  for (const Tail& tail : tails) tail_of_day[tail.partition->day()] = &tail;
  auto reached = [&](int32_t day, uint64_t seq) {
    auto it = tail_of_day.find(day);
    if (it == tail_of_day.end()) return true;
    const Tail& tail = *it->second;
    if (tail.partition->state().applied_seq >= seq) return true;
    return std::any_of(tail.writes.begin(), tail.writes.end(),
                       [&](const TailWrite& w) { return w.seq == seq && w.whole; });
  };
  for (Tail& tail : tails) {
    for (TailWrite& write : tail.writes) {
      write.committed =
          write.whole && std::all_of(write.participants.begin(), write.participants.end(),
                                     [&](int32_t day) { return reached(day, write.seq); });
    }
  }

  for (Tail& tail : tails) {
    Partition& partition = *tail.partition;
    uint64_t cut = tail.valid_end;
    while (!tail.writes.empty() && !tail.writes.back().committed) {
      cut = tail.writes.back().begin;
      tail.writes.pop_back();
    }
    if (cut < partition.log().size()) {
      log::Warn("storage: dropping " + std::to_string(partition.log().size() - cut) +
                " bytes of unacknowledged or torn tail from " + partition.dir() + "/segments.log");
      RETURN_IF_ERROR(partition.log().Truncate(cut));
    }
    for (const TailWrite& write : tail.writes) {
      if (!write.committed) {
        log::Warn("storage: skipping an incomplete write in " + partition.dir());
        continue;
      }
      RETURN_IF_ERROR(ReplayWrite(partition, write));
    }
  }

  if (meta_rebuilt) RETURN_IF_ERROR(RebuildForeignMap());
  next_seq_ = max_seq + 1;
  return Status::Ok();
}

Status EmbeddedTraceStore::ReplayWrite(Partition& partition, const TailWrite& write) {
  // Every document of the Write, re-derived from its text, with where it is.
  std::vector<model::SegmentDocument> documents;
  std::vector<DocRef> refs;
  for (uint64_t offset : write.frames) {
    ASSIGN_OR_RETURN(std::shared_ptr<const CachedFrame> frame, partition.LoadFrame(cache_, offset));
    for (size_t i = 0; i + 1 < frame->offsets.size(); ++i) {
      const std::string_view json =
          std::string_view(frame->body)
              .substr(frame->offsets[i], frame->offsets[i + 1] - frame->offsets[i]);
      model::SegmentDocument& doc = documents.emplace_back();
      Status parsed = ParseStoredDocument(json, &doc);
      if (!parsed.ok()) {
        // Its trace cannot be known: the document is lost to the index (it stays in the log).
        log::Error("storage: replaying " + partition.dir() + ": " + parsed.ToString());
        documents.pop_back();
        continue;
      }
      refs.push_back(DocRef{offset, static_cast<uint32_t>(i)});
    }
  }
  std::vector<TraceWrite> traces;
  std::unordered_map<model::TraceId, size_t> index;
  std::vector<model::TraceId> foreign;
  for (size_t i = 0; i < documents.size(); ++i) {
    const model::TraceId& id = documents[i].trace_id;
    auto [it, inserted] = index.try_emplace(id, traces.size());
    if (inserted) {
      traces.push_back(TraceWrite{id, {}});
      if (DayOfEpoch(id.epoch()) != partition.day()) foreign.push_back(id);
    }
    traces[it->second].documents.push_back(IncomingDocument{&documents[i], refs[i]});
  }
  RETURN_IF_ERROR(RecordForeignTraces(partition.day(), foreign));
  return partition.ApplyWrite(MakeApplyContext(options_, cache_), traces, write.received_at,
                              write.seq, write.end, [] { return Status::Ok(); });
}

Status EmbeddedTraceStore::RebuildForeignMap() {
  for (const auto& partition : SnapshotPartitions()) {
    std::vector<model::TraceId> foreign;
    {
      ASSIGN_OR_RETURN(LmdbTxn txn, LmdbTxn::Begin(partition->index(), /*read_only=*/true));
      ASSIGN_OR_RETURN(LmdbCursor cursor, LmdbCursor::Open(txn, partition->traces_dbi()));
      ASSIGN_OR_RETURN(bool more, cursor.Move(MDB_FIRST));
      while (more) {
        model::TraceId::Key key;
        if (cursor.key().size() != key.size()) return Status::Corruption("bad trace key");
        std::memcpy(key.data(), cursor.key().data(), key.size());
        const model::TraceId id = model::TraceId::FromKey(key);
        if (DayOfEpoch(id.epoch()) != partition->day()) foreign.push_back(id);
        ASSIGN_OR_RETURN(more, cursor.Move(MDB_NEXT));
      }
    }
    RETURN_IF_ERROR(RecordForeignTraces(partition->day(), foreign));
  }
  return Status::Ok();
}

Status EmbeddedTraceStore::RecordForeignTraces(int32_t day, std::span<const model::TraceId> ids) {
  if (ids.empty()) return Status::Ok();
  ASSIGN_OR_RETURN(LmdbTxn txn, LmdbTxn::Begin(*meta_, /*read_only=*/false));
  const std::string day_key = DayKey(day);
  for (const model::TraceId& id : ids) {
    RETURN_IF_ERROR(txn.Put(meta_->dbi(kForeignDb), TraceKeyView(id), day_key));
    RETURN_IF_ERROR(txn.Put(meta_->dbi(kForeignByDayDb), ForeignByDayKey(day, id), {}));
  }
  return txn.Commit();
}

// --- Partitions --------------------------------------------------------------------------------

std::vector<std::shared_ptr<Partition>> EmbeddedTraceStore::SnapshotPartitions() const {
  std::lock_guard lock(partitions_mu_);
  std::vector<std::shared_ptr<Partition>> out;
  out.reserve(partitions_.size());
  for (const auto& [day, partition] : partitions_) out.push_back(partition);
  return out;
}

std::shared_ptr<Partition> EmbeddedTraceStore::PartitionForDay(int32_t day) const {
  std::lock_guard lock(partitions_mu_);
  auto it = partitions_.find(day);
  return it == partitions_.end() ? nullptr : it->second;
}

Result<std::shared_ptr<Partition>> EmbeddedTraceStore::GetOrCreatePartition(int32_t day) {
  if (auto partition = PartitionForDay(day)) return partition;
  const std::string dir = partitions_dir_ + "/" + DayName(day);
  std::error_code ec;
  fs::create_directory(dir, ec);
  if (ec) return Status::IoError("mkdir " + dir + ": " + ec.message());
  RETURN_IF_ERROR(SyncDirectory(partitions_dir_));
  bool rebuilt = false;
  ASSIGN_OR_RETURN(std::shared_ptr<Partition> partition,
                   Partition::Open(dir, day, partition_lmdb_, options_.zstd_level,
                                   /*rebuild_index=*/false, &rebuilt));
  if (partition->log().size() != partition->state().log_end) {
    return Status::Internal("storage: " + dir + " appeared with unindexed data; reopen the store");
  }
  RETURN_IF_ERROR(SyncDirectory(dir));
  std::lock_guard lock(partitions_mu_);
  partitions_.emplace(day, partition);
  return partition;
}

Result<int32_t> EmbeddedTraceStore::RouteTrace(const LmdbTxn& meta_txn, const model::TraceId& id,
                                               EpochSeconds received_at, EpochSeconds now,
                                               bool* foreign) const {
  *foreign = false;
  ASSIGN_OR_RETURN(std::optional<std::string_view> known,
                   meta_txn.Get(meta_->dbi(kForeignDb), TraceKeyView(id)));
  if (known) {
    if (known->size() != 4) return Status::Corruption("storage: malformed trace map entry");
    return static_cast<int32_t>(DecodeFixed32BE(known->data()));
  }
  const int32_t epoch_day = DayOfEpoch(id.epoch());
  const double epoch = id.epoch();
  if (epoch >= now - options_.retention_seconds - kSecondsPerDay && epoch <= now + kSecondsPerDay) {
    return epoch_day;
  }
  // No longer (or not yet) plausible, but maybe stored while it was.
  if (auto partition = PartitionForDay(epoch_day)) {
    ASSIGN_OR_RETURN(LmdbTxn txn, LmdbTxn::Begin(partition->index(), /*read_only=*/true));
    ASSIGN_OR_RETURN(std::optional<std::string_view> record,
                     txn.Get(partition->traces_dbi(), TraceKeyView(id)));
    if (record) return epoch_day;
  }
  const int32_t arrival_day = DayOf(received_at);
  *foreign = arrival_day != epoch_day;
  return arrival_day;
}

Result<std::shared_ptr<Partition>> EmbeddedTraceStore::FindPartition(
    const model::TraceId& id) const {
  int32_t day = DayOfEpoch(id.epoch());
  {
    ASSIGN_OR_RETURN(LmdbTxn txn, LmdbTxn::Begin(*meta_, /*read_only=*/true));
    ASSIGN_OR_RETURN(std::optional<std::string_view> known,
                     txn.Get(meta_->dbi(kForeignDb), TraceKeyView(id)));
    if (known) {
      if (known->size() != 4) return Status::Corruption("storage: malformed trace map entry");
      day = static_cast<int32_t>(DecodeFixed32BE(known->data()));
    }
  }
  std::shared_ptr<Partition> partition = PartitionForDay(day);
  if (partition == nullptr) return Status::NotFound("trace " + id.ToString() + " not found");
  return partition;
}

// --- Write -------------------------------------------------------------------------------------

Status EmbeddedTraceStore::Write(std::span<const model::SegmentDocument> documents,
                                 EpochSeconds received_at) {
  if (documents.empty()) return Status::Ok();
  if (!std::isfinite(received_at) || received_at < 0 || received_at >= kMaxEpochSeconds) {
    return Status::InvalidArgument("storage: received_at out of range");
  }
  for (const model::SegmentDocument& doc : documents) {
    if (doc.json.size() > options_.max_frame_body_bytes * 4) {
      return Status::InvalidArgument("storage: document " + model::FormatEntityId(doc.id) +
                                     " is too large to store");
    }
  }
  std::lock_guard lock(write_mu_);
  if (failed_) {
    return Status::Unavailable("storage: an earlier write failed half-way; reopen the store");
  }
  return WriteLocked(documents, received_at);
}

Status EmbeddedTraceStore::WriteLocked(std::span<const model::SegmentDocument> documents,
                                       EpochSeconds received_at) {
  const EpochSeconds now = options_.clock->Now();

  // Group by trace, in order of first appearance.
  std::vector<TraceGroup> groups;
  std::unordered_map<model::TraceId, size_t> group_of;
  group_of.reserve(documents.size());
  for (const model::SegmentDocument& doc : documents) {
    auto [it, inserted] = group_of.try_emplace(doc.trace_id, groups.size());
    if (inserted) groups.push_back(TraceGroup{doc.trace_id, 0, false, {}});
    groups[it->second].documents.push_back(&doc);
  }
  {
    ASSIGN_OR_RETURN(LmdbTxn meta_txn, LmdbTxn::Begin(*meta_, /*read_only=*/true));
    for (TraceGroup& group : groups) {
      ASSIGN_OR_RETURN(group.day, RouteTrace(meta_txn, group.id, received_at, now, &group.foreign));
    }
  }

  // Every partition exists (durably) before anything is logged: recovery relies on it.
  struct PartitionWrite {
    std::shared_ptr<Partition> partition;
    std::vector<size_t> groups;
    uint64_t begin = 0;
    std::string bytes;
    std::vector<TraceWrite> traces;
    std::vector<std::pair<uint64_t, std::shared_ptr<CachedFrame>>> frames;
  };
  std::map<int32_t, PartitionWrite> writes;
  for (size_t i = 0; i < groups.size(); ++i) writes[groups[i].day].groups.push_back(i);
  std::vector<int32_t> participants;
  for (auto& [day, write] : writes) {
    ASSIGN_OR_RETURN(write.partition, GetOrCreatePartition(day));
    write.begin = write.partition->log().size();
    if (writes.size() > 1) participants.push_back(day);
  }

  // Frames: at most max_frame_body_bytes of documents each (at least one document).
  const uint64_t seq = next_seq_;
  for (auto& [day, write] : writes) {
    const std::shared_ptr<const ZstdDictionary> dictionary = write.partition->log().dictionary();
    size_t text_bytes = 0;
    for (size_t index : write.groups) {
      for (const model::SegmentDocument* doc : groups[index].documents) {
        text_bytes += doc->json.size();
      }
    }
    FrameBodyBuilder builder(std::min(text_bytes, options_.max_frame_body_bytes) + 1024);
    std::vector<uint64_t> frame_offsets;
    auto flush = [&, &w = write](bool continued) {
      auto frame = std::make_shared<CachedFrame>();
      frame->body = builder.Take();
      frame->received_at = received_at;
      Status directory = DecodeFrameDirectory(frame->body, &frame->offsets);
      CHECK(directory.ok()) << directory.ToString();
      FrameHeader header;
      header.write_seq = seq;
      header.continued = continued;
      header.participants = participants;
      header.received_at = received_at;
      header.body_size = static_cast<uint32_t>(frame->body.size());
      const uint64_t offset = w.begin + w.bytes.size();
      frame_offsets.push_back(offset);
      encoder_->Encode(header, frame->body, &w.bytes, dictionary.get());
      w.frames.emplace_back(offset, std::move(frame));
    };
    for (size_t index : write.groups) {
      const TraceGroup& group = groups[index];
      TraceWrite& trace = write.traces.emplace_back(TraceWrite{group.id, {}});
      trace.documents.reserve(group.documents.size());
      for (const model::SegmentDocument* doc : group.documents) {
        if (builder.documents() > 0 &&
            builder.size() + doc->json.size() > options_.max_frame_body_bytes) {
          flush(/*continued=*/true);
        }
        const uint32_t position = builder.Add(doc->json);
        // The frame's offset is known once it is encoded; hold its number until then.
        trace.documents.push_back(IncomingDocument{doc, DocRef{frame_offsets.size(), position}});
      }
    }
    flush(/*continued=*/false);
    for (TraceWrite& trace : write.traces) {
      for (IncomingDocument& doc : trace.documents) {
        doc.ref.frame_offset = frame_offsets[doc.ref.frame_offset];
      }
    }
  }

  // Append to every log; undo everything if any of it fails.
  Status status;
  for (auto& [day, write] : writes) {
    status = write.partition->log().Append(write.bytes);
    if (!status.ok()) break;
  }
  auto undo = [&] {
    for (auto& [day, write] : writes) {
      if (write.partition->log().size() == write.begin) continue;
      Status undone = write.partition->log().Truncate(write.begin);
      if (!undone.ok()) {
        log::Error("storage: cannot undo a failed write: " + undone.ToString());
        failed_ = true;
      }
    }
  };
  if (!status.ok()) {
    undo();
    return status;
  }
  ++next_seq_;

  // Sync the logs on another thread while this one prepares the index changes; nothing is
  // committed (made visible) before the sync is done. Then the trace map, then each day's index.
  // (`sync` is declared after `writes`, so it is joined before they go.)
  std::future<Status> sync = std::async(std::launch::async, [&writes] {
    for (auto& [day, write] : writes) RETURN_IF_ERROR(write.partition->log().Sync());
    return Status::Ok();
  });
  std::optional<Status> durable;
  auto before_commit = [&]() -> Status {
    if (!durable) {
      durable = sync.get();
      if (durable->ok()) {
        std::map<int32_t, std::vector<model::TraceId>> foreign;
        for (const TraceGroup& group : groups) {
          if (group.foreign) foreign[group.day].push_back(group.id);
        }
        for (const auto& [day, ids] : foreign) {
          Status recorded = RecordForeignTraces(day, ids);
          if (!recorded.ok()) {
            failed_ = true;  // the logs hold the write; a reopen replays it
            return recorded;
          }
        }
      } else {
        undo();
      }
    }
    return *durable;
  };
  const ApplyContext context = MakeApplyContext(options_, cache_);
  for (auto& [day, write] : writes) {
    for (auto& [offset, frame] : write.frames) {
      cache_.Put(write.partition->uid(), offset, std::move(frame));
    }
    status = write.partition->ApplyWrite(context, write.traces, received_at, seq,
                                         write.begin + write.bytes.size(), before_commit);
    if (!status.ok()) {
      // Either the sync failed (the logs were cut back) or an index did while the logs hold the
      // write. Partly applied in-memory state (caches, a new dictionary) is not worth
      // untangling: only a reopen, which replays the logs, is trusted from here.
      failed_ = true;
      return status;
    }
  }
  // A new day learns its dictionary from its first documents.
  for (auto& [day, write] : writes) {
    if (write.partition->log().dictionary() != nullptr) continue;
    std::vector<const model::SegmentDocument*> written;
    for (const TraceWrite& trace : write.traces) {
      for (const IncomingDocument& doc : trace.documents) written.push_back(doc.document);
    }
    write.partition->LearnFromDocuments(context, written);
  }
  return Status::Ok();
}

// --- Reads -------------------------------------------------------------------------------------

Result<StoredTrace> EmbeddedTraceStore::GetTrace(const model::TraceId& id) const {
  ASSIGN_OR_RETURN(std::shared_ptr<Partition> partition, FindPartition(id));
  TraceRecord record;
  StoredTrace trace;
  trace.id = id;
  {
    ASSIGN_OR_RETURN(LmdbTxn txn, LmdbTxn::Begin(partition->index(), /*read_only=*/true));
    ASSIGN_OR_RETURN(std::optional<std::string_view> bytes,
                     txn.Get(partition->traces_dbi(), TraceKeyView(id)));
    if (!bytes) return Status::NotFound("trace " + id.ToString() + " not found");
    TraceRecordHead head;
    RETURN_IF_ERROR(DecodeTraceRecordHead(*bytes, &head));
    ASSIGN_OR_RETURN(trace.summary, partition->DecodeSummary(id, head));
    RETURN_IF_ERROR(DecodeTraceRecord(*bytes, &record));
  }
  RETURN_IF_ERROR(partition->LoadDocuments(cache_, id, record.refs, &trace.documents));
  return trace;
}

Result<SummaryPage> EmbeddedTraceStore::ScanSummaries(const SummaryScan& scan) const {
  if (scan.limit == 0 || scan.max_scanned == 0) {
    return Status::InvalidArgument("storage: scan limit and max_scanned must be positive");
  }
  if (!std::isfinite(scan.start_time) || !std::isfinite(scan.end_time) ||
      !std::isfinite(scan.as_of)) {
    return Status::InvalidArgument("storage: scan times must be finite");
  }
  SummaryPage page;
  const bool by_event = scan.range_type == TimeRangeType::kEvent;
  const size_t key_size = by_event ? 8 + 16 : 16;

  // The range as keys: every key k with lower <= number(k) and k < upper.
  std::string upper;
  int64_t lower = 0;
  int64_t as_of_us = INT64_MAX;
  if (by_event) {
    const EpochSeconds max_time = 1e13;  // keeps the µs arithmetic in range
    lower = ToMicros(std::clamp(scan.start_time, 0.0, max_time));
    int64_t upper_us = ToMicros(std::clamp(scan.end_time, 0.0, max_time));
    if (scan.as_of > 0) {
      as_of_us = ToMicros(std::min(scan.as_of, max_time));
      upper_us = std::min(upper_us, as_of_us + 1);
    }
    if (upper_us <= lower) return page;
    upper.resize(8);
    EncodeFixed64BE(reinterpret_cast<uint8_t*>(upper.data()), static_cast<uint64_t>(upper_us));
  } else {
    lower = static_cast<int64_t>(std::clamp(std::ceil(scan.start_time), 0.0, kMaxEpochSeconds));
    const auto upper_epoch =
        static_cast<int64_t>(std::clamp(std::ceil(scan.end_time), 0.0, kMaxEpochSeconds));
    if (upper_epoch <= lower) return page;
    if (upper_epoch < static_cast<int64_t>(kMaxEpochSeconds)) {
      upper.resize(4);
      EncodeFixed32BE(reinterpret_cast<uint8_t*>(upper.data()), static_cast<uint32_t>(upper_epoch));
    }
  }
  const char range_tag = by_event ? 'E' : 'T';
  if (scan.after) {
    const std::string& bytes = scan.after->bytes;
    if (bytes.size() != 2 + key_size || bytes[0] != static_cast<char>(kCursorVersion) ||
        bytes[1] != range_tag) {
      return Status::InvalidArgument("storage: the page cursor is not valid for this scan");
    }
    std::string after = bytes.substr(2);
    if (upper.empty() || after < upper) upper = std::move(after);
  }
  auto in_range = [&](std::string_view key) {
    const int64_t number = by_event ? static_cast<int64_t>(DecodeFixed64BE(key.data()))
                                    : static_cast<int64_t>(DecodeFixed32BE(key.data()));
    return number >= lower;
  };

  // Postings keys of the candidate terms, without repeats (kTraceId scans only).
  std::vector<std::string> term_keys;
  if (!by_event) {
    for (const std::string& term : scan.candidate_terms) term_keys.push_back(PostingKey(term));
    std::sort(term_keys.begin(), term_keys.end());
    term_keys.erase(std::unique(term_keys.begin(), term_keys.end()), term_keys.end());
  }

  // Cursors merged newest first (a later day can hold older trace ids and earlier updates, so
  // partitions cannot simply be visited one after the other): per partition, either one over
  // its whole table, or one per candidate term over that term's postings.
  struct Snapshot {
    std::shared_ptr<Partition> partition;
    // Taken before `txn` begins: with it, it holds every posting (Partition::pending_postings).
    std::shared_ptr<const PendingPostings> pending;
    LmdbTxn txn;
  };
  struct Source {
    size_t snapshot;
    std::optional<LmdbCursor> cursor;  // absent for a source over pending postings
    std::string_view term;             // empty: a cursor over the table itself
    // A source over pending postings walks [pending_first, pending_at] backwards.
    const Posting* pending_first = nullptr;
    const Posting* pending_at = nullptr;
    // The key the source is at: by_update key or trace key.
    std::string_view key() const {
      if (pending_at != nullptr) return pending_at->trace_key();
      return term.empty() ? cursor->key() : cursor->value();
    }
  };
  std::vector<Snapshot> snapshots;
  std::vector<Source> sources;
  std::vector<std::shared_ptr<Partition>> partitions = SnapshotPartitions();
  snapshots.reserve(partitions.size());
  sources.reserve(partitions.size() * std::max<size_t>(2 * term_keys.size(), 1));
  auto valid_key = [&](std::string_view key) -> Status {
    if (key.size() != key_size) return Status::Corruption("storage: malformed index key");
    return Status::Ok();
  };
  auto greater_first = [&](size_t a, size_t b) { return sources[a].key() < sources[b].key(); };
  std::priority_queue<size_t, std::vector<size_t>, decltype(greater_first)> heap(greater_first);
  // Positions a postings cursor on the term's last trace key below `upper`.
  auto seek_postings = [&](LmdbCursor& cursor, std::string_view term) -> Result<bool> {
    ASSIGN_OR_RETURN(bool found, cursor.Move(MDB_SET_KEY, term));
    if (!found || upper.empty()) return found ? cursor.Move(MDB_LAST_DUP) : false;
    std::string bound = upper;  // an epoch prefix, or a whole key (from `after`)
    bound.resize(key_size, '\0');
    ASSIGN_OR_RETURN(found, cursor.SeekDuplicate(term, bound));
    if (found) return cursor.Move(MDB_PREV_DUP);
    ASSIGN_OR_RETURN(found, cursor.Move(MDB_SET_KEY, term));  // every posting is below
    return found ? cursor.Move(MDB_LAST_DUP) : false;
  };
  auto add_source = [&](size_t snapshot, MDB_dbi dbi, std::string_view term) -> Status {
    ASSIGN_OR_RETURN(LmdbCursor cursor, LmdbCursor::Open(snapshots[snapshot].txn, dbi));
    sources.push_back(Source{snapshot, std::move(cursor), term});
    Source& source = sources.back();
    ASSIGN_OR_RETURN(bool found, term.empty() ? SeekBelow(*source.cursor, upper)
                                              : seek_postings(*source.cursor, term));
    if (!found) return Status::Ok();
    RETURN_IF_ERROR(valid_key(source.key()));
    if (in_range(source.key())) heap.push(sources.size() - 1);
    return Status::Ok();
  };
  // The pending postings of `term` below `upper`, newest first.
  auto add_pending_source = [&](size_t snapshot, std::string_view term) {
    const PendingPostings& pending = *snapshots[snapshot].pending;
    Posting probe{};
    std::memcpy(probe.bytes.data(), term.data(), kPostingKeySize);
    const auto first = std::lower_bound(pending.begin(), pending.end(), probe);
    auto end = first;
    while (end != pending.end() && end->term() == term) ++end;
    if (!upper.empty()) {  // an epoch prefix, or a whole key (from `after`)
      std::memcpy(probe.bytes.data() + kPostingKeySize, upper.data(),
                  std::min(upper.size(), key_size));
      end = std::lower_bound(first, end, probe);
    }
    if (end == first) return;
    sources.push_back(Source{snapshot, std::nullopt, term, &*first, &*(end - 1)});
    if (in_range(sources.back().key())) heap.push(sources.size() - 1);
  };
  for (std::shared_ptr<Partition>& partition : partitions) {
    std::shared_ptr<const PendingPostings> pending = partition->pending_postings();
    ASSIGN_OR_RETURN(LmdbTxn txn, LmdbTxn::Begin(partition->index(), /*read_only=*/true));
    snapshots.push_back(Snapshot{std::move(partition), std::move(pending), std::move(txn)});
    const size_t snapshot = snapshots.size() - 1;
    const Partition& p = *snapshots.back().partition;
    if (by_event) {
      RETURN_IF_ERROR(add_source(snapshot, p.by_update_dbi(), {}));
    } else if (term_keys.empty()) {
      RETURN_IF_ERROR(add_source(snapshot, p.traces_dbi(), {}));
    } else {
      for (const std::string& term : term_keys) {
        RETURN_IF_ERROR(add_source(snapshot, p.postings_dbi(), term));
        add_pending_source(snapshot, term);
      }
    }
  }
  // Moves source `index` to its next key, back into the heap while in range.
  auto advance = [&](size_t index) -> Status {
    Source& source = sources[index];
    if (source.pending_at != nullptr) {
      if (source.pending_at == source.pending_first) return Status::Ok();
      --source.pending_at;
      if (in_range(source.key())) heap.push(index);
      return Status::Ok();
    }
    ASSIGN_OR_RETURN(bool more, source.cursor->Move(source.term.empty() ? MDB_PREV : MDB_PREV_DUP));
    if (more) {
      RETURN_IF_ERROR(valid_key(source.key()));
      if (in_range(source.key())) heap.push(index);
    }
    return Status::Ok();
  };

  TraceRecordHead head;
  model::TraceId::Key trace_key;
  // Every examined summary is decoded into this one object, which keeps its allocations from one
  // trace to the next; a match is moved into the page (at most `limit` of them) and the next
  // decode overwrites the moved-from husk. A predicate that reads no graph gets summaries
  // without it, and a match is then decoded again, whole.
  model::TraceSummary summary;
  const SummaryParts parts =
      scan.predicate && !scan.need_graph ? SummaryParts::kWithoutGraph : SummaryParts::kAll;
  while (!heap.empty()) {
    const size_t index = heap.top();
    heap.pop();
    const Source& source = sources[index];
    const Snapshot& snapshot = snapshots[source.snapshot];
    const std::string key(source.key());
    std::memcpy(trace_key.data(), key.data() + key_size - trace_key.size(), trace_key.size());
    const model::TraceId id = model::TraceId::FromKey(trace_key);

    bool emit = true;
    if (by_event) {
      // Emit the trace at its latest update at or before as_of only.
      ASSIGN_OR_RETURN(std::optional<std::string_view> record,
                       snapshot.txn.Get(snapshot.partition->traces_dbi(), TraceKeyView(id)));
      if (record) {
        RETURN_IF_ERROR(DecodeTraceRecordHead(*record, &head));
        int64_t latest = INT64_MIN;
        for (int64_t t : head.update_times_us) {
          if (t <= as_of_us) latest = std::max(latest, t);
        }
        emit = latest == static_cast<int64_t>(DecodeFixed64BE(key.data()));
      } else {
        emit = false;
      }
    } else if (!source.term.empty()) {
      // A candidate: its current summary decides. Several terms may name it; examine it once.
      while (!heap.empty() && sources[heap.top()].key() == key) {
        const size_t same = heap.top();
        heap.pop();
        RETURN_IF_ERROR(advance(same));
      }
      ASSIGN_OR_RETURN(std::optional<std::string_view> record,
                       snapshot.txn.Get(snapshot.partition->traces_dbi(), key));
      if (record) {
        RETURN_IF_ERROR(DecodeTraceRecordHead(*record, &head));
      } else {
        emit = false;  // a pending posting of a Write that failed
      }
    } else {
      RETURN_IF_ERROR(DecodeTraceRecordHead(source.cursor->value(), &head));
    }
    if (emit) {
      RETURN_IF_ERROR(snapshot.partition->DecodeSummaryInto(id, head, &summary, parts));
      ++page.scanned;
      if (!scan.predicate || scan.predicate(summary)) {
        if (parts != SummaryParts::kAll) {
          RETURN_IF_ERROR(snapshot.partition->DecodeSummaryInto(id, head, &summary));
        }
        page.summaries.push_back(std::move(summary));
      }
    }

    RETURN_IF_ERROR(advance(index));
    if (page.summaries.size() >= scan.limit || page.scanned >= scan.max_scanned) {
      if (!heap.empty()) {
        std::string cursor;
        cursor.push_back(static_cast<char>(kCursorVersion));
        cursor.push_back(range_tag);
        cursor += key;
        page.next = ScanCursor{std::move(cursor)};
      }
      break;
    }
  }
  return page;
}

// --- Retention and stats -----------------------------------------------------------------------

Status EmbeddedTraceStore::DropBefore(EpochSeconds cutoff) {
  if (!std::isfinite(cutoff)) return Status::InvalidArgument("storage: cutoff must be finite");
  std::lock_guard lock(write_mu_);
  const int64_t cutoff_us = ToMicros(std::clamp(cutoff, -1e13, 1e13));
  for (const auto& partition : SnapshotPartitions()) {
    const double day_end = static_cast<double>((int64_t{partition->day()} + 1) * kSecondsPerDay);
    if (day_end > cutoff || partition->state().max_received_us > cutoff_us) continue;

    // Rename first so that a crash mid-way leaves nothing that looks like a live partition.
    const std::string doomed = partitions_dir_ + "/" + std::string(kDroppedPrefix) +
                               DayName(partition->day()) + "-" + std::to_string(partition->uid());
    if (::rename(partition->dir().c_str(), doomed.c_str()) != 0) {
      return ErrnoStatus("rename", partition->dir());
    }
    {
      std::lock_guard partitions_lock(partitions_mu_);
      partitions_.erase(partition->day());
    }
    cache_.Erase(partition->uid());
    RETURN_IF_ERROR(SyncDirectory(partitions_dir_));
    std::error_code ec;
    fs::remove_all(doomed, ec);  // open readers keep their files until they finish
    if (ec) log::Warn("storage: removing " + doomed + ": " + ec.message());

    // Forget the trace-map entries that pointed at the day.
    ASSIGN_OR_RETURN(LmdbTxn txn, LmdbTxn::Begin(*meta_, /*read_only=*/false));
    {
      ASSIGN_OR_RETURN(LmdbCursor cursor, LmdbCursor::Open(txn, meta_->dbi(kForeignByDayDb)));
      const std::string prefix = DayKey(partition->day());
      std::vector<std::string> keys;
      ASSIGN_OR_RETURN(bool more, cursor.Move(MDB_SET_RANGE, prefix));
      while (more && cursor.key().starts_with(prefix)) {
        keys.emplace_back(cursor.key());
        ASSIGN_OR_RETURN(more, cursor.Move(MDB_NEXT));
      }
      for (const std::string& k : keys) {
        RETURN_IF_ERROR(txn.Delete(meta_->dbi(kForeignByDayDb), k));
        RETURN_IF_ERROR(txn.Delete(meta_->dbi(kForeignDb), std::string_view(k).substr(4)));
      }
    }
    RETURN_IF_ERROR(txn.Commit());
  }
  return Status::Ok();
}

Result<StoreStats> EmbeddedTraceStore::Stats() const {
  StoreStats stats;
  for (const auto& partition : SnapshotPartitions()) {
    ASSIGN_OR_RETURN(LmdbTxn txn, LmdbTxn::Begin(partition->index(), /*read_only=*/true));
    ASSIGN_OR_RETURN(PartitionState state, partition->ReadState(txn));
    stats.documents += state.documents;
    stats.traces += state.traces;
    ++stats.partitions;
  }
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(options_.directory, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    struct stat st {};
    if (it->is_regular_file(ec) && ::stat(it->path().c_str(), &st) == 0) {
      stats.bytes_on_disk += static_cast<uint64_t>(st.st_size);
    }
  }
  return stats;
}

}  // namespace roentgen::storage
