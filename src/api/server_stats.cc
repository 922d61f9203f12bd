#include "api/server_stats.h"

#include "api/json_output.h"

namespace roentgen::api {

std::string WriteServerStats(const ingest::IngestSnapshot& ingest,
                             const storage::StoreStats& store) {
  auto count = [](uint64_t n) { return static_cast<int64_t>(n); };
  JsonOutput out;
  out.BeginObject().Key("ingest").BeginObject();
  out.MemberInt("udp_datagrams", count(ingest.udp_datagrams));
  out.MemberInt("http_documents", count(ingest.http_documents));
  out.MemberInt("accepted_documents", count(ingest.accepted_documents));
  out.MemberInt("store_failures", count(ingest.store_failures));
  out.MemberInt("write_batches", count(ingest.write_batches));
  out.Key("rejected").BeginObject();
  out.MemberInt("bad_header", count(ingest.rejected_bad_header));
  out.MemberInt("bad_json", count(ingest.rejected_bad_json));
  out.MemberInt("invalid_document", count(ingest.rejected_invalid_document));
  out.MemberInt("too_large", count(ingest.rejected_too_large));
  out.MemberInt("queue_full", count(ingest.rejected_queue_full));
  out.EndObject().EndObject();
  out.Key("store").BeginObject();
  out.MemberInt("documents", count(store.documents));
  out.MemberInt("traces", count(store.traces));
  out.MemberInt("bytes_on_disk", count(store.bytes_on_disk));
  out.MemberInt("partitions", store.partitions);
  out.EndObject().EndObject();
  return out.Take();
}

}  // namespace roentgen::api
