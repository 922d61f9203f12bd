// api/get_trace_summaries.h — GetTraceSummaries (POST /TraceSummaries): trace summaries in a
// time range, newest first, paged with NextToken.
//
// Paging is stable while segments keep arriving: the first page fixes a snapshot time that every
// later page honours (see storage::SummaryScan::as_of), so a paginator sees no duplicates and no
// gaps. FilterExpression is refused with InvalidRequestException until the filter language
// exists, rather than silently answering something else.
// Thread-safety: may run on any number of threads at once.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "model/trace_summary.h"
#include "storage/trace_store.h"

namespace roentgen::api {

struct GetTraceSummariesRequest {
  EpochSeconds start_time = 0;
  EpochSeconds end_time = 0;
  storage::TimeRangeType time_range_type = storage::TimeRangeType::kTraceId;
  std::string filter_expression;
  std::optional<std::string> next_token;
};

struct GetTraceSummariesResponse {
  std::vector<model::TraceSummary> summaries;
  bool event_time = false;  // summaries carry MatchedEventTime
  EpochSeconds approximate_time = 0;
  uint64_t traces_processed = 0;
  std::optional<std::string> next_token;
};

// Summaries per page.
inline constexpr size_t kTraceSummariesPageSize = 100;

Result<GetTraceSummariesRequest> ParseGetTraceSummariesRequest(std::string_view body);
std::string WriteGetTraceSummariesResponse(const GetTraceSummariesResponse& response);

Result<GetTraceSummariesResponse> GetTraceSummaries(const GetTraceSummariesRequest& request,
                                                    const storage::TraceStore& store,
                                                    const Clock& clock);

}  // namespace roentgen::api
