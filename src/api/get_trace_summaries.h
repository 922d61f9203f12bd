// api/get_trace_summaries.h — GetTraceSummaries (POST /TraceSummaries): trace summaries in a
// time range, newest first, paged with NextToken.
//
// Paging is stable while segments keep arriving: the first page fixes a snapshot time that every
// later page honours (see storage::SummaryScan::as_of), so a paginator sees no duplicates and no
// gaps. FilterExpression is compiled by filter/filter.h; a bad one is InvalidRequestException
// naming the position. The store looks candidates up by the filter's index terms when it can.
//
// TimeRangeType:
//  * TraceId: the epoch in the trace id is in [StartTime, EndTime) (X-Ray's default).
//  * Event: the trace last received a document in the window (server clock).
//  * Service: the trace's last segment ended in the window (start + duration). Traces are found
//    by their id epoch, looking back kServiceTimeLookback before StartTime, so a trace that runs
//    longer than that is missed.
// Sampling (a representative subset, what the console's analytics fetch):
//  * FixedRate v (the default strategy, v = kDefaultSamplingRate when absent): a matching trace
//    is returned iff a hash of its id falls below v — deterministic, so pages stay consistent.
//  * PartialScan v: only the newest fraction v of the time range is scanned.
//  v must be in (0, 1].
// Thread-safety: may run on any number of threads at once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "model/trace_summary.h"
#include "storage/trace_store.h"

namespace roentgen::api {

enum class SummaryTimeRange : uint8_t { kTraceId, kEvent, kService };

struct SummarySampling {
  enum class Strategy : uint8_t { kFixedRate, kPartialScan };
  Strategy strategy = Strategy::kFixedRate;
  double value = 0;  // in (0, 1]
};

struct GetTraceSummariesRequest {
  EpochSeconds start_time = 0;
  EpochSeconds end_time = 0;
  SummaryTimeRange time_range_type = SummaryTimeRange::kTraceId;
  std::string filter_expression;
  std::optional<SummarySampling> sampling;  // absent: every matching trace
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
// How long before StartTime a TimeRangeType=Service query looks for traces that end in range.
inline constexpr EpochSeconds kServiceTimeLookback = 3600;
// The FixedRate value when Sampling is true and no SamplingStrategy value is given.
inline constexpr double kDefaultSamplingRate = 0.1;

Result<GetTraceSummariesRequest> ParseGetTraceSummariesRequest(std::string_view body);
std::string WriteGetTraceSummariesResponse(const GetTraceSummariesResponse& response);

Result<GetTraceSummariesResponse> GetTraceSummaries(const GetTraceSummariesRequest& request,
                                                    const storage::TraceStore& store,
                                                    const Clock& clock);

}  // namespace roentgen::api
