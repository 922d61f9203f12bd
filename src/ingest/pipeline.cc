#include "ingest/pipeline.h"

#include <pthread.h>

#include <utility>
#include <variant>

#include "core/log.h"
#include "model/datagram.h"
#include "model/segment_parser.h"

namespace roentgen::ingest {
namespace {

// What a queued item costs beyond its payload: keeps many tiny items from exceeding the bound.
constexpr size_t kItemOverheadBytes = 64;
// Room for the header line in front of a document of the maximum size.
constexpr size_t kMaxHeaderBytes = 64;

size_t DocumentsCost(const std::vector<model::SegmentDocument>& documents) {
  size_t cost = 0;
  for (const auto& document : documents) cost += document.json.size() + kItemOverheadBytes;
  return cost;
}

}  // namespace

IngestPipeline::IngestPipeline(storage::TraceStore& store, const Clock& clock,
                               IngestOptions options)
    : store_(store),
      clock_(clock),
      options_(options),
      datagrams_(options.datagram_queue_bytes),
      writes_(options.write_queue_bytes) {
  // Named for top -H and perf: the two stages whose CPU matters most.
  parse_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "roentgen-parse");
    ParseLoop();
  });
  write_thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "roentgen-write");
    WriteLoop();
  });
}

IngestPipeline::~IngestPipeline() { Stop(); }

void IngestPipeline::OfferDatagrams(std::span<const DatagramView> datagrams) {
  IngestCounters::Add(counters_.udp_datagrams, datagrams.size());
  std::vector<std::string> batch;
  batch.reserve(datagrams.size());
  size_t cost = 0;
  for (const DatagramView& datagram : datagrams) {
    if (datagram.truncated || datagram.bytes.size() > model::kMaxDocumentBytes + kMaxHeaderBytes) {
      IngestCounters::Add(counters_.rejected_too_large);
      continue;
    }
    batch.emplace_back(datagram.bytes);
    cost += datagram.bytes.size() + kItemOverheadBytes;
  }
  if (batch.empty()) return;
  const size_t count = batch.size();
  if (!datagrams_.TryPush(batch, cost)) IngestCounters::Add(counters_.rejected_queue_full, count);
}

bool IngestPipeline::SubmitDocuments(std::vector<model::SegmentDocument>& documents,
                                     WriteCompletion done) {
  WriteRequest request{std::move(documents), std::move(done)};
  const size_t cost = DocumentsCost(request.documents);
  if (writes_.TryPush(request, cost)) return true;
  documents = std::move(request.documents);  // TryPush left the request intact
  return false;
}

void IngestPipeline::Stop() {
  std::call_once(stopped_, [this] {
    datagrams_.Close();
    if (parse_thread_.joinable()) parse_thread_.join();
    writes_.Close();
    if (write_thread_.joinable()) write_thread_.join();
  });
}

void IngestPipeline::CountRejection(model::DocumentErrorCode code) {
  switch (code) {
    case model::DocumentErrorCode::kInvalidJson:
      IngestCounters::Add(counters_.rejected_bad_json);
      return;
    case model::DocumentErrorCode::kDocumentTooLarge:
      IngestCounters::Add(counters_.rejected_too_large);
      return;
    default:
      IngestCounters::Add(counters_.rejected_invalid_document);
      return;
  }
}

void IngestPipeline::ParseLoop() {
  model::SegmentParser parser;
  std::vector<std::vector<std::string>> batches;
  while (datagrams_.PopBatch(batches, 64, options_.max_batch_bytes)) {
    WriteRequest request;
    for (const auto& batch : batches) {
      for (const std::string& datagram : batch) {
        model::SplitDatagramResult split = model::SplitDatagram(datagram);
        const auto* body = std::get_if<std::string_view>(&split);
        if (body == nullptr) {
          IngestCounters::Add(counters_.rejected_bad_header);
          continue;
        }
        for (auto& parsed : parser.Parse(*body)) {
          if (auto* document = std::get_if<model::SegmentDocument>(&parsed)) {
            request.documents.push_back(std::move(*document));
          } else {
            CountRejection(std::get<model::DocumentError>(parsed).code);
          }
        }
      }
    }
    batches.clear();
    if (request.documents.empty()) continue;
    const size_t cost = DocumentsCost(request.documents);
    if (!writes_.PushWait(request, cost)) {
      IngestCounters::Add(counters_.rejected_queue_full, request.documents.size());
    }
  }
}

void IngestPipeline::WriteLoop() {
  std::vector<WriteRequest> requests;
  std::vector<model::SegmentDocument> batch;
  while (writes_.PopBatch(requests, options_.max_batch_requests, options_.max_batch_bytes)) {
    batch.clear();
    for (auto& request : requests) {
      for (auto& document : request.documents) batch.push_back(std::move(document));
    }
    const Status status = store_.Write(batch, clock_.Now());
    IngestCounters::Add(counters_.write_batches);
    if (status.ok()) {
      IngestCounters::Add(counters_.accepted_documents, batch.size());
    } else {
      IngestCounters::Add(counters_.store_failures, batch.size());
      log::Error("store write of " + std::to_string(batch.size()) +
                 " documents failed: " + status.ToString());
    }
    for (auto& request : requests) {
      if (request.done) request.done(status);
    }
    requests.clear();
  }
}

}  // namespace roentgen::ingest
