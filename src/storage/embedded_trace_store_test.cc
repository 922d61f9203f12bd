#include "storage/embedded_trace_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "model/index_terms.h"
#include "storage/document_frame.h"
#include "storage/lmdb_env.h"
#include "storage/segment_log.h"
#include "storage/trace_store_contract.h"

namespace roentgen::storage {
namespace {

namespace fs = std::filesystem;
using contract::Doc;
using contract::kNow;
using contract::MakeTraceId;
using model::SegmentDocument;
using model::TraceId;

constexpr double kDay = 86400;

std::string MakeTempDir() {
  std::string pattern = "/tmp/roentgen-storage-XXXXXX";
  char* dir = ::mkdtemp(pattern.data());
  EXPECT_NE(dir, nullptr);
  return pattern;
}

EmbeddedStoreOptions TestOptions(const std::string& dir, const Clock& clock) {
  EmbeddedStoreOptions options;
  options.directory = dir;
  options.clock = &clock;
  options.summarizer = contract::CountingSummarizer;
  options.partition_map_bytes = uint64_t{1} << 30;
  options.meta_map_bytes = uint64_t{256} << 20;
  options.max_readers = 64;
  options.train_dictionaries_in_background = false;  // deterministic
  return options;
}

class EmbeddedHarness final : public contract::StoreHarness {
 public:
  explicit EmbeddedHarness(size_t postings_flush_threshold)
      : dir_(MakeTempDir()), postings_flush_threshold_(postings_flush_threshold) {}
  ~EmbeddedHarness() override {
    store_.reset();
    fs::remove_all(dir_);
  }
  Result<TraceStore*> Open(const Clock& clock, Summarizer summarizer) override {
    EmbeddedStoreOptions options = TestOptions(dir_, clock);
    options.summarizer = std::move(summarizer);
    options.postings_flush_threshold = postings_flush_threshold_;
    ASSIGN_OR_RETURN(store_, EmbeddedTraceStore::Open(options));
    return static_cast<TraceStore*>(store_.get());
  }
  void Close() override { store_.reset(); }

 private:
  std::string dir_;
  const size_t postings_flush_threshold_;
  std::unique_ptr<EmbeddedTraceStore> store_;
};

// Postings left pending in memory (the default threshold is never reached in these tests),
// flushed by every Write, and flushed every few Writes.
std::unique_ptr<contract::StoreHarness> MakeEmbeddedHarness() {
  return std::make_unique<EmbeddedHarness>(EmbeddedStoreOptions().postings_flush_threshold);
}
std::unique_ptr<contract::StoreHarness> MakeEmbeddedHarnessFlushingPostings() {
  return std::make_unique<EmbeddedHarness>(0);
}
std::unique_ptr<contract::StoreHarness> MakeEmbeddedHarnessFlushingSomePostings() {
  return std::make_unique<EmbeddedHarness>(7);
}

using contract::TraceStoreContractTest;
INSTANTIATE_TEST_SUITE_P(Embedded, TraceStoreContractTest,
                         ::testing::Values(&MakeEmbeddedHarness,
                                           &MakeEmbeddedHarnessFlushingPostings,
                                           &MakeEmbeddedHarnessFlushingSomePostings));

// --- Embedded-only behaviour ---------------------------------------------------------------------

class EmbeddedTraceStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    options_ = TestOptions(dir_, clock_);
    Open();
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  void Open() {
    Result<std::unique_ptr<EmbeddedTraceStore>> store = EmbeddedTraceStore::Open(options_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  void Close() { store_.reset(); }
  void Reopen() {
    Close();
    Open();
  }

  void Write(const std::vector<SegmentDocument>& docs, EpochSeconds received_at) {
    Status status = store_->Write(docs, received_at);
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  bool Has(const TraceId& id) {
    Result<StoredTrace> trace = store_->GetTrace(id);
    EXPECT_TRUE(trace.ok() || trace.status().code() == StatusCode::kNotFound)
        << trace.status().ToString();
    return trace.ok();
  }
  size_t DocumentCount(const TraceId& id) {
    Result<StoredTrace> trace = store_->GetTrace(id);
    return trace.ok() ? trace->documents.size() : 0;
  }

  std::string DayDir(EpochSeconds t) {
    return dir_ + "/partitions/" + DayName(static_cast<int32_t>(std::floor(t / kDay)));
  }
  std::string LogPath(EpochSeconds t) { return DayDir(t) + "/segments.log"; }

  FakeClock clock_{kNow};
  std::string dir_;
  EmbeddedStoreOptions options_;
  std::unique_ptr<EmbeddedTraceStore> store_;
};

TEST(DayNameTest, RoundTrips) {
  EXPECT_EQ(DayName(0), "1970-01-01");
  EXPECT_EQ(DayName(19675), "2023-11-14");
  for (int32_t day : {0, 1, 59, 365, 11016, 19675, 49710}) {
    EXPECT_EQ(ParseDayName(DayName(day)), day) << day;
  }
  EXPECT_EQ(ParseDayName("2023-02-30"), std::nullopt);
  EXPECT_EQ(ParseDayName("2023-1-01x"), std::nullopt);
  EXPECT_EQ(ParseDayName(".dropped-x"), std::nullopt);
}

TEST_F(EmbeddedTraceStoreTest, SecondOpenOfTheSameDirectoryIsUnavailable) {
  Result<std::unique_ptr<EmbeddedTraceStore>> second = EmbeddedTraceStore::Open(options_);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
}

TEST_F(EmbeddedTraceStoreTest, BadOptionsAreInvalidArgument) {
  EmbeddedStoreOptions options = options_;
  options.clock = nullptr;
  EXPECT_EQ(EmbeddedTraceStore::Open(options).status().code(), StatusCode::kInvalidArgument);
  options = options_;
  options.summarizer = nullptr;
  EXPECT_EQ(EmbeddedTraceStore::Open(options).status().code(), StatusCode::kInvalidArgument);
  const std::vector<SegmentDocument> docs = {Doc(MakeTraceId(kNow, 1), 1)};
  EXPECT_EQ(store_->Write(docs, -1).code(), StatusCode::kInvalidArgument);
}

TEST_F(EmbeddedTraceStoreTest, TracesLiveInTheDayOfTheirEpoch) {
  Write({Doc(MakeTraceId(kNow - 3 * kDay, 1), 1), Doc(MakeTraceId(kNow, 2), 2)}, kNow);
  EXPECT_TRUE(fs::exists(LogPath(kNow - 3 * kDay)));
  EXPECT_TRUE(fs::exists(LogPath(kNow)));
  Result<StoreStats> stats = store_->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->partitions, 2u);
}

TEST_F(EmbeddedTraceStoreTest, ForeignTraceIdsLiveInTheirArrivalDayAndAreNeverSplit) {
  // W3C ids converted by OpenTelemetry carry random bits where the epoch should be.
  const TraceId foreign = MakeTraceId(0x00000123, 1);
  const TraceId future = MakeTraceId(static_cast<uint32_t>(kNow + 10 * kDay), 2);
  Write({Doc(foreign, 1), Doc(future, 2)}, kNow);
  Result<StoreStats> stats = store_->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->partitions, 1u);
  EXPECT_TRUE(fs::exists(LogPath(kNow)));
  EXPECT_EQ(DocumentCount(foreign), 1u);
  EXPECT_EQ(DocumentCount(future), 1u);

  // Two days later (and after a restart) the traces get more documents: same partition. The
  // future id has become plausible by then, but the map still wins.
  clock_.Set(kNow + 2 * kDay);
  Reopen();
  Write({Doc(foreign, 3), Doc(future, 4)}, kNow + 2 * kDay);
  EXPECT_EQ(DocumentCount(foreign), 2u);
  EXPECT_EQ(DocumentCount(future), 2u);
  EXPECT_EQ(store_->GetTrace(foreign)->summary.revision, 2u);
  stats = store_->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->partitions, 1u);
  EXPECT_EQ(stats->traces, 2u);

  // A trace-id scan finds the foreign id at its (odd) epoch.
  SummaryScan scan;
  scan.start_time = 0;
  scan.end_time = 1000;
  Result<SummaryPage> page = store_->ScanSummaries(scan);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->summaries.size(), 1u);
  EXPECT_EQ(page->summaries[0].id, foreign);
}

TEST_F(EmbeddedTraceStoreTest, ATraceStaysInItsDayWhenItsEpochStopsBeingPlausible) {
  const TraceId trace = MakeTraceId(kNow - 29 * kDay, 1);
  Write({Doc(trace, 1)}, kNow);
  clock_.Set(kNow + 5 * kDay);  // now 34 days after the epoch: beyond retention + 1 day
  Write({Doc(trace, 2)}, kNow + 5 * kDay);
  EXPECT_EQ(DocumentCount(trace), 2u);
  EXPECT_FALSE(fs::exists(DayDir(kNow + 5 * kDay)));
}

TEST_F(EmbeddedTraceStoreTest, DropBeforeDeletesWholeDayDirectoriesAndTheirMapEntries) {
  const TraceId old_trace = MakeTraceId(kNow - 10 * kDay, 1);
  const TraceId foreign = MakeTraceId(7, 2);
  Write({Doc(old_trace, 1), Doc(foreign, 2)}, kNow - 10 * kDay);
  const TraceId new_trace = MakeTraceId(kNow, 3);
  Write({Doc(new_trace, 3)}, kNow);
  ASSERT_TRUE(fs::exists(DayDir(kNow - 10 * kDay)));

  ASSERT_TRUE(store_->DropBefore(kNow - 5 * kDay).ok());
  EXPECT_FALSE(fs::exists(DayDir(kNow - 10 * kDay)));
  EXPECT_TRUE(fs::exists(DayDir(kNow)));
  EXPECT_FALSE(Has(old_trace));
  EXPECT_FALSE(Has(foreign));
  EXPECT_TRUE(Has(new_trace));

  // The foreign id starts afresh in today's partition.
  Write({Doc(foreign, 4)}, kNow);
  EXPECT_EQ(DocumentCount(foreign), 1u);
  Reopen();
  EXPECT_EQ(DocumentCount(foreign), 1u);
  for (const auto& entry : fs::directory_iterator(dir_ + "/partitions")) {
    EXPECT_EQ(ParseDayName(entry.path().filename().string()).has_value(), true) << entry.path();
  }
}

TEST_F(EmbeddedTraceStoreTest, DropBeforeKeepsADayThatStillReceivedWrites) {
  const TraceId trace = MakeTraceId(kNow - 10 * kDay, 1);
  Write({Doc(trace, 1)}, kNow - 10 * kDay);
  Write({Doc(trace, 2)}, kNow - 1 * kDay);  // a late document
  ASSERT_TRUE(store_->DropBefore(kNow - 5 * kDay).ok());
  EXPECT_EQ(DocumentCount(trace), 2u);
  ASSERT_TRUE(store_->DropBefore(kNow).ok());
  EXPECT_FALSE(Has(trace));
}

TEST_F(EmbeddedTraceStoreTest, ReadsOfADroppedPartitionStillFinish) {
  const TraceId trace = MakeTraceId(kNow - 10 * kDay, 1);
  Write({Doc(trace, 1)}, kNow - 10 * kDay);
  Write({Doc(MakeTraceId(kNow, 2), 2)}, kNow);
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0};
  std::vector<std::thread> readers;
  for (int r = 0; r < 2; ++r) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        Result<StoredTrace> got = store_->GetTrace(trace);
        if (!got.ok() && got.status().code() != StatusCode::kNotFound) ++errors;
        SummaryScan scan;
        scan.start_time = 0;
        scan.end_time = kNow + 10;
        if (!store_->ScanSummaries(scan).ok()) ++errors;
        if (!store_->Stats().ok()) ++errors;
      }
    });
  }
  for (int i = 0; i < 50; ++i) {
    Write({Doc(MakeTraceId(kNow - (i % 3) * kDay, 100 + i), 100u + i)}, kNow + i);
    if (i == 25) {
      ASSERT_TRUE(store_->DropBefore(kNow - 5 * kDay).ok());
    }
  }
  stop = true;
  for (std::thread& t : readers) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_FALSE(Has(trace));
}

// --- Recovery --------------------------------------------------------------------------------

// Saves and restores a partition's index, to recreate "the log is ahead of the index": the state
// after a crash between the log sync and the index commit.
void CopyDir(const std::string& from, const std::string& to) {
  fs::remove_all(to);
  fs::copy(from, to, fs::copy_options::recursive);
}

TEST_F(EmbeddedTraceStoreTest, UnindexedTailIsReplayedOnOpen) {
  const TraceId a = MakeTraceId(kNow, 1);
  const TraceId b = MakeTraceId(kNow, 2);
  const TraceId foreign = MakeTraceId(5, 3);
  Write({Doc(a, 1).InProgress()}, kNow);
  Close();
  CopyDir(DayDir(kNow) + "/index", dir_ + "/index-snapshot");
  CopyDir(dir_ + "/meta", dir_ + "/meta-snapshot");
  Open();
  Write({Doc(a, 1), Doc(b, 2), Doc(foreign, 3)}, kNow + 1);
  Write({Doc(a, 4)}, kNow + 2);
  Close();
  CopyDir(dir_ + "/index-snapshot", DayDir(kNow) + "/index");
  CopyDir(dir_ + "/meta-snapshot", dir_ + "/meta");

  Open();
  Result<StoredTrace> trace = store_->GetTrace(a);
  ASSERT_TRUE(trace.ok());
  ASSERT_EQ(trace->documents.size(), 2u);
  EXPECT_FALSE(trace->documents[0].document.in_progress);
  EXPECT_EQ(trace->summary.revision, 3u);
  EXPECT_TRUE(Has(b));
  EXPECT_TRUE(Has(foreign));  // the trace map was replayed as well
  Write({Doc(foreign, 5)}, kNow + 3);
  EXPECT_EQ(DocumentCount(foreign), 2u);
}

TEST_F(EmbeddedTraceStoreTest, TornTailFrameIsCutOffAndEarlierWritesSurvive) {
  const TraceId a = MakeTraceId(kNow, 1);
  const TraceId b = MakeTraceId(kNow, 2);
  const TraceId c = MakeTraceId(kNow, 3);
  Write({Doc(a, 1)}, kNow);
  Write({Doc(b, 2)}, kNow + 1);
  Close();
  const auto before = fs::file_size(LogPath(kNow));
  CopyDir(DayDir(kNow) + "/index", dir_ + "/index-snapshot");
  Open();
  Write({Doc(c, 3)}, kNow + 2);
  Close();
  const auto after = fs::file_size(LogPath(kNow));
  ASSERT_GT(after, before);

  for (bool stale_index : {true, false}) {
    SCOPED_TRACE(stale_index ? "index behind the log" : "index ahead of the cut log");
    if (stale_index) CopyDir(dir_ + "/index-snapshot", DayDir(kNow) + "/index");
    fs::resize_file(LogPath(kNow), (before + after) / 2);  // in the middle of the last frame
    Open();
    EXPECT_TRUE(Has(a));
    EXPECT_TRUE(Has(b));
    EXPECT_FALSE(Has(c));
    EXPECT_EQ(fs::file_size(LogPath(kNow)), before);
    Write({Doc(c, 3)}, kNow + 3);
    Reopen();
    EXPECT_TRUE(Has(a));
    EXPECT_TRUE(Has(b));
    EXPECT_EQ(DocumentCount(c), 1u);
    Close();
  }
  Open();
}

TEST_F(EmbeddedTraceStoreTest, GarbageAfterTheLastFrameIsCutOff) {
  const TraceId a = MakeTraceId(kNow, 1);
  const TraceId b = MakeTraceId(kNow, 2);
  Write({Doc(a, 1)}, kNow);
  Write({Doc(b, 2)}, kNow + 1);
  Close();
  const auto size = fs::file_size(LogPath(kNow));
  std::mt19937_64 random(42);
  for (const std::string& garbage :
       {std::string(9, '\0'), std::string(3, '\xff'), std::string(200, 'x')}) {
    std::string bytes = garbage;
    if (bytes[0] == 'x') {
      for (char& ch : bytes) ch = static_cast<char>(random());
    }
    std::ofstream(LogPath(kNow), std::ios::app | std::ios::binary) << bytes;
    Open();
    EXPECT_TRUE(Has(a));
    EXPECT_TRUE(Has(b));
    EXPECT_EQ(fs::file_size(LogPath(kNow)), size);
    Close();
  }
  Open();
  Write({Doc(a, 3)}, kNow + 2);
  Reopen();
  EXPECT_EQ(DocumentCount(a), 2u);
}

TEST_F(EmbeddedTraceStoreTest, AWriteSplitIntoFramesIsAllOrNothing) {
  options_.max_frame_body_bytes = 4096;
  Reopen();
  const TraceId a = MakeTraceId(kNow, 1);
  const TraceId b = MakeTraceId(kNow, 2);
  std::vector<SegmentDocument> first;
  std::vector<SegmentDocument> second;
  for (uint32_t i = 0; i < 40; ++i) {
    first.push_back(Doc(a, 1 + i).Tag(std::string(300, 'a')));
    second.push_back(Doc(b, 100 + i).Tag(std::string(300, 'b')));
  }
  Write(first, kNow);
  const auto first_end = fs::file_size(LogPath(kNow));
  Write(second, kNow + 1);
  EXPECT_EQ(DocumentCount(a), 40u);
  EXPECT_EQ(DocumentCount(b), 40u);
  EXPECT_EQ(store_->GetTrace(b)->summary.revision, 1u);  // one write, however many frames
  Close();

  // Find the last frame and cut into it: the second write's earlier frames must go too.
  Result<std::unique_ptr<SegmentLog>> log = SegmentLog::Open(LogPath(kNow));
  ASSERT_TRUE(log.ok());
  uint64_t offset = 0;
  uint64_t last = 0;
  int frames = 0;
  while (offset < (*log)->size()) {
    Result<Frame> frame = (*log)->ReadFrame(offset, false);
    ASSERT_TRUE(frame.ok()) << frame.status().ToString();
    last = offset;
    offset += frame->size;
    ++frames;
  }
  log->reset();
  EXPECT_GE(frames, 8);  // both writes span several frames
  fs::resize_file(LogPath(kNow), last + 20);
  Open();
  EXPECT_EQ(DocumentCount(a), 40u);
  EXPECT_FALSE(Has(b));
  EXPECT_EQ(fs::file_size(LogPath(kNow)), first_end);
}

// Appends one Write's frame for `day` straight to its log, as a crash would leave it.
void AppendRawWrite(const std::string& log_path, uint64_t seq, std::vector<int32_t> participants,
                    const std::vector<SegmentDocument>& docs, EpochSeconds received_at) {
  FrameBodyBuilder builder(1024);
  for (const SegmentDocument& doc : docs) builder.Add(doc.json);
  FrameHeader header;
  header.write_seq = seq;
  header.participants = std::move(participants);
  header.received_at = received_at;
  std::string body = builder.Take();
  header.body_size = static_cast<uint32_t>(body.size());
  std::string bytes;
  FrameEncoder(3).Encode(header, body, &bytes);
  Result<std::unique_ptr<SegmentLog>> log = SegmentLog::Open(log_path);
  ASSERT_TRUE(log.ok());
  ASSERT_TRUE((*log)->Append(bytes).ok());
  ASSERT_TRUE((*log)->Sync().ok());
}

TEST_F(EmbeddedTraceStoreTest, AWriteAcrossDaysIsAppliedOnlyIfEveryDayHasIt) {
  const EpochSeconds yesterday = kNow - kDay;
  Write({Doc(MakeTraceId(yesterday, 1), 1), Doc(MakeTraceId(kNow, 2), 2)}, kNow);
  Close();
  const int32_t day_a = static_cast<int32_t>(std::floor(yesterday / kDay));
  const int32_t day_b = static_cast<int32_t>(std::floor(kNow / kDay));
  const TraceId x = MakeTraceId(yesterday, 10);
  const TraceId y = MakeTraceId(kNow, 11);
  const TraceId z = MakeTraceId(yesterday, 12);
  const TraceId w = MakeTraceId(kNow, 13);
  // Write 100 reached both days; write 101 reached only yesterday's log before the crash.
  AppendRawWrite(LogPath(yesterday), 100, {day_a, day_b}, {Doc(x, 3)}, kNow + 1);
  AppendRawWrite(LogPath(kNow), 100, {day_a, day_b}, {Doc(y, 4)}, kNow + 1);
  const auto complete_size = fs::file_size(LogPath(yesterday));
  AppendRawWrite(LogPath(yesterday), 101, {day_a, day_b}, {Doc(z, 5)}, kNow + 2);

  Open();
  EXPECT_TRUE(Has(x));
  EXPECT_TRUE(Has(y));
  EXPECT_FALSE(Has(z));
  EXPECT_EQ(fs::file_size(LogPath(yesterday)), complete_size);
  // New writes get sequence numbers past everything seen.
  Write({Doc(z, 6), Doc(w, 7)}, kNow + 3);
  Reopen();
  EXPECT_EQ(DocumentCount(z), 1u);
  EXPECT_EQ(DocumentCount(w), 1u);
}

TEST_F(EmbeddedTraceStoreTest, LostIndexesAreRebuiltFromTheLogs) {
  const TraceId a = MakeTraceId(kNow, 1);
  const TraceId foreign = MakeTraceId(9, 2);
  Write({Doc(a, 1).InProgress(), Doc(foreign, 2)}, kNow);
  Write({Doc(a, 1), Doc(a, 3)}, kNow + 1);
  const StoredTrace before = *store_->GetTrace(a);
  Close();

  fs::remove_all(DayDir(kNow) + "/index");
  Open();
  StoredTrace after = *store_->GetTrace(a);
  EXPECT_EQ(after.documents.size(), 2u);
  EXPECT_EQ(after.summary.revision, before.summary.revision);
  EXPECT_EQ(after.summary.instance_ids, before.summary.instance_ids);
  EXPECT_TRUE(Has(foreign));
  Close();

  // After an OS crash (RUNNING left behind by another boot) everything is rebuilt, the trace
  // map included.
  std::ofstream(dir_ + "/RUNNING") << "some-other-boot";
  fs::remove(dir_ + "/meta/data.mdb");
  Open();
  after = *store_->GetTrace(a);
  EXPECT_EQ(after.summary.revision, before.summary.revision);
  EXPECT_TRUE(Has(foreign));
  Write({Doc(foreign, 4)}, kNow + 2);
  EXPECT_EQ(DocumentCount(foreign), 2u);
  Result<StoreStats> stats = store_->Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->partitions, 1u);
  EXPECT_EQ(stats->documents, 4u);
}

TEST_F(EmbeddedTraceStoreTest, DictionariesLearnedFromADaysFirstDataSurviveReopenAndRebuild) {
  // Enough documents and traces for both dictionaries (frames and summaries) to be trained.
  std::vector<TraceId> ids;
  for (uint32_t batch = 0; batch < 6; ++batch) {
    std::vector<SegmentDocument> docs;
    for (uint32_t i = 0; i < 300; ++i) {
      const TraceId id = MakeTraceId(kNow - i % 50, uint64_t{batch} << 16 | i);
      ids.push_back(id);
      docs.push_back(Doc(id, uint64_t{batch} << 16 | i).Tag("batch-" + std::to_string(batch)));
    }
    Write(docs, kNow + batch);
  }
  EXPECT_TRUE(fs::exists(DayDir(kNow) + "/frames.dict"));
  auto check_all = [&] {
    for (size_t i = 0; i < ids.size(); ++i) {
      Result<StoredTrace> trace = store_->GetTrace(ids[i]);
      ASSERT_TRUE(trace.ok()) << i << ": " << trace.status().ToString();
      ASSERT_EQ(trace->documents.size(), 1u);
      EXPECT_EQ(trace->summary.revision, 1u);
      EXPECT_EQ(trace->summary.instance_ids.size(), 1u);
      EXPECT_EQ(trace->summary.updated_at, kNow + static_cast<double>(i / 300));
    }
    SummaryScan scan;
    scan.start_time = 0;
    scan.end_time = kNow + 1;
    scan.limit = 10000;
    Result<SummaryPage> page = store_->ScanSummaries(scan);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    EXPECT_EQ(page->summaries.size(), ids.size());
  };
  check_all();
  Reopen();
  check_all();
  Close();
  fs::remove_all(DayDir(kNow) + "/index");
  Open();
  check_all();
}

// A child process writes batches and reports each acknowledged one through a pipe; it is killed
// with SIGKILL mid-stream. Every acknowledged batch must be there after reopening, and the batch
// in flight must be all there or not at all.
TEST_F(EmbeddedTraceStoreTest, KillNineKeepsEveryAcknowledgedWrite) {
  Close();
  constexpr uint32_t kDocsPerBatch = 200;
  constexpr uint32_t kTracesPerBatch = 40;
  auto batch_docs = [&](uint32_t batch) {
    std::vector<SegmentDocument> docs;
    for (uint32_t i = 0; i < kDocsPerBatch; ++i) {
      const uint32_t t = i % kTracesPerBatch;
      // A few traces continue across batches, with in-progress documents being completed.
      const TraceId trace = t < 4 ? MakeTraceId(kNow - 7, t)
                                  : MakeTraceId(kNow - (batch % 50), uint64_t{batch} << 20 | t);
      docs.push_back(Doc(trace, (uint64_t{batch} << 20) | i)
                         .InProgress((i % 7) == 0)
                         .Tag(std::string(200 + (i * 37) % 400, 'k')));
    }
    return docs;
  };

  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    EmbeddedStoreOptions options = options_;
    options.train_dictionaries_in_background = true;  // as in production
    Result<std::unique_ptr<EmbeddedTraceStore>> store = EmbeddedTraceStore::Open(options);
    if (!store.ok()) ::_exit(2);
    for (uint32_t batch = 0;; ++batch) {
      if (!(*store)->Write(batch_docs(batch), kNow + batch * 0.001).ok()) ::_exit(3);
      if (::write(fds[1], &batch, sizeof(batch)) != sizeof(batch)) ::_exit(4);
    }
  }
  ::close(fds[1]);
  int64_t last_acked = -1;
  uint32_t batch = 0;
  while (last_acked < 25 && ::read(fds[0], &batch, sizeof(batch)) == sizeof(batch)) {
    last_acked = batch;
  }
  ::kill(pid, SIGKILL);
  int wstatus = 0;
  ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited with " << WEXITSTATUS(wstatus);
  while (::read(fds[0], &batch, sizeof(batch)) == sizeof(batch)) last_acked = batch;
  ::close(fds[0]);
  ASSERT_GE(last_acked, 25);

  Open();
  for (uint32_t b = 0; b <= static_cast<uint32_t>(last_acked) + 1; ++b) {
    size_t present = 0;
    size_t expected = 0;
    for (const SegmentDocument& doc : batch_docs(b)) {
      if (doc.trace_id.key()[15] < 4 && doc.trace_id.epoch() == kNow - 7) continue;
      ++expected;
      Result<StoredTrace> trace = store_->GetTrace(doc.trace_id);
      if (!trace.ok()) continue;
      for (const StoredDocument& stored : trace->documents) {
        if (stored.document.id == doc.id) {
          ++present;
          break;
        }
      }
    }
    if (b <= static_cast<uint32_t>(last_acked)) {
      EXPECT_EQ(present, expected) << "acknowledged batch " << b << " lost documents";
    } else {
      EXPECT_TRUE(present == 0 || present == expected) << "batch " << b << " is half there";
    }
  }
  // The long-lived traces hold every acknowledged document.
  for (uint32_t t = 0; t < 4; ++t) {
    Result<StoredTrace> trace = store_->GetTrace(MakeTraceId(kNow - 7, t));
    ASSERT_TRUE(trace.ok());
    EXPECT_GE(trace->documents.size(),
              (static_cast<size_t>(last_acked) + 1) * (kDocsPerBatch / kTracesPerBatch));
    EXPECT_GE(trace->summary.revision, static_cast<uint32_t>(last_acked) + 1);
  }
  Write(batch_docs(100000), kNow + 1000);
}

// --- Postings (candidate-term scans) -------------------------------------------------------------

// Traces kNow - 100 + i for i < n; every tenth has two documents ("docs" = 2), the rest one.
std::vector<SegmentDocument> PostingDocs(uint32_t n, uint32_t first_entity = 1) {
  std::vector<SegmentDocument> docs;
  for (uint32_t i = 0; i < n; ++i) {
    const TraceId id = MakeTraceId(kNow - 100 + i, 7000 + first_entity + i);
    docs.push_back(Doc(id, first_entity + 2 * i));
    if (i % 10 == 0) docs.push_back(Doc(id, first_entity + 2 * i + 1));
  }
  return docs;
}

struct Found {
  std::vector<TraceId> ids;
  uint64_t scanned = 0;
};

// Every trace with two documents, found through the postings of "docs" = 2.
Found FindTwoDocumentTraces(const TraceStore& store, size_t limit = 100) {
  SummaryScan scan;
  scan.start_time = kNow - 1000;
  scan.end_time = kNow + 1000;
  scan.limit = limit;
  scan.candidate_terms = {model::AnnotationValueTerm("docs", model::AnnotationValue(2.0))};
  scan.predicate = [](const model::TraceSummary& s) {
    return s.annotations.at("docs").front().value == model::AnnotationValue(2.0);
  };
  Found found;
  for (int guard = 0; guard < 1000; ++guard) {
    Result<SummaryPage> page = store.ScanSummaries(scan);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok()) break;
    found.scanned += page->scanned;
    for (const model::TraceSummary& summary : page->summaries) found.ids.push_back(summary.id);
    if (!page->next) break;
    scan.after = page->next;
  }
  return found;
}

TEST_F(EmbeddedTraceStoreTest, CandidateScansExamineOnlyTracesFiledUnderTheTerms) {
  Write(PostingDocs(50), kNow);
  Found found = FindTwoDocumentTraces(*store_);
  EXPECT_EQ(found.ids.size(), 5u);
  EXPECT_EQ(found.scanned, 5u);
  SummaryScan scan;
  scan.start_time = kNow - 1000;
  scan.end_time = kNow + 1000;
  scan.limit = 2;
  scan.candidate_terms = {model::AnnotationValueTerm("docs", model::AnnotationValue(2.0))};
  Result<SummaryPage> page = store_->ScanSummaries(scan);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->scanned, 2u);
  ASSERT_EQ(page->summaries.size(), 2u);
  EXPECT_EQ(page->summaries[0].id, MakeTraceId(kNow - 100 + 40, 7000 + 1 + 40));

  // A trace that leaves the term keeps a stale posting: examined, not returned.
  Write({Doc(MakeTraceId(kNow - 100 + 40, 7000 + 1 + 40), 999)}, kNow + 1);
  found = FindTwoDocumentTraces(*store_);
  EXPECT_EQ(found.ids.size(), 4u);
  EXPECT_EQ(found.scanned, 5u);
}

TEST_F(EmbeddedTraceStoreTest, PostingsOfAnIndexWithoutThemAreBuiltOnOpen) {
  Write(PostingDocs(60), kNow);
  const Found before = FindTwoDocumentTraces(*store_);
  ASSERT_EQ(before.ids.size(), 6u);
  Close();
  {
    // What an index written before postings existed looks like: no table, no version.
    const char* names[] = {"traces", "by_update", "meta", "postings"};
    const unsigned flags[] = {0, 0, 0, MDB_DUPSORT | MDB_DUPFIXED};
    Result<std::unique_ptr<LmdbEnv>> env =
        LmdbEnv::Open(DayDir(kNow) + "/index", names, LmdbOptions(), flags);
    ASSERT_TRUE(env.ok()) << env.status().ToString();
    Result<LmdbTxn> txn = LmdbTxn::Begin(**env, /*read_only=*/false);
    ASSERT_TRUE(txn.ok());
    ASSERT_EQ(mdb_drop(txn->get(), (*env)->dbi(3), /*del=*/1), MDB_SUCCESS);
    ASSERT_TRUE(txn->Delete((*env)->dbi(2), "postings").ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  Open();
  const Found after = FindTwoDocumentTraces(*store_);
  EXPECT_EQ(after.ids, before.ids);
  EXPECT_EQ(after.scanned, 6u);
  Write(PostingDocs(30, 5000), kNow + 1);  // written after the rebuild: posted as usual
  EXPECT_EQ(FindTwoDocumentTraces(*store_).ids.size(), 9u);
}

TEST_F(EmbeddedTraceStoreTest, PostingsAreReplayedWithTheirSummaries) {
  Write(PostingDocs(20), kNow);
  Close();
  CopyDir(DayDir(kNow) + "/index", dir_ + "/index-snapshot");
  Open();
  Write(PostingDocs(40, 1000), kNow + 1);
  const Found expected = FindTwoDocumentTraces(*store_);
  ASSERT_EQ(expected.ids.size(), 6u);
  Close();

  // The index is behind the log (a crash before its commit): the tail is replayed.
  CopyDir(dir_ + "/index-snapshot", DayDir(kNow) + "/index");
  Open();
  Found found = FindTwoDocumentTraces(*store_);
  EXPECT_EQ(found.ids, expected.ids);
  EXPECT_EQ(found.scanned, 6u);
  Close();

  // The index is gone (an OS crash): rebuilt from the log, postings included.
  fs::remove_all(DayDir(kNow) + "/index");
  Open();
  found = FindTwoDocumentTraces(*store_, /*limit=*/1);
  EXPECT_EQ(found.ids, expected.ids);
  EXPECT_EQ(found.scanned, 6u);
}

}  // namespace
}  // namespace roentgen::storage
