// ingest/ingest_counters.h — what happened to every datagram and document offered for ingest.
// Thread-safety: IngestCounters is updated with relaxed atomics from any thread; a snapshot is
// a plain value.
#pragma once

#include <atomic>
#include <cstdint>

namespace roentgen::ingest {

struct IngestSnapshot {
  uint64_t udp_datagrams = 0;              // datagrams received
  uint64_t http_documents = 0;             // documents received through PutTraceSegments
  uint64_t accepted_documents = 0;         // documents made durable (UDP and HTTP)
  uint64_t rejected_bad_header = 0;        // datagram without a valid header line
  uint64_t rejected_bad_json = 0;          // body not parseable JSON
  uint64_t rejected_invalid_document = 0;  // JSON, but not a valid segment document
  uint64_t rejected_too_large = 0;         // datagram or document over 64 KiB
  uint64_t rejected_queue_full = 0;        // dropped because ingest was saturated
  uint64_t store_failures = 0;             // documents lost to a failed store write
  uint64_t write_batches = 0;              // store writes (group commits)
};

class IngestCounters {
 public:
  std::atomic<uint64_t> udp_datagrams{0};
  std::atomic<uint64_t> http_documents{0};
  std::atomic<uint64_t> accepted_documents{0};
  std::atomic<uint64_t> rejected_bad_header{0};
  std::atomic<uint64_t> rejected_bad_json{0};
  std::atomic<uint64_t> rejected_invalid_document{0};
  std::atomic<uint64_t> rejected_too_large{0};
  std::atomic<uint64_t> rejected_queue_full{0};
  std::atomic<uint64_t> store_failures{0};
  std::atomic<uint64_t> write_batches{0};

  static void Add(std::atomic<uint64_t>& counter, uint64_t n = 1) {
    counter.fetch_add(n, std::memory_order_relaxed);
  }

  IngestSnapshot Snapshot() const {
    auto load = [](const std::atomic<uint64_t>& c) { return c.load(std::memory_order_relaxed); };
    return {load(udp_datagrams),       load(http_documents),      load(accepted_documents),
            load(rejected_bad_header), load(rejected_bad_json),   load(rejected_invalid_document),
            load(rejected_too_large),  load(rejected_queue_full), load(store_failures),
            load(write_batches)};
  }
};

}  // namespace roentgen::ingest
