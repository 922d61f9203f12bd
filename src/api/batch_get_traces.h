// api/batch_get_traces.h — BatchGetTraces (POST /Traces): whole traces by id, each segment as
// its processed document (independent subsegments merged into their parents).
//
// Ids that are malformed or unknown come back in UnprocessedTraceIds. A page holds traces until
// their documents reach kBatchGetTracesPageBytes (at least one trace per page); the rest follows
// with NextToken, which the AWS CLI and boto3's paginator follow on their own.
// Thread-safety: may run on any number of threads at once.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "model/ids.h"
#include "storage/trace_store.h"

namespace roentgen::api {

struct BatchGetTracesRequest {
  std::vector<std::string> trace_ids;
  std::optional<std::string> next_token;
};

struct TraceSegment {
  std::string id;
  std::string document;
};

struct Trace {
  std::string id;
  std::optional<double> duration;
  bool limit_exceeded = false;
  std::vector<TraceSegment> segments;
};

struct BatchGetTracesResponse {
  std::vector<Trace> traces;
  std::vector<std::string> unprocessed_trace_ids;
  std::optional<std::string> next_token;
};

inline constexpr size_t kBatchGetTracesPageBytes = 4 << 20;

Result<BatchGetTracesRequest> ParseBatchGetTracesRequest(std::string_view body);
std::string WriteBatchGetTracesResponse(const BatchGetTracesResponse& response);

Result<BatchGetTracesResponse> BatchGetTraces(const BatchGetTracesRequest& request,
                                              const storage::TraceStore& store);

}  // namespace roentgen::api
