#include "storage/trace_store_contract.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <set>

#include "model/index_terms.h"

namespace roentgen::storage::contract {
void TraceStoreContractTest::WriteBetweenPages(int page) {
  const auto u = static_cast<uint32_t>(page);
  WriteOrDie({Doc(MakeTraceId(kNow - 1 - u, 900 + u), 1000 + u),
              Doc(MakeTraceId(kNow - 1500 - u, 800 + u), 2000 + u),
              Doc(MakeTraceId(kNow - 1000 + (u * 70) % 400, 100 + (u * 7) % 40), 3000 + u)},
             kNow + 1 + page);
}

namespace {

using model::DocumentKind;
using model::SegmentDocument;
using model::TraceId;
using model::TraceSummary;

constexpr double kDay = 86400;

std::string FormatTime(EpochSeconds t) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.6f", t);
  return buffer;
}

// Every id in `pages` of a full scan (following cursors), in order.
struct ScanResult {
  std::vector<TraceId> ids;
  std::vector<TraceSummary> summaries;
  uint64_t scanned = 0;
  int pages = 0;
};

ScanResult ScanAll(const TraceStore& store, SummaryScan scan) {
  ScanResult result;
  for (int guard = 0; guard < 10000; ++guard) {
    Result<SummaryPage> page = store.ScanSummaries(scan);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok()) break;
    ++result.pages;
    result.scanned += page->scanned;
    for (TraceSummary& s : page->summaries) {
      result.ids.push_back(s.id);
      result.summaries.push_back(std::move(s));
    }
    if (!page->next) break;
    scan.after = page->next;
  }
  return result;
}

SummaryScan TraceIdScan(EpochSeconds start, EpochSeconds end) {
  SummaryScan scan;
  scan.start_time = start;
  scan.end_time = end;
  scan.range_type = TimeRangeType::kTraceId;
  scan.as_of = kNow;
  return scan;
}

SummaryScan EventScan(EpochSeconds start, EpochSeconds end, EpochSeconds as_of) {
  SummaryScan scan;
  scan.start_time = start;
  scan.end_time = end;
  scan.range_type = TimeRangeType::kEvent;
  scan.as_of = as_of;
  return scan;
}

StoredTrace GetOrDie(const TraceStore& store, const TraceId& id) {
  Result<StoredTrace> trace = store.GetTrace(id);
  EXPECT_TRUE(trace.ok()) << id.ToString() << ": " << trace.status().ToString();
  return trace.ok() ? std::move(trace).value() : StoredTrace{};
}

std::vector<std::string> Tags(const StoredTrace& trace) {
  std::vector<std::string> tags;
  for (const StoredDocument& doc : trace.documents) {
    const size_t at = doc.document.json.find("\"tag\":\"");
    const size_t end = doc.document.json.find('"', at + 7);
    tags.push_back(at == std::string::npos ? "" : doc.document.json.substr(at + 7, end - at - 7));
  }
  return tags;
}

// --- Candidate terms: helpers (CountingSummarizer files a trace under "docs" = its count) ---

std::string DocsTerm(int n) {
  return model::AnnotationValueTerm("docs", model::AnnotationValue(static_cast<double>(n)));
}

// The predicate "docs is one of `counts`", as a compiled filter would check it.
std::function<bool(const TraceSummary&)> DocsIn(std::set<int> counts) {
  return [counts = std::move(counts)](const TraceSummary& s) {
    auto it = s.annotations.find("docs");
    if (it == s.annotations.end()) return false;
    for (const model::ValueWithServiceIds& value : it->second) {
      const double* n = std::get_if<double>(&value.value);
      if (n != nullptr && counts.count(static_cast<int>(*n)) > 0) return true;
    }
    return false;
  };
}

// Ids of each page of `scan`, following its cursors; a trailing empty page is left out (a scan
// may or may not know that nothing follows its last match).
std::vector<std::vector<TraceId>> PageIds(const TraceStore& store, SummaryScan scan,
                                          uint64_t* scanned = nullptr) {
  std::vector<std::vector<TraceId>> pages;
  for (int guard = 0; guard < 10000; ++guard) {
    Result<SummaryPage> page = store.ScanSummaries(scan);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    if (!page.ok()) break;
    if (scanned != nullptr) *scanned += page->scanned;
    std::vector<TraceId>& ids = pages.emplace_back();
    for (const TraceSummary& s : page->summaries) ids.push_back(s.id);
    if (!page->next) break;
    scan.after = page->next;
  }
  if (!pages.empty() && pages.back().empty()) pages.pop_back();
  return pages;
}

// `scan` with `terms` pages exactly as `scan` without them; returns the matches in order.
std::vector<TraceId> ExpectCandidateScanIsFullScan(const TraceStore& store, SummaryScan scan,
                                                   std::vector<std::string> terms) {
  uint64_t full_scanned = 0;
  const std::vector<std::vector<TraceId>> full = PageIds(store, scan, &full_scanned);
  scan.candidate_terms = std::move(terms);
  uint64_t candidate_scanned = 0;
  const std::vector<std::vector<TraceId>> candidate = PageIds(store, scan, &candidate_scanned);
  EXPECT_EQ(candidate, full);
  EXPECT_LE(candidate_scanned, full_scanned);
  std::vector<TraceId> ids;
  for (const auto& page : full) ids.insert(ids.end(), page.begin(), page.end());
  return ids;
}

}  // namespace

model::TraceId MakeTraceId(uint32_t epoch, uint64_t random) {
  TraceId::Key key{};
  for (int i = 0; i < 4; ++i) key[i] = static_cast<uint8_t>(epoch >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i) key[8 + i] = static_cast<uint8_t>(random >> (56 - 8 * i));
  key[4] = 0xab;
  return TraceId::FromKey(key);
}

model::SegmentDocument Doc::Build() const {
  SegmentDocument doc;
  doc.trace_id = trace_;
  doc.id = id_;
  doc.in_progress = in_progress_;
  // Times as the parser reads them back from the text.
  doc.start_time = std::strtod(FormatTime(start_).c_str(), nullptr);
  if (!in_progress_) {
    doc.end_time = std::strtod(FormatTime(end_.value_or(start_ + 0.25)).c_str(), nullptr);
  }
  doc.parent_id = parent_;
  doc.kind = kind_;
  doc.json = "{\"name\":\"svc\",\"id\":\"" + model::FormatEntityId(id_) + "\",\"trace_id\":\"" +
             trace_.ToString() + "\",\"start_time\":" + FormatTime(start_);
  if (parent_) doc.json += ",\"parent_id\":\"" + model::FormatEntityId(*parent_) + "\"";
  if (kind_ == DocumentKind::kSubsegment) doc.json += ",\"type\":\"subsegment\"";
  if (in_progress_) {
    doc.json += ",\"in_progress\":true";
  } else {
    doc.json += ",\"end_time\":" + FormatTime(*doc.end_time);
  }
  doc.json += ",\"tag\":\"" + tag_ + "\"}";
  return doc;
}

model::TraceSummary CountingSummarizer(const model::TraceId& id,
                                       std::span<const StoredDocument> documents) {
  TraceSummary summary;
  summary.id = id;
  double start = 0;
  double end = 0;
  bool any_end = false;
  for (size_t i = 0; i < documents.size(); ++i) {
    const SegmentDocument& doc = documents[i].document;
    if (i == 0 || doc.start_time < start) start = doc.start_time;
    if (doc.end_time && (!any_end || *doc.end_time > end)) {
      end = *doc.end_time;
      any_end = true;
    }
    summary.is_partial |= doc.in_progress;
    summary.instance_ids.push_back(model::FormatEntityId(doc.id));
  }
  summary.start_time = start;
  if (any_end) summary.duration = end - start;
  summary.annotations["docs"].push_back(
      model::ValueWithServiceIds{static_cast<double>(documents.size()), {}});
  summary.service_ids.push_back(model::ServiceId{"svc", {"svc"}, "", "AWS::EC2::Instance"});
  summary.entry_point = summary.service_ids.front();
  // A graph and a root cause, so that scans which skip them (need_graph) have something to skip.
  model::TraceNode& node = summary.nodes.emplace_back();
  node.id = summary.service_ids.front();
  node.root = true;
  for (size_t i = 0; i < documents.size(); ++i) {
    node.segments.emplace_back().instance_id = summary.instance_ids[i];
  }
  model::RootCauseService& culprit =
      summary.fault_root_causes.emplace_back().services.emplace_back();
  culprit.name = "svc";
  culprit.entity_path.emplace_back().name = "docs-" + std::to_string(documents.size());
  return summary;
}

void TraceStoreContractTest::SetUp() {
  harness_ = GetParam()();
  Result<TraceStore*> store = harness_->Open(clock_, CountingSummarizer);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  store_ = *store;
}

void TraceStoreContractTest::TearDown() {
  store_ = nullptr;
  if (harness_) harness_->Close();
  harness_.reset();
}

void TraceStoreContractTest::Reopen() {
  harness_->Close();
  store_ = nullptr;
  Result<TraceStore*> store = harness_->Open(clock_, CountingSummarizer);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  store_ = *store;
}

void TraceStoreContractTest::WriteOrDie(const std::vector<model::SegmentDocument>& docs,
                                        EpochSeconds received_at) {
  Status status = store_->Write(docs, received_at);
  ASSERT_TRUE(status.ok()) << status.ToString();
}

namespace {

TEST_P(TraceStoreContractTest, EmptyWriteIsOk) { EXPECT_TRUE(store().Write({}, kNow).ok()); }

TEST_P(TraceStoreContractTest, UnknownTraceIsNotFound) {
  Result<StoredTrace> trace = store().GetTrace(MakeTraceId(kNow, 42));
  ASSERT_FALSE(trace.ok());
  EXPECT_EQ(trace.status().code(), StatusCode::kNotFound);

  WriteOrDie({Doc(MakeTraceId(kNow, 1), 1)}, kNow);
  trace = store().GetTrace(MakeTraceId(kNow, 42));
  ASSERT_FALSE(trace.ok());
  EXPECT_EQ(trace.status().code(), StatusCode::kNotFound);
}

TEST_P(TraceStoreContractTest, GetTraceReturnsDocumentsLosslesslyInArrivalOrder) {
  const TraceId trace = MakeTraceId(kNow, 7);
  const SegmentDocument a = Doc(trace, 0xa).Start(kNow - 0.123456).End(kNow + 0.5).Tag("a");
  const SegmentDocument b =
      Doc(trace, 0xb).Start(kNow + 0.000001).Parent(0xa).Subsegment().Tag("b");
  const SegmentDocument c = Doc(trace, 0xc).InProgress().Start(1.5).Tag("c");
  WriteOrDie({b, a}, kNow + 1);
  WriteOrDie({c}, kNow + 2.25);

  StoredTrace stored = GetOrDie(store(), trace);
  EXPECT_EQ(stored.id, trace);
  ASSERT_EQ(stored.documents.size(), 3u);
  const SegmentDocument* expected[] = {&b, &a, &c};
  const EpochSeconds received[] = {kNow + 1, kNow + 1, kNow + 2.25};
  for (size_t i = 0; i < 3; ++i) {
    const SegmentDocument& got = stored.documents[i].document;
    const SegmentDocument& want = *expected[i];
    EXPECT_EQ(got.trace_id, want.trace_id);
    EXPECT_EQ(got.id, want.id);
    EXPECT_EQ(got.parent_id, want.parent_id);
    EXPECT_EQ(got.kind, want.kind);
    EXPECT_EQ(got.in_progress, want.in_progress);
    EXPECT_EQ(got.start_time, want.start_time);  // exact, not approximately
    EXPECT_EQ(got.end_time, want.end_time);
    EXPECT_EQ(got.json, want.json);
    EXPECT_EQ(stored.documents[i].received_at, received[i]);
  }
  EXPECT_EQ(stored.summary.id, trace);
}

TEST_P(TraceStoreContractTest, CompleteReplacesInProgress) {
  const TraceId trace = MakeTraceId(kNow, 1);
  WriteOrDie({Doc(trace, 5).InProgress().Tag("ip")}, kNow + 1);
  EXPECT_TRUE(GetOrDie(store(), trace).summary.is_partial);
  WriteOrDie({Doc(trace, 5).Tag("done")}, kNow + 2);

  StoredTrace stored = GetOrDie(store(), trace);
  EXPECT_EQ(Tags(stored), std::vector<std::string>{"done"});
  EXPECT_FALSE(stored.documents[0].document.in_progress);
  EXPECT_EQ(stored.documents[0].received_at, kNow + 2);
  EXPECT_FALSE(stored.summary.is_partial);
  EXPECT_EQ(stored.summary.revision, 2u);
}

TEST_P(TraceStoreContractTest, InProgressNeverReplacesComplete) {
  const TraceId trace = MakeTraceId(kNow, 1);
  WriteOrDie({Doc(trace, 5).Tag("done")}, kNow + 1);
  WriteOrDie({Doc(trace, 5).InProgress().Tag("ip")}, kNow + 2);

  StoredTrace stored = GetOrDie(store(), trace);
  EXPECT_EQ(Tags(stored), std::vector<std::string>{"done"});
  EXPECT_EQ(stored.documents[0].received_at, kNow + 1);
  EXPECT_FALSE(stored.summary.is_partial);
  EXPECT_EQ(stored.summary.revision, 2u);  // the write touched the trace
}

TEST_P(TraceStoreContractTest, LaterCompleteWins) {
  const TraceId trace = MakeTraceId(kNow, 1);
  WriteOrDie({Doc(trace, 5).Tag("v1")}, kNow + 1);
  WriteOrDie({Doc(trace, 5).Tag("v2")}, kNow + 2);
  EXPECT_EQ(Tags(GetOrDie(store(), trace)), std::vector<std::string>{"v2"});
}

TEST_P(TraceStoreContractTest, ReplacementRulesWithinOneWriteInBothOrders) {
  const TraceId first = MakeTraceId(kNow, 1);
  const TraceId second = MakeTraceId(kNow, 2);
  WriteOrDie({Doc(first, 5).InProgress().Tag("ip"), Doc(first, 5).Tag("done"),
              Doc(second, 6).Tag("done"), Doc(second, 6).InProgress().Tag("ip")},
             kNow + 1);
  EXPECT_EQ(Tags(GetOrDie(store(), first)), std::vector<std::string>{"done"});
  EXPECT_EQ(Tags(GetOrDie(store(), second)), std::vector<std::string>{"done"});
  EXPECT_EQ(GetOrDie(store(), first).summary.revision, 1u);
}

TEST_P(TraceStoreContractTest, ReplacementTakesTheNewArrivalPositionAndKeepsOthers) {
  const TraceId trace = MakeTraceId(kNow, 1);
  WriteOrDie(
      {Doc(trace, 1).Tag("a"), Doc(trace, 2).InProgress().Tag("b-ip"), Doc(trace, 3).Tag("c")},
      kNow + 1);
  WriteOrDie({Doc(trace, 2).Tag("b")}, kNow + 2);
  StoredTrace stored = GetOrDie(store(), trace);
  EXPECT_EQ(Tags(stored), (std::vector<std::string>{"a", "c", "b"}));
  EXPECT_EQ(stored.summary.instance_ids,
            (std::vector<std::string>{model::FormatEntityId(1), model::FormatEntityId(3),
                                      model::FormatEntityId(2)}));
}

TEST_P(TraceStoreContractTest, EveryWriteRecomputesTheSummaryAndBumpsRevision) {
  const TraceId trace = MakeTraceId(kNow, 1);
  for (int i = 1; i <= 3; ++i) {
    WriteOrDie({Doc(trace, static_cast<model::EntityId>(i)).Start(kNow - i).Tag(std::to_string(i))},
               kNow + 10 * i);
    StoredTrace stored = GetOrDie(store(), trace);
    EXPECT_EQ(stored.summary.revision, static_cast<uint32_t>(i));
    EXPECT_EQ(stored.summary.updated_at, kNow + 10 * i);
    EXPECT_EQ(stored.summary.start_time, kNow - i);  // the summarizer saw every document
    ASSERT_EQ(stored.summary.annotations["docs"].size(), 1u);
    EXPECT_EQ(std::get<double>(stored.summary.annotations["docs"][0].value), i);
  }
  // Another trace in the same write does not move this one's revision.
  WriteOrDie({Doc(MakeTraceId(kNow, 2), 9)}, kNow + 100);
  EXPECT_EQ(GetOrDie(store(), trace).summary.revision, 3u);
}

TEST_P(TraceStoreContractTest, ReopenKeepsEverything) {
  const TraceId a = MakeTraceId(kNow - 5, 1);
  const TraceId b = MakeTraceId(kNow - 3, 2);
  WriteOrDie({Doc(a, 1).InProgress().Tag("ip"), Doc(b, 2).Tag("b")}, kNow + 1);
  WriteOrDie({Doc(a, 1).Tag("done"), Doc(a, 3).Tag("x")}, kNow + 2);
  const StoredTrace before = GetOrDie(store(), a);

  Reopen();
  const StoredTrace after = GetOrDie(store(), a);
  EXPECT_EQ(Tags(after), (std::vector<std::string>{"done", "x"}));
  EXPECT_EQ(after.summary.revision, before.summary.revision);
  EXPECT_EQ(after.summary.updated_at, before.summary.updated_at);
  EXPECT_EQ(after.summary.instance_ids, before.summary.instance_ids);
  EXPECT_EQ(Tags(GetOrDie(store(), b)), std::vector<std::string>{"b"});
  EXPECT_EQ(ScanAll(store(), TraceIdScan(kNow - 10, kNow)).ids, (std::vector<TraceId>{b, a}));
  EXPECT_EQ(ScanAll(store(), EventScan(kNow, kNow + 10, kNow + 10)).ids,
            (std::vector<TraceId>{a, b}));

  WriteOrDie({Doc(a, 4)}, kNow + 3);
  EXPECT_EQ(GetOrDie(store(), a).summary.revision, before.summary.revision + 1);
  Result<StoreStats> stats = store().Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->traces, 2u);
  EXPECT_EQ(stats->documents, 4u);
}

TEST_P(TraceStoreContractTest, StatsCountCurrentDocumentsAndTraces) {
  WriteOrDie({Doc(MakeTraceId(kNow, 1), 1).InProgress(), Doc(MakeTraceId(kNow, 1), 2),
              Doc(MakeTraceId(kNow, 2), 3)},
             kNow);
  WriteOrDie({Doc(MakeTraceId(kNow, 1), 1)}, kNow + 1);
  Result<StoreStats> stats = store().Stats();
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->documents, 3u);
  EXPECT_EQ(stats->traces, 2u);
  EXPECT_GT(stats->bytes_on_disk, 0u);
}

TEST_P(TraceStoreContractTest, TraceIdScanIsNewestFirstWithinBounds) {
  std::vector<SegmentDocument> docs;
  for (uint32_t i = 0; i < 20; ++i) {
    docs.push_back(Doc(MakeTraceId(kNow - 100 + i, 1000 + i), i + 1));
  }
  docs.push_back(Doc(MakeTraceId(kNow - 90, 5), 99));  // same second
  WriteOrDie(docs, kNow);

  // [kNow-95, kNow-85): epochs -95 .. -86, the end is exclusive.
  ScanResult result = ScanAll(store(), TraceIdScan(kNow - 95, kNow - 85));
  std::vector<TraceId> expected;
  for (int i = 14; i >= 5; --i) {
    expected.push_back(MakeTraceId(kNow - 100 + i, 1000 + i));
    if (i == 10) expected.push_back(MakeTraceId(kNow - 90, 5));
  }
  EXPECT_EQ(result.ids, expected);
  EXPECT_EQ(result.scanned, expected.size());

  // Fractional bounds: an epoch counts when it lies in [start, end).
  EXPECT_EQ(ScanAll(store(), TraceIdScan(kNow - 85.5, kNow - 84.5)).ids,
            std::vector<TraceId>{MakeTraceId(kNow - 85, 1015)});
  EXPECT_TRUE(ScanAll(store(), TraceIdScan(kNow + 10, kNow + 20)).ids.empty());
}

TEST_P(TraceStoreContractTest, EventScanUsesTheLatestUpdateAsOf) {
  const TraceId a = MakeTraceId(kNow - 50, 1);
  const TraceId b = MakeTraceId(kNow - 40, 2);
  const TraceId c = MakeTraceId(kNow - 30, 3);
  WriteOrDie({Doc(a, 1)}, kNow + 1);
  WriteOrDie({Doc(b, 2)}, kNow + 2);
  WriteOrDie({Doc(c, 3)}, kNow + 3);
  WriteOrDie({Doc(a, 4)}, kNow + 4);

  EXPECT_EQ(ScanAll(store(), EventScan(kNow, kNow + 10, kNow + 10)).ids,
            (std::vector<TraceId>{a, c, b}));
  // As of kNow+3.5, a was last written at kNow+1.
  EXPECT_EQ(ScanAll(store(), EventScan(kNow, kNow + 10, kNow + 3.5)).ids,
            (std::vector<TraceId>{c, b, a}));
  // a's latest write (kNow+4) is outside the range: a is not listed at its older one either.
  EXPECT_EQ(ScanAll(store(), EventScan(kNow + 2, kNow + 3.5, kNow + 10)).ids,
            (std::vector<TraceId>{c, b}));
  // The end is exclusive, the start inclusive.
  EXPECT_EQ(ScanAll(store(), EventScan(kNow + 1, kNow + 3, kNow + 3.5)).ids,
            (std::vector<TraceId>{b, a}));
  // The summary returned is the current one.
  ScanResult result = ScanAll(store(), EventScan(kNow, kNow + 10, kNow + 3.5));
  ASSERT_EQ(result.summaries.size(), 3u);
  EXPECT_EQ(result.summaries[2].revision, 2u);
}

TEST_P(TraceStoreContractTest, PredicateFiltersAndScannedCountsEverything) {
  std::vector<SegmentDocument> docs;
  for (uint32_t i = 0; i < 20; ++i) {
    docs.push_back(Doc(MakeTraceId(kNow - 100 + i, i), i + 1));
  }
  WriteOrDie(docs, kNow);
  SummaryScan scan = TraceIdScan(kNow - 1000, kNow + 1);
  scan.predicate = [](const TraceSummary& s) { return s.id.key()[15] % 2 == 0; };
  ScanResult result = ScanAll(store(), scan);
  EXPECT_EQ(result.ids.size(), 10u);
  EXPECT_EQ(result.scanned, 20u);
  for (const TraceId& id : result.ids) EXPECT_EQ(id.key()[15] % 2, 0);

  // A page stops at `limit` matches...
  scan.limit = 3;
  Result<SummaryPage> page = store().ScanSummaries(scan);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->summaries.size(), 3u);
  EXPECT_EQ(page->scanned, 6u);
  EXPECT_TRUE(page->next.has_value());
  // ... or after `max_scanned` traces, matching or not.
  scan.limit = 100;
  scan.max_scanned = 5;
  scan.predicate = [](const TraceSummary&) { return false; };
  page = store().ScanSummaries(scan);
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->summaries.empty());
  EXPECT_EQ(page->scanned, 5u);
  EXPECT_TRUE(page->next.has_value());
  result = ScanAll(store(), scan);
  EXPECT_EQ(result.scanned, 20u);
  EXPECT_EQ(result.pages, 4);

  // A full last page has no cursor when nothing follows.
  scan = TraceIdScan(kNow - 1000, kNow + 1);
  scan.limit = 20;
  page = store().ScanSummaries(scan);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->summaries.size(), 20u);
  EXPECT_FALSE(page->next.has_value());
}

TEST_P(TraceStoreContractTest, TraceIdPagingHasNoDuplicatesOrGapsWhileWritesContinue) {
  std::vector<SegmentDocument> docs;
  std::set<TraceId> original;
  for (uint32_t i = 0; i < 40; ++i) {
    const TraceId id = MakeTraceId(kNow - 1000 + i * 10, 100 + i);
    original.insert(id);
    docs.push_back(Doc(id, i + 1));
  }
  WriteOrDie(docs, kNow);

  SummaryScan scan = TraceIdScan(kNow - 2000, kNow + 1000);
  scan.limit = 6;
  std::map<TraceId, int> seen;
  std::vector<TraceId> order;
  for (int p = 0; p < 100; ++p) {
    Result<SummaryPage> page = store().ScanSummaries(scan);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const TraceSummary& s : page->summaries) {
      ++seen[s.id];
      order.push_back(s.id);
    }
    if (!page->next) break;
    scan.after = page->next;
    WriteBetweenPages(p);
  }
  for (const TraceId& id : original) EXPECT_EQ(seen[id], 1) << id.ToString();
  for (const auto& [id, count] : seen) EXPECT_EQ(count, 1) << id.ToString();
  EXPECT_TRUE(std::is_sorted(order.rbegin(), order.rend()));
}

TEST_P(TraceStoreContractTest, EventPagingHasNoDuplicatesOrGapsWhileWritesContinue) {
  std::vector<TraceId> original;
  for (uint32_t i = 0; i < 30; ++i) {
    const TraceId id = MakeTraceId(kNow - 500 + i, 200 + i);
    original.push_back(id);
    WriteOrDie({Doc(id, i + 1)}, kNow + i);
  }
  const EpochSeconds as_of = kNow + 30;
  SummaryScan scan = EventScan(kNow, kNow + 1000, as_of);
  scan.limit = 4;
  std::vector<TraceId> order;
  for (int p = 0; p < 100; ++p) {
    Result<SummaryPage> page = store().ScanSummaries(scan);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    for (const TraceSummary& s : page->summaries) order.push_back(s.id);
    if (!page->next) break;
    scan.after = page->next;
    // Between pages (after as_of): updates to traces already listed and not yet listed, and a
    // brand-new trace.
    const auto u = static_cast<uint32_t>(p);
    WriteOrDie({Doc(original[(u * 11) % 30], 500 + u), Doc(original[29 - u], 600 + u),
                Doc(MakeTraceId(kNow - 10, 700 + u), 700 + u)},
               as_of + 1 + p);
  }
  // Exactly the traces as of `as_of`, newest update first.
  EXPECT_EQ(order, std::vector<TraceId>(original.rbegin(), original.rend()));
}

TEST_P(TraceStoreContractTest, MalformedCursorIsInvalidArgument) {
  WriteOrDie({Doc(MakeTraceId(kNow, 1), 1)}, kNow);
  SummaryScan scan = TraceIdScan(kNow - 10, kNow + 10);
  scan.after = ScanCursor{"garbage"};
  Result<SummaryPage> page = store().ScanSummaries(scan);
  ASSERT_FALSE(page.ok());
  EXPECT_EQ(page.status().code(), StatusCode::kInvalidArgument);
}

TEST_P(TraceStoreContractTest, DropBeforeRemovesOldDataAndKeepsNewer) {
  const TraceId old_trace = MakeTraceId(kNow - 10 * kDay, 1);
  const TraceId mid_trace = MakeTraceId(kNow - 4 * kDay, 2);
  const TraceId new_trace = MakeTraceId(kNow, 3);
  WriteOrDie({Doc(old_trace, 1).Start(kNow - 10 * kDay)}, kNow - 10 * kDay);
  WriteOrDie({Doc(mid_trace, 2).Start(kNow - 4 * kDay)}, kNow - 4 * kDay);
  WriteOrDie({Doc(new_trace, 3)}, kNow);

  ASSERT_TRUE(store().DropBefore(kNow - 5 * kDay).ok());
  Result<StoredTrace> gone = store().GetTrace(old_trace);
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound);
  GetOrDie(store(), mid_trace);
  GetOrDie(store(), new_trace);
  EXPECT_EQ(ScanAll(store(), TraceIdScan(0, kNow + 10)).ids,
            (std::vector<TraceId>{new_trace, mid_trace}));
  Result<StoreStats> stats = store().Stats();
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->traces, 2u);
}

// --- Candidate terms ---------------------------------------------------------------------------

TEST_P(TraceStoreContractTest, CandidateTermScansPageExactlyAsFullScansAcrossDays) {
  // 60 traces over three days, with 1–4 documents each; then some gain a document, so that their
  // old "docs" term no longer holds.
  std::vector<SegmentDocument> docs;
  std::vector<TraceId> ids;
  for (uint32_t i = 0; i < 60; ++i) {
    const TraceId id = MakeTraceId(static_cast<uint32_t>(kNow - (i % 3) * kDay - i * 7), 500 + i);
    ids.push_back(id);
    for (uint32_t d = 0; d <= i % 4; ++d) docs.push_back(Doc(id, i * 10 + d + 1));
  }
  WriteOrDie(docs, kNow);
  docs.clear();
  for (uint32_t i = 0; i < 60; i += 7) docs.push_back(Doc(ids[i], i * 10 + 9));
  WriteOrDie(docs, kNow + 1);

  struct Case {
    std::set<int> counts;
    std::vector<std::string> terms;
    size_t expected_min;  // keeps the cases honest: most match something
  };
  const std::string service = model::ServiceNameTerm("svc");
  const Case cases[] = {
      {{1}, {DocsTerm(1)}, 5},
      {{2, 4}, {DocsTerm(2), DocsTerm(4)}, 20},
      {{5}, {DocsTerm(5)}, 1},                                 // only traces that gained a document
      {{99}, {DocsTerm(99)}, 0},                               // a term nothing is filed under
      {{1}, {DocsTerm(1), DocsTerm(99)}, 5},                   // ... next to one that is
      {{1, 2, 3, 4, 5}, {service}, 60},                        // every trace
      {{1, 2, 3, 4, 5}, {service, service, DocsTerm(3)}, 60},  // a trace named by several terms
  };
  const std::pair<EpochSeconds, EpochSeconds> ranges[] = {
      {kNow - 3 * kDay, kNow + 1}, {kNow - kDay - 200, kNow - 100}, {kNow - 2 * kDay, kNow - kDay}};
  for (const Case& c : cases) {
    for (const auto& [start, end] : ranges) {
      for (size_t limit : {1u, 4u, 100u}) {
        SCOPED_TRACE(::testing::Message()
                     << "terms " << c.terms.size() << " first count " << *c.counts.begin()
                     << " range " << start - kNow << ".." << end - kNow << " limit " << limit);
        SummaryScan scan = TraceIdScan(start, end);
        scan.limit = limit;
        scan.predicate = DocsIn(c.counts);
        const std::vector<TraceId> matches = ExpectCandidateScanIsFullScan(store(), scan, c.terms);
        if (start == kNow - 3 * kDay) {
          EXPECT_GE(matches.size(), c.expected_min);
        }
      }
    }
  }
}

TEST_P(TraceStoreContractTest, CandidateTermScansFollowSummaryChanges) {
  const TraceId a = MakeTraceId(kNow - 10, 1);
  const TraceId b = MakeTraceId(kNow - 20, 2);
  WriteOrDie({Doc(a, 1), Doc(b, 2)}, kNow);
  WriteOrDie({Doc(a, 3)}, kNow + 1);  // a: docs 1 → 2

  for (int pass = 0; pass < 2; ++pass) {
    SCOPED_TRACE(pass == 0 ? "before reopen" : "after reopen");
    SummaryScan scan = TraceIdScan(kNow - 100, kNow + 1);
    scan.predicate = DocsIn({1});
    EXPECT_EQ(ExpectCandidateScanIsFullScan(store(), scan, {DocsTerm(1)}), std::vector<TraceId>{b});
    scan.predicate = DocsIn({2});
    EXPECT_EQ(ExpectCandidateScanIsFullScan(store(), scan, {DocsTerm(2)}), std::vector<TraceId>{a});
    scan.candidate_terms = {DocsTerm(2)};
    Result<SummaryPage> page = store().ScanSummaries(scan);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ASSERT_EQ(page->summaries.size(), 1u);
    EXPECT_EQ(page->summaries[0].revision, 2u);  // the current summary, not the indexed one
    Reopen();
  }
}

TEST_P(TraceStoreContractTest, CandidateTermPagingMatchesFullScanWhileWritesContinue) {
  std::vector<SegmentDocument> docs;
  for (uint32_t i = 0; i < 40; ++i) {
    const TraceId id = MakeTraceId(kNow - 1000 + i * 10, 100 + i);
    for (uint32_t d = 0; d <= i % 3; ++d) docs.push_back(Doc(id, i * 10 + d + 1));
  }
  WriteOrDie(docs, kNow);

  SummaryScan scan = TraceIdScan(kNow - 2000, kNow + 1000);
  scan.limit = 4;
  scan.predicate = DocsIn({1, 2});
  SummaryScan full = scan;
  scan.candidate_terms = {DocsTerm(1), DocsTerm(2)};
  std::vector<TraceId> order;
  int pages = 0;
  for (int p = 0; p < 100; ++p) {
    // The same page, from the same cursor, with and without candidate terms.
    full.after = scan.after;
    Result<SummaryPage> expected = store().ScanSummaries(full);
    Result<SummaryPage> page = store().ScanSummaries(scan);
    ASSERT_TRUE(page.ok()) << page.status().ToString();
    ASSERT_TRUE(expected.ok()) << expected.status().ToString();
    std::vector<TraceId> got;
    std::vector<TraceId> want;
    for (const TraceSummary& s : page->summaries) got.push_back(s.id);
    for (const TraceSummary& s : expected->summaries) want.push_back(s.id);
    EXPECT_EQ(got, want) << "page " << p;
    order.insert(order.end(), got.begin(), got.end());
    ++pages;
    if (!page->next) {
      // Nothing the full scan still has to offer.
      full.after = expected->next;
      if (full.after) {
        EXPECT_TRUE(ScanAll(store(), full).ids.empty());
      }
      break;
    }
    scan.after = page->next;
    // The trace that gains a document may enter or leave the matches.
    WriteBetweenPages(p);
  }
  EXPECT_GE(pages, 5);
  EXPECT_TRUE(std::is_sorted(order.rbegin(), order.rend()));
  EXPECT_EQ(std::set<TraceId>(order.begin(), order.end()).size(), order.size());
}

TEST_P(TraceStoreContractTest, ScansWithoutGraphStillReturnCompleteSummaries) {
  std::vector<SegmentDocument> docs;
  for (uint32_t i = 0; i < 12; ++i) {
    const TraceId id = MakeTraceId(kNow - 100 + i, 500 + i);
    for (uint32_t d = 0; d <= i % 3; ++d) docs.push_back(Doc(id, i * 10 + d + 1));
  }
  WriteOrDie(docs, kNow);
  for (size_t limit : {1, 100}) {
    SummaryScan full = TraceIdScan(kNow - 1000, kNow + 1);
    full.limit = limit;
    full.predicate = DocsIn({2, 3});
    SummaryScan lean = full;
    lean.need_graph = false;  // the predicate reads annotations only
    const ScanResult want = ScanAll(store(), full);
    const ScanResult got = ScanAll(store(), lean);
    EXPECT_EQ(got.ids, want.ids);
    EXPECT_EQ(got.scanned, want.scanned);
    EXPECT_EQ(got.pages, want.pages);
    ASSERT_EQ(got.summaries.size(), 8u);
    ASSERT_EQ(want.summaries.size(), 8u);
    for (size_t i = 0; i < got.summaries.size(); ++i) {
      ASSERT_EQ(got.summaries[i].nodes.size(), 1u) << i;
      EXPECT_EQ(got.summaries[i].nodes, want.summaries[i].nodes) << i;
      EXPECT_EQ(got.summaries[i].fault_root_causes, want.summaries[i].fault_root_causes) << i;
      EXPECT_EQ(got.summaries[i].annotations.size(), want.summaries[i].annotations.size()) << i;
    }
  }
}

TEST_P(TraceStoreContractTest, CandidateTermsDoNotChangeEventScans) {
  for (uint32_t i = 0; i < 12; ++i) {
    const TraceId id = MakeTraceId(kNow - 50 + i, 300 + i);
    std::vector<SegmentDocument> docs;
    for (uint32_t d = 0; d <= i % 2; ++d) docs.push_back(Doc(id, i * 10 + d + 1));
    WriteOrDie(docs, kNow + i);
  }
  SummaryScan scan = EventScan(kNow, kNow + 100, kNow + 100);
  scan.limit = 2;
  scan.predicate = DocsIn({2});
  const std::vector<TraceId> matches = ExpectCandidateScanIsFullScan(store(), scan, {DocsTerm(2)});
  EXPECT_EQ(matches.size(), 6u);
}

}  // namespace
}  // namespace roentgen::storage::contract
