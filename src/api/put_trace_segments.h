// api/put_trace_segments.h — PutTraceSegments (POST /TraceSegments): validates each document,
// hands the valid ones to ingest and answers once they are durable. Per-document problems are
// reported in UnprocessedTraceSegments (HTTP 200), never as a failed call.
// Thread-safety: the operation may run on any number of threads at once.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "ingest/pipeline.h"

namespace roentgen::api {

struct PutTraceSegmentsRequest {
  std::vector<std::string> documents;
};

struct UnprocessedTraceSegment {
  std::string id;  // empty when the document had no readable id
  std::string error_code;
  std::string message;
};

struct PutTraceSegmentsResponse {
  std::vector<UnprocessedTraceSegment> unprocessed;
};

Result<PutTraceSegmentsRequest> ParsePutTraceSegmentsRequest(std::string_view body);
std::string WritePutTraceSegmentsResponse(const PutTraceSegmentsResponse& response);

// Calls `done` exactly once: with the response after the accepted documents are durable, with
// ResourceExhausted when ingest is saturated (nothing was accepted), or with the store's error.
void PutTraceSegments(PutTraceSegmentsRequest request, ingest::IngestPipeline& ingest,
                      std::function<void(Result<PutTraceSegmentsResponse>)> done);

}  // namespace roentgen::api
