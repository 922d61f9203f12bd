#include "storage/partition.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <unordered_map>

#include "core/check.h"
#include "core/log.h"
#include "model/index_terms.h"
#include "storage/coding.h"
#include "storage/crc32c.h"
#include "storage/document_frame.h"
#include "storage/file_io.h"
#include "storage/summary_codec.h"

namespace roentgen::storage {
namespace {

namespace fs = std::filesystem;

constexpr const char* kDbNames[] = {"traces", "by_update", "meta", "postings"};
constexpr unsigned kDbFlags[] = {0, 0, 0, MDB_DUPSORT | MDB_DUPFIXED};
constexpr std::string_view kStateKey = "state";
// meta "postings" := u8 version, present once the postings table covers every trace. A new
// version (other terms, another hash) rebuilds the table at the next open.
constexpr std::string_view kPostingsKey = "postings";
constexpr char kPostingsVersion = 2;
// meta "postings_watermark" := i64le server time (µs) of the Write that last flushed the pending
// postings: traces updated at or after it may have postings that only lived in memory.
constexpr std::string_view kPostingsWatermarkKey = "postings_watermark";
constexpr size_t kPostingsRebuildChunk = 20000;  // traces per transaction while rebuilding
constexpr std::string_view kDictionaryKey = "summary_dict";
constexpr size_t kSummarySamples = 1000;
constexpr size_t kSummaryDictionaryBytes = 16 * 1024;
constexpr size_t kFrameSamples = 1000;
constexpr size_t kFrameDictionaryBytes = 32 * 1024;
constexpr std::string_view kFrameDictionaryFile = "/frames.dict";

// frames.dict := u32le crc32c(bytes), bytes. Written to a temporary name, synced, renamed and
// the directory synced: it must be durable before any frame depends on it.
Status StoreFrameDictionary(const std::string& dir, std::string_view bytes) {
  const std::string path = dir + std::string(kFrameDictionaryFile);
  std::string content;
  PutFixed32LE(&content, Crc32c(bytes));
  content.append(bytes);
  return WriteFileDurably(path, content);
}

// The stored frame dictionary; nullptr when there is none.
Result<std::shared_ptr<const ZstdDictionary>> LoadFrameDictionary(const std::string& dir,
                                                                  int zstd_level) {
  const std::string path = dir + std::string(kFrameDictionaryFile);
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::shared_ptr<const ZstdDictionary>();
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (content.size() < 4 || DecodeFixed32LE(content.data()) != Crc32c(content.substr(4))) {
    return Status::Corruption(path + " is damaged; the frames that need it cannot be read");
  }
  return ZstdDictionary::Create(content.substr(4), zstd_level);
}
constexpr uint8_t kStateVersion = 1;

std::atomic<uint64_t> next_uid{1};

std::string EncodeState(const PartitionState& state) {
  std::string out;
  out.push_back(static_cast<char>(kStateVersion));
  PutVarint64(&out, state.log_end);
  PutVarint64(&out, state.applied_seq);
  PutVarint64(&out, state.documents);
  PutVarint64(&out, state.traces);
  PutVarint64(&out, ZigZagEncode(state.max_received_us));
  return out;
}

bool DecodeState(std::string_view bytes, PartitionState* state) {
  ByteReader in(bytes);
  uint8_t version = 0;
  return in.ReadByte(&version) && version == kStateVersion && in.ReadVarint64(&state->log_end) &&
         in.ReadVarint64(&state->applied_seq) && in.ReadVarint64(&state->documents) &&
         in.ReadVarint64(&state->traces) && in.ReadZigZag64(&state->max_received_us) && in.empty();
}

// One document slot while applying the replacement rules.
struct Slot {
  StoredDocument stored;
  DocRef ref;
  bool alive = true;
};

}  // namespace

int64_t ToMicros(EpochSeconds t) { return std::llround(t * 1e6); }

std::string ByUpdateKey(int64_t time_us, const model::TraceId& id) {
  std::string key(8 + id.key().size(), '\0');
  EncodeFixed64BE(reinterpret_cast<uint8_t*>(key.data()), static_cast<uint64_t>(time_us));
  std::copy(id.key().begin(), id.key().end(), key.begin() + 8);
  return key;
}

Partition::Partition(std::string dir, int32_t day, std::unique_ptr<SegmentLog> log,
                     std::unique_ptr<LmdbEnv> index)
    : dir_(std::move(dir)),
      day_(day),
      uid_(next_uid.fetch_add(1)),
      log_(std::move(log)),
      index_(std::move(index)),
      published_pending_(std::make_shared<const PendingPostings>()) {}

Result<std::shared_ptr<Partition>> Partition::Open(const std::string& dir, int32_t day,
                                                   const LmdbOptions& lmdb_options, int zstd_level,
                                                   bool rebuild_index, bool* rebuilt) {
  *rebuilt = false;
  ASSIGN_OR_RETURN(std::unique_ptr<SegmentLog> log, SegmentLog::Open(dir + "/segments.log"));
  ASSIGN_OR_RETURN(std::shared_ptr<const ZstdDictionary> frame_dictionary,
                   LoadFrameDictionary(dir, zstd_level));
  if (frame_dictionary != nullptr) log->SetDictionary(std::move(frame_dictionary));
  const std::string index_dir = dir + "/index";
  std::error_code ec;

  auto open_index = [&](bool wipe) -> Result<std::unique_ptr<LmdbEnv>> {
    if (wipe) {
      fs::remove_all(index_dir, ec);
      if (ec) return Status::IoError("remove " + index_dir + ": " + ec.message());
    }
    fs::create_directories(index_dir, ec);
    if (ec) return Status::IoError("mkdir " + index_dir + ": " + ec.message());
    return LmdbEnv::Open(index_dir, kDbNames, lmdb_options, kDbFlags);
  };

  Result<std::unique_ptr<LmdbEnv>> index = open_index(rebuild_index);
  *rebuilt = rebuild_index;
  PartitionState state;
  std::shared_ptr<const ZstdDictionary> summary_dictionary;
  bool usable = index.ok();
  if (!usable && index.status().code() != StatusCode::kCorruption) return index.status();
  if (usable) {
    ASSIGN_OR_RETURN(LmdbTxn txn, LmdbTxn::Begin(**index, /*read_only=*/true));
    ASSIGN_OR_RETURN(std::optional<std::string_view> bytes, txn.Get((*index)->dbi(2), kStateKey));
    if (bytes && !DecodeState(*bytes, &state)) usable = false;
    // An index that claims more log than there is cannot be trusted either.
    if (state.log_end > log->size()) usable = false;
    ASSIGN_OR_RETURN(bytes, txn.Get((*index)->dbi(2), kDictionaryKey));
    if (usable && bytes) {
      Result<std::shared_ptr<const ZstdDictionary>> loaded =
          ZstdDictionary::Create(std::string(*bytes), zstd_level);
      if (loaded.ok()) {
        summary_dictionary = std::move(loaded).value();
      } else {
        usable = false;
      }
    }
  }
  if (!usable) {
    log::Warn("storage: the index of " + dir + " is unreadable or ahead of its log; rebuilding it");
    index = Status::Internal("reopening");  // release the old environment before wiping it
    index = open_index(/*wipe=*/true);
    if (!index.ok()) return index.status();
    state = PartitionState();
    summary_dictionary.reset();
    *rebuilt = true;
  }
  std::shared_ptr<Partition> partition(
      new Partition(dir, day, std::move(log), std::move(index).value()));
  partition->state_ = state;
  partition->summary_dictionary_ = std::move(summary_dictionary);
  RETURN_IF_ERROR(partition->EnsurePostings());
  RETURN_IF_ERROR(partition->RecoverPendingPostings());
  return partition;
}

namespace {

// Appends the postings of `summary`'s terms to `out`.
void AppendPostings(const model::TraceSummary& summary, std::string_view trace_key,
                    std::vector<Posting>* out) {
  CHECK(trace_key.size() == sizeof(model::TraceId::Key)) << "trace keys are 16 bytes";
  model::ForEachIndexTerm(summary, [&](std::string_view term) {
    Posting& posting = out->emplace_back();
    const uint64_t hash = PostingHash(term);
    for (size_t i = 0; i < kPostingKeySize; ++i) {  // little-endian, as PostingKey
      posting.bytes[i] = static_cast<char>(hash >> (8 * i));
    }
    std::memcpy(posting.bytes.data() + kPostingKeySize, trace_key.data(), trace_key.size());
  });
}

// Puts `postings` (a pair already present stays as it is). Sorted first, so that each term's
// new trace keys, usually newer than all it has, are appended to its list (MDB_APPENDDUP fills
// pages instead of splitting them in half).
Status PutPostings(LmdbTxn& txn, MDB_dbi dbi, std::vector<Posting>& postings) {
  std::sort(postings.begin(), postings.end());
  postings.erase(std::unique(postings.begin(), postings.end()), postings.end());
  ASSIGN_OR_RETURN(LmdbCursor cursor, LmdbCursor::Open(txn, dbi));
  std::string_view term;
  std::string last;  // the term's greatest trace key; empty when it has none
  for (const Posting& posting : postings) {
    const std::string_view trace_key = posting.trace_key();
    if (posting.term() != term) {
      term = posting.term();
      last.clear();
      ASSIGN_OR_RETURN(bool found, cursor.Move(MDB_SET_KEY, term));
      if (found) {
        ASSIGN_OR_RETURN(found, cursor.Move(MDB_LAST_DUP));
        if (found) last.assign(cursor.value());
      }
    }
    if (trace_key == last) continue;
    // MDB_APPENDDUP only when the key is certainly greater: LMDB fails the transaction otherwise.
    const bool append = !last.empty() && trace_key > last;
    RETURN_IF_ERROR(cursor.Put(term, trace_key, append ? MDB_APPENDDUP : 0));
    if (last.empty() || append) last.assign(trace_key);
  }
  return Status::Ok();
}

}  // namespace

uint64_t PostingHash(std::string_view term) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (const char c : term) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ULL;
  }
  h ^= h >> 33;  // fmix64
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

std::string PostingKey(std::string_view term) {
  std::string key;
  PutFixed64LE(&key, PostingHash(term));
  return key;
}

Status Partition::EnsurePostings() {
  {
    ASSIGN_OR_RETURN(LmdbTxn txn, LmdbTxn::Begin(*index_, /*read_only=*/true));
    ASSIGN_OR_RETURN(std::optional<std::string_view> version, txn.Get(meta_dbi(), kPostingsKey));
    if (version && *version == std::string_view(&kPostingsVersion, 1)) return Status::Ok();
  }
  // Chunks of traces per transaction (one transaction for a big day would hold all its dirty
  // pages in memory); the version is stored with the last one, so an interrupted rebuild starts
  // over at the next open.
  std::string resume;  // the last trace key done
  std::vector<Posting> postings;
  uint64_t traces = 0;
  for (bool first = true, done = false; !done; first = false) {
    ASSIGN_OR_RETURN(LmdbTxn txn, LmdbTxn::Begin(*index_, /*read_only=*/false));
    if (first) RETURN_IF_ERROR(txn.Clear(postings_dbi()));
    postings.clear();
    {
      ASSIGN_OR_RETURN(LmdbCursor cursor, LmdbCursor::Open(txn, traces_dbi()));
      ASSIGN_OR_RETURN(
          bool more, resume.empty() ? cursor.Move(MDB_FIRST) : cursor.Move(MDB_SET_RANGE, resume));
      if (more && !resume.empty() && cursor.key() == resume) {
        ASSIGN_OR_RETURN(more, cursor.Move(MDB_NEXT));
      }
      TraceRecordHead head;
      model::TraceId::Key key;
      for (size_t n = 0; more && n < kPostingsRebuildChunk; ++n) {
        if (cursor.key().size() != key.size()) return Status::Corruption("bad trace key");
        std::memcpy(key.data(), cursor.key().data(), key.size());
        RETURN_IF_ERROR(DecodeTraceRecordHead(cursor.value(), &head));
        ASSIGN_OR_RETURN(model::TraceSummary summary,
                         DecodeSummary(model::TraceId::FromKey(key), head));
        AppendPostings(summary, cursor.key(), &postings);
        resume.assign(cursor.key());
        ++traces;
        ASSIGN_OR_RETURN(more, cursor.Move(MDB_NEXT));
      }
      done = !more;
    }
    RETURN_IF_ERROR(PutPostings(txn, postings_dbi(), postings));
    if (done) {
      RETURN_IF_ERROR(txn.Put(meta_dbi(), kPostingsKey, std::string_view(&kPostingsVersion, 1)));
      std::string watermark;  // every trace is posted
      PutFixed64LE(&watermark, static_cast<uint64_t>(state_.max_received_us));
      RETURN_IF_ERROR(txn.Put(meta_dbi(), kPostingsWatermarkKey, watermark));
    }
    RETURN_IF_ERROR(txn.Commit());
  }
  if (traces > 0) {
    log::Info("storage: built the postings of " + std::to_string(traces) + " traces in " + dir_);
  }
  return Status::Ok();
}

Result<PartitionState> Partition::ReadState(const LmdbTxn& txn) const {
  ASSIGN_OR_RETURN(std::optional<std::string_view> bytes, txn.Get(meta_dbi(), kStateKey));
  PartitionState state;
  if (bytes && !DecodeState(*bytes, &state)) {
    return Status::Corruption("malformed partition state in " + dir_);
  }
  return state;
}

std::shared_ptr<const ZstdDictionary> Partition::summary_dictionary() const {
  std::lock_guard lock(dictionary_mu_);
  return summary_dictionary_;
}

Result<model::TraceSummary> Partition::DecodeSummary(const model::TraceId& id,
                                                     const TraceRecordHead& head) const {
  model::TraceSummary summary;
  RETURN_IF_ERROR(DecodeSummaryInto(id, head, &summary));
  return summary;
}

Status Partition::DecodeSummaryInto(const model::TraceId& id, const TraceRecordHead& head,
                                    model::TraceSummary* out, SummaryParts parts) const {
  if (head.summary_compressed) {
    std::shared_ptr<const ZstdDictionary> dict = summary_dictionary();
    if (dict == nullptr) {
      return Status::Corruption("compressed summary of " + id.ToString() + " but no dictionary");
    }
    thread_local std::string raw;
    RETURN_IF_ERROR(dict->Decompress(head.summary, &raw));
    RETURN_IF_ERROR(DecodeTraceSummaryInto(raw, id, out, parts));
  } else {
    RETURN_IF_ERROR(DecodeTraceSummaryInto(head.summary, id, out, parts));
  }
  out->revision = head.revision;
  out->updated_at =
      head.update_times_us.empty() ? 0 : static_cast<double>(head.update_times_us.back()) / 1e6;
  return Status::Ok();
}

Result<std::shared_ptr<const CachedFrame>> Partition::LoadFrame(FrameCache& cache,
                                                                uint64_t offset) const {
  if (auto cached = cache.Get(uid_, offset)) return cached;
  ASSIGN_OR_RETURN(Frame frame, log_->ReadFrame(offset, /*with_body=*/true));
  auto loaded = std::make_shared<CachedFrame>();
  loaded->body = std::move(frame.body);
  loaded->received_at = frame.header.received_at;
  RETURN_IF_ERROR(DecodeFrameDirectory(loaded->body, &loaded->offsets));
  cache.Put(uid_, offset, loaded);
  return std::shared_ptr<const CachedFrame>(std::move(loaded));
}

Status Partition::LoadDocuments(FrameCache& cache, const model::TraceId& id,
                                std::span<const DocRef> refs,
                                std::vector<StoredDocument>* out) const {
  std::shared_ptr<const CachedFrame> frame;
  uint64_t frame_offset = 0;
  for (const DocRef& ref : refs) {
    if (frame == nullptr || ref.frame_offset != frame_offset) {
      ASSIGN_OR_RETURN(frame, LoadFrame(cache, ref.frame_offset));
      frame_offset = ref.frame_offset;
    }
    if (size_t{ref.index} + 1 >= frame->offsets.size()) {
      return Status::Corruption("document " + std::to_string(ref.index) + " of frame " +
                                std::to_string(ref.frame_offset) + " in " + dir_ +
                                " does not exist");
    }
    const std::string_view json =
        std::string_view(frame->body)
            .substr(frame->offsets[ref.index],
                    frame->offsets[ref.index + 1] - frame->offsets[ref.index]);
    StoredDocument& stored = out->emplace_back();
    stored.received_at = frame->received_at;
    Status parsed = ParseStoredDocument(json, &stored.document);
    if (!parsed.ok() || stored.document.trace_id != id) {
      log::Warn("storage: a stored document of " + id.ToString() + " no longer reads as one (" +
                parsed.ToString() + "); keeping its text only");
      stored.document = model::SegmentDocument();
      stored.document.trace_id = id;
      stored.document.json.assign(json);
    }
  }
  return Status::Ok();
}

namespace {

// Starts training on `samples` (taken) when there are enough and none runs yet; returns the
// trained bytes once a training has finished, inline or in the background.
std::optional<std::string> Train(std::vector<std::string>& samples, size_t needed,
                                 size_t dictionary_bytes, bool background,
                                 std::future<std::string>& training) {
  if (!training.valid() && samples.size() >= needed) {
    auto run = [taken = std::move(samples), dictionary_bytes] {
      return ZstdDictionary::Train(taken, dictionary_bytes);
    };
    samples.clear();
    samples.shrink_to_fit();
    training = std::async(background ? std::launch::async : std::launch::deferred, std::move(run));
  }
  if (training.valid() &&
      (!background || training.wait_for(std::chrono::seconds(0)) == std::future_status::ready)) {
    return training.get();
  }
  return std::nullopt;
}

}  // namespace

Status Partition::MaybeTrainSummaryDictionary(const ApplyContext& context, LmdbTxn& txn) {
  std::optional<std::string> bytes =
      Train(summary_samples_, kSummarySamples, kSummaryDictionaryBytes, context.background_training,
            summary_training_);
  if (!bytes) return Status::Ok();
  ASSIGN_OR_RETURN(std::shared_ptr<const ZstdDictionary> dict,
                   ZstdDictionary::Create(std::move(*bytes), context.zstd_level));
  RETURN_IF_ERROR(txn.Put(meta_dbi(), kDictionaryKey, dict->bytes()));
  // Set before the commit: a reader that sees a record compressed with it finds it here.
  std::lock_guard lock(dictionary_mu_);
  summary_dictionary_ = std::move(dict);
  return Status::Ok();
}

void Partition::LearnFromDocuments(const ApplyContext& context,
                                   std::span<const model::SegmentDocument* const> documents) {
  if (log_->dictionary() != nullptr) return;
  for (const model::SegmentDocument* doc : documents) {
    if (frame_samples_.size() >= kFrameSamples || frame_training_.valid()) break;
    frame_samples_.push_back(doc->json);
  }
  std::optional<std::string> bytes = Train(frame_samples_, kFrameSamples, kFrameDictionaryBytes,
                                           context.background_training, frame_training_);
  if (!bytes) return;
  Result<std::shared_ptr<const ZstdDictionary>> dict =
      ZstdDictionary::Create(std::move(*bytes), context.zstd_level);
  Status stored = dict.ok() ? StoreFrameDictionary(dir_, (*dict)->bytes()) : dict.status();
  if (!stored.ok()) {
    // Samples start again: another attempt after as many more documents.
    log::Warn("storage: cannot store the frame dictionary of " + dir_ + ": " + stored.ToString());
    return;
  }
  log_->SetDictionary(std::move(dict).value());
}

Status Partition::ApplyWrite(const ApplyContext& context, std::span<const TraceWrite> traces,
                             EpochSeconds received_at, uint64_t write_seq, uint64_t log_end,
                             const std::function<Status()>& before_commit) {
  ASSIGN_OR_RETURN(LmdbTxn txn, LmdbTxn::Begin(*index_, /*read_only=*/false));
  if (summary_dictionary() == nullptr) RETURN_IF_ERROR(MaybeTrainSummaryDictionary(context, txn));
  PartitionState next = state_;
  const int64_t now_us = ToMicros(received_at);

  std::vector<Slot> slots;
  std::vector<StoredDocument> loaded;
  std::vector<StoredDocument> current;
  std::unordered_map<model::EntityId, size_t> by_id;
  TraceRecord record;
  std::string raw_summary;
  std::shared_ptr<const ZstdDictionary> dict = summary_dictionary();
  std::vector<model::TraceId> new_updates;
  std::vector<Posting> postings;

  for (const TraceWrite& write : traces) {
    const std::string_view key = TraceKeyView(write.id);
    ASSIGN_OR_RETURN(std::optional<std::string_view> existing, txn.Get(traces_dbi(), key));
    record = TraceRecord();
    slots.clear();
    loaded.clear();
    by_id.clear();
    if (existing) {
      RETURN_IF_ERROR(DecodeTraceRecord(*existing, &record));
      RETURN_IF_ERROR(LoadDocuments(*context.cache, write.id, record.refs, &loaded));
      for (size_t i = 0; i < loaded.size(); ++i) {
        slots.push_back(Slot{std::move(loaded[i]), record.refs[i], true});
      }
    } else {
      ++next.traces;
    }
    const size_t before = slots.size();

    // The replacement rules: a complete document replaces an in-progress one; an in-progress one
    // never replaces a complete one; otherwise the later one wins. A replacement takes the
    // arrival position of the newer document.
    const bool use_map = slots.size() + write.documents.size() > 32;
    if (use_map) {
      for (size_t i = 0; i < slots.size(); ++i) by_id[slots[i].stored.document.id] = i;
    }
    for (const IncomingDocument& incoming : write.documents) {
      const model::SegmentDocument& doc = *incoming.document;
      std::optional<size_t> found;
      if (use_map) {
        if (auto it = by_id.find(doc.id); it != by_id.end()) found = it->second;
      } else {
        for (size_t i = 0; i < slots.size(); ++i) {
          if (slots[i].alive && slots[i].stored.document.id == doc.id) {
            found = i;
            break;
          }
        }
      }
      if (found) {
        Slot& old = slots[*found];
        if (!old.stored.document.in_progress && doc.in_progress) continue;
        old.alive = false;
      }
      if (use_map) by_id[doc.id] = slots.size();
      slots.push_back(Slot{StoredDocument{doc, received_at}, incoming.ref, true});
    }

    current.clear();
    record.refs.clear();
    for (Slot& slot : slots) {
      if (!slot.alive) continue;
      current.push_back(std::move(slot.stored));
      record.refs.push_back(slot.ref);
    }
    next.documents = next.documents + current.size() - before;  // replacements keep the count

    model::TraceSummary summary = (*context.summarizer)(write.id, current);
    summary.id = write.id;
    AppendPostings(summary, key, &postings);
    // revision and updated_at live in the record itself (DecodeSummary puts them back).
    record.revision = record.revision + 1;
    summary.revision = 0;
    summary.updated_at = 0;
    raw_summary.clear();
    EncodeTraceSummary(summary, &raw_summary);
    record.summary_compressed = dict != nullptr && dict->Compress(raw_summary, &record.summary);
    if (!record.summary_compressed) {
      record.summary.swap(raw_summary);
      if (dict == nullptr && !summary_training_.valid() &&
          summary_samples_.size() < kSummarySamples) {
        summary_samples_.push_back(record.summary);
      }
    }

    // by_update: one entry per recent Write, at most max_update_entries per trace. The list
    // keeps arrival order, so its last element is the latest write.
    auto& times = record.update_times_us;
    const auto same = std::find(times.begin(), times.end(), now_us);
    if (same != times.end()) {
      times.erase(same);
    } else {
      new_updates.push_back(write.id);
    }
    times.push_back(now_us);
    while (times.size() > std::max<size_t>(context.max_update_entries, 1)) {
      RETURN_IF_ERROR(txn.Delete(by_update_dbi(), ByUpdateKey(times.front(), write.id)));
      times.erase(times.begin());
    }
    RETURN_IF_ERROR(txn.Put(traces_dbi(), key, EncodeTraceRecord(record)));
  }

  // New by_update entries in key order, appended outright when they follow every existing key
  // (the usual case: time moves forward), which keeps the pages full instead of half full.
  std::sort(new_updates.begin(), new_updates.end());
  unsigned put_flags = 0;
  if (!new_updates.empty()) {
    ASSIGN_OR_RETURN(LmdbCursor cursor, LmdbCursor::Open(txn, by_update_dbi()));
    ASSIGN_OR_RETURN(bool any, cursor.Move(MDB_LAST));
    if (!any || std::string_view(ByUpdateKey(now_us, new_updates.front())) > cursor.key()) {
      put_flags = MDB_APPEND;
    }
  }
  for (const model::TraceId& id : new_updates) {
    RETURN_IF_ERROR(txn.Put(by_update_dbi(), ByUpdateKey(now_us, id), {}, put_flags));
  }
  // Every term of every new summary joins the pending postings, published before the commit
  // (a candidate whose write then fails has no record and is skipped); once enough are pending
  // they go to the table in this transaction and leave memory after it commits.
  std::sort(postings.begin(), postings.end());
  PendingPostings pending;
  pending.reserve(pending_.size() + postings.size());
  std::merge(pending_.begin(), pending_.end(), postings.begin(), postings.end(),
             std::back_inserter(pending));
  pending.erase(std::unique(pending.begin(), pending.end()), pending.end());
  const bool flush = pending.size() >= context.postings_flush_threshold;
  if (flush) {
    RETURN_IF_ERROR(PutPostings(txn, postings_dbi(), pending));
    std::string watermark;
    PutFixed64LE(&watermark, static_cast<uint64_t>(now_us));
    RETURN_IF_ERROR(txn.Put(meta_dbi(), kPostingsWatermarkKey, watermark));
  }
  PublishPending(pending);  // a superset of what is pending until the commit succeeds
  next.log_end = log_end;
  next.applied_seq = write_seq;
  next.max_received_us = std::max(next.max_received_us, now_us);
  RETURN_IF_ERROR(txn.Put(meta_dbi(), kStateKey, EncodeState(next)));
  RETURN_IF_ERROR(before_commit());
  RETURN_IF_ERROR(txn.Commit());
  state_ = next;
  if (flush) PublishPending({});
  return Status::Ok();
}

std::shared_ptr<const PendingPostings> Partition::pending_postings() const {
  std::lock_guard lock(pending_mu_);
  return published_pending_;
}

void Partition::PublishPending(PendingPostings postings) {
  pending_ = postings;
  auto published = std::make_shared<const PendingPostings>(std::move(postings));
  std::lock_guard lock(pending_mu_);
  published_pending_ = std::move(published);
}

Status Partition::RecoverPendingPostings() {
  PendingPostings recovered;
  {
    ASSIGN_OR_RETURN(LmdbTxn txn, LmdbTxn::Begin(*index_, /*read_only=*/true));
    ASSIGN_OR_RETURN(std::optional<std::string_view> watermark,
                     txn.Get(meta_dbi(), kPostingsWatermarkKey));
    // Absent only if damaged: then every trace is re-posted, which is merely slow.
    int64_t since_us = 0;
    if (watermark && watermark->size() == 8) {
      since_us = static_cast<int64_t>(DecodeFixed64LE(watermark->data()));
    }
    ASSIGN_OR_RETURN(LmdbCursor cursor, LmdbCursor::Open(txn, by_update_dbi()));
    ASSIGN_OR_RETURN(bool more,
                     cursor.Move(MDB_SET_RANGE, ByUpdateKey(since_us, model::TraceId())));
    std::vector<std::string> trace_keys;
    while (more) {
      trace_keys.emplace_back(cursor.key().substr(8));
      ASSIGN_OR_RETURN(more, cursor.Move(MDB_NEXT));
    }
    std::sort(trace_keys.begin(), trace_keys.end());
    trace_keys.erase(std::unique(trace_keys.begin(), trace_keys.end()), trace_keys.end());
    TraceRecordHead head;
    for (const std::string& key : trace_keys) {
      ASSIGN_OR_RETURN(std::optional<std::string_view> record, txn.Get(traces_dbi(), key));
      if (!record || key.size() != sizeof(model::TraceId::Key)) continue;
      RETURN_IF_ERROR(DecodeTraceRecordHead(*record, &head));
      model::TraceId::Key id_key;
      std::memcpy(id_key.data(), key.data(), id_key.size());
      ASSIGN_OR_RETURN(model::TraceSummary summary,
                       DecodeSummary(model::TraceId::FromKey(id_key), head));
      AppendPostings(summary, key, &recovered);
    }
  }
  std::sort(recovered.begin(), recovered.end());
  recovered.erase(std::unique(recovered.begin(), recovered.end()), recovered.end());
  PublishPending(std::move(recovered));
  return Status::Ok();
}

}  // namespace roentgen::storage
