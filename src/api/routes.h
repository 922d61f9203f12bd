// api/routes.h — the one place where HTTP requests are connected to X-Ray operations.
// Each operation gets only the services it uses.
// Thread-safety: the returned handler may run on any number of threads at once.
#pragma once

#include "core/clock.h"
#include "ingest/pipeline.h"
#include "storage/trace_store.h"
#include "transport/http_types.h"

namespace roentgen::api {

struct ApiServices {
  ingest::IngestPipeline& ingest;
  const storage::TraceStore& store;
  const Clock& clock;
};

// The handler for every route; `services` must outlive it.
transport::HttpHandler MakeApiHandler(ApiServices services);

}  // namespace roentgen::api
