#include "ingest/pipeline.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <future>
#include <mutex>

namespace roentgen::ingest {
namespace {

constexpr char kHeader[] = "{\"format\":\"json\",\"version\":1}\n";

std::string Segment(std::string_view id,
                    std::string_view trace_id = "1-5f000000-0123456789abcdef01234567") {
  return "{\"name\":\"svc\",\"id\":\"" + std::string(id) + "\",\"trace_id\":\"" +
         std::string(trace_id) + "\",\"start_time\":1.5,\"end_time\":2.5}";
}

model::SegmentDocument Document(model::EntityId id) {
  model::SegmentDocument document;
  document.trace_id = *model::TraceId::Parse("1-5f000000-0123456789abcdef01234567");
  document.id = id;
  document.start_time = 1;
  document.end_time = 2;
  document.json = "{}";
  return document;
}

// Records writes; can be made to fail or to hold every write until released.
class FakeStore : public storage::TraceStore {
 public:
  Status Write(std::span<const model::SegmentDocument> documents, EpochSeconds) override {
    std::unique_lock lock(mutex_);
    released_.wait(lock, [&] { return !holding_; });
    if (!fail_with_.ok()) return fail_with_;
    for (const auto& d : documents) written_.push_back(d.id);
    ++writes_;
    return Status::Ok();
  }
  Result<storage::StoredTrace> GetTrace(const model::TraceId&) const override {
    return Status::NotFound("fake");
  }
  Result<storage::SummaryPage> ScanSummaries(const storage::SummaryScan&) const override {
    return storage::SummaryPage{};
  }
  Status DropBefore(EpochSeconds) override { return Status::Ok(); }
  Result<storage::StoreStats> Stats() const override { return storage::StoreStats{}; }

  void Hold() {
    std::lock_guard lock(mutex_);
    holding_ = true;
  }
  void Release() {
    {
      std::lock_guard lock(mutex_);
      holding_ = false;
    }
    released_.notify_all();
  }
  void FailWith(Status status) {
    std::lock_guard lock(mutex_);
    fail_with_ = std::move(status);
  }
  std::vector<model::EntityId> written() {
    std::lock_guard lock(mutex_);
    return written_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable released_;
  bool holding_ = false;
  Status fail_with_;
  std::vector<model::EntityId> written_;
  int writes_ = 0;
};

void Offer(IngestPipeline& pipeline, const std::vector<std::string>& datagrams,
           bool truncated = false) {
  std::vector<DatagramView> views;
  for (const auto& d : datagrams) views.push_back({d, truncated});
  pipeline.OfferDatagrams(views);
}

TEST(IngestPipelineTest, DatagramsAreParsedWrittenAndCountedByReason) {
  FakeStore store;
  FakeClock clock(1000);
  IngestPipeline pipeline(store, clock);
  Offer(pipeline, {
                      kHeader + Segment("00000000000000a1"),
                      "{\"format\": \"json\", \"version\": 1}\n" + Segment("00000000000000a2"),
                      "{\"format\":\"xml\",\"version\":1}\n" + Segment("00000000000000a3"),
                      std::string("no header at all"),
                      kHeader + std::string("{not json"),
                      kHeader + Segment("00000000000000a4", "1-zzzz"),
                  });
  Offer(pipeline, {kHeader + Segment("00000000000000a5")}, /*truncated=*/true);
  pipeline.Stop();

  EXPECT_EQ(store.written(), (std::vector<model::EntityId>{0xa1, 0xa2}));
  IngestSnapshot counts = pipeline.counters();
  EXPECT_EQ(counts.udp_datagrams, 7u);
  EXPECT_EQ(counts.accepted_documents, 2u);
  EXPECT_EQ(counts.rejected_bad_header, 2u);
  EXPECT_EQ(counts.rejected_bad_json, 1u);
  EXPECT_EQ(counts.rejected_invalid_document, 1u);
  EXPECT_EQ(counts.rejected_too_large, 1u);
  EXPECT_EQ(counts.rejected_queue_full, 0u);
}

TEST(IngestPipelineTest, SubmittedDocumentsCompleteOnceWritten) {
  FakeStore store;
  FakeClock clock(1000);
  IngestPipeline pipeline(store, clock);
  std::vector<model::SegmentDocument> documents{Document(1), Document(2)};
  std::promise<Status> done;
  ASSERT_TRUE(pipeline.SubmitDocuments(documents, [&](Status s) { done.set_value(s); }));
  EXPECT_TRUE(done.get_future().get().ok());
  EXPECT_EQ(store.written(), (std::vector<model::EntityId>{1, 2}));
}

TEST(IngestPipelineTest, AStoreFailureReachesTheSubmitter) {
  FakeStore store;
  store.FailWith(Status::IoError("disk full"));
  FakeClock clock(1000);
  IngestPipeline pipeline(store, clock);
  std::vector<model::SegmentDocument> documents{Document(1)};
  std::promise<Status> done;
  ASSERT_TRUE(pipeline.SubmitDocuments(documents, [&](Status s) { done.set_value(s); }));
  EXPECT_EQ(done.get_future().get().code(), StatusCode::kIoError);
  pipeline.Stop();
  EXPECT_EQ(pipeline.counters().store_failures, 1u);
}

TEST(IngestPipelineTest, SaturationIsRefusedAndCountedNeverBuffered) {
  FakeStore store;
  store.Hold();
  FakeClock clock(1000);
  IngestOptions options;
  options.write_queue_bytes = 4096;
  options.datagram_queue_bytes = 4096;
  IngestPipeline pipeline(store, clock, options);

  // Fill the write queue while the store is stuck: eventually SubmitDocuments says no.
  int accepted = 0;
  bool refused = false;
  for (int i = 0; i < 1000 && !refused; ++i) {
    std::vector<model::SegmentDocument> documents{Document(100 + i)};
    if (pipeline.SubmitDocuments(documents, [](Status) {})) {
      ++accepted;
    } else {
      refused = true;
      EXPECT_EQ(documents.size(), 1u) << "refused documents are handed back";
    }
  }
  EXPECT_TRUE(refused);
  // Datagrams keep arriving: they are dropped and counted, not queued without bound.
  for (int i = 0; i < 200; ++i) Offer(pipeline, {kHeader + Segment("00000000000000b1")});
  EXPECT_GT(pipeline.counters().rejected_queue_full, 0u);

  store.Release();
  pipeline.Stop();
  // Everything that was accepted was written before Stop returned.
  EXPECT_GE(store.written().size(), static_cast<size_t>(accepted));
}

}  // namespace
}  // namespace roentgen::ingest
