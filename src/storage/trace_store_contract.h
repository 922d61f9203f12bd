// storage/trace_store_contract.h — the behaviour every TraceStore backend must show, written once
// against the interface as value-parameterized GoogleTest cases (trace_store_contract.cc). A
// backend's test binary links trace_store_contract.cc and instantiates the suite:
//
//   using contract::TraceStoreContractTest;
//   INSTANTIATE_TEST_SUITE_P(Embedded, TraceStoreContractTest,
//                            testing::Values(&MakeEmbeddedHarness));
//
// plus helpers to build documents and ids shared by backend-specific tests.
// Thread-safety: test code; single-threaded unless a test says otherwise.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "model/segment_document.h"
#include "storage/trace_store.h"

namespace roentgen::storage::contract {

// Owns one backend instance over persistent data.
class StoreHarness {
 public:
  virtual ~StoreHarness() = default;
  // Opens the store (again, after Close, over the same data).
  virtual Result<TraceStore*> Open(const Clock& clock, Summarizer summarizer) = 0;
  // Closes the store cleanly, keeping its data.
  virtual void Close() = 0;
};

using HarnessFactory = std::unique_ptr<StoreHarness> (*)();

// 2023-11-14T22:13:20Z, the fake "now" of the tests.
inline constexpr EpochSeconds kNow = 1'700'000'000;

model::TraceId MakeTraceId(uint32_t epoch, uint64_t random);

// Builds a test document: Doc(trace, id).InProgress().Tag("v1"). Converts to SegmentDocument.
class Doc {
 public:
  Doc(const model::TraceId& trace, model::EntityId id) : trace_(trace), id_(id) {}
  Doc& InProgress(bool in_progress = true) {
    in_progress_ = in_progress;
    return *this;
  }
  Doc& Start(EpochSeconds start) {
    start_ = start;
    return *this;
  }
  // Default: start + 0.25, unless in progress.
  Doc& End(EpochSeconds end) {
    end_ = end;
    return *this;
  }
  Doc& Parent(model::EntityId parent) {
    parent_ = parent;
    return *this;
  }
  Doc& Subsegment() {
    kind_ = model::DocumentKind::kSubsegment;
    return *this;
  }
  // Goes into the JSON, to tell versions of a document apart.
  Doc& Tag(std::string tag) {
    tag_ = std::move(tag);
    return *this;
  }
  model::SegmentDocument Build() const;
  operator model::SegmentDocument() const { return Build(); }  // NOLINT: implicit by design

 private:
  model::TraceId trace_;
  model::EntityId id_;
  bool in_progress_ = false;
  EpochSeconds start_ = kNow;
  std::optional<EpochSeconds> end_;
  std::optional<model::EntityId> parent_;
  model::DocumentKind kind_ = model::DocumentKind::kSegment;
  std::string tag_;
};

// A small deterministic summarizer: start_time = earliest start, duration = latest end − it,
// is_partial = any in progress, instance_ids = the entity ids (hex) of the documents in the
// order given, annotations["docs"] = document count.
model::TraceSummary CountingSummarizer(const model::TraceId& id,
                                       std::span<const StoredDocument> documents);

class TraceStoreContractTest : public ::testing::TestWithParam<HarnessFactory> {
 protected:
  void SetUp() override;
  void TearDown() override;

  TraceStore& store() { return *store_; }
  void Reopen();
  void WriteOrDie(const std::vector<model::SegmentDocument>& docs, EpochSeconds received_at);
  // What paging tests write between page `page` and the next: a trace newer than every other, an
  // older one, and a document for an existing trace (ahead of the cursor or behind it).
  void WriteBetweenPages(int page);

  FakeClock clock_{kNow};
  std::unique_ptr<StoreHarness> harness_;
  TraceStore* store_ = nullptr;
};

}  // namespace roentgen::storage::contract
