// api/server_stats.h — GET /roentgen/stats: what ingest accepted and refused (by reason), and
// what the store holds, as JSON for operators and tests.
// Thread-safety: pure function.
#pragma once

#include <string>

#include "ingest/ingest_counters.h"
#include "storage/trace_store.h"

namespace roentgen::api {

std::string WriteServerStats(const ingest::IngestSnapshot& ingest,
                             const storage::StoreStats& store);

}  // namespace roentgen::api
