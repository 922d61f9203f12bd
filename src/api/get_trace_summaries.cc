#include "api/get_trace_summaries.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <utility>

#include "api/json_input.h"
#include "api/json_output.h"
#include "api/page_token.h"
#include "api/trace_summary_json.h"
#include "filter/filter.h"

namespace roentgen::api {
namespace {

uint64_t QueryFingerprint(const GetTraceSummariesRequest& request) {
  std::string text = std::to_string(request.start_time) + "|" + std::to_string(request.end_time) +
                     "|" + std::to_string(static_cast<int>(request.time_range_type)) + "|" +
                     request.filter_expression;
  if (request.sampling) {
    text += "|" + std::to_string(static_cast<int>(request.sampling->strategy)) + ":" +
            std::to_string(request.sampling->value);
  }
  return Fingerprint(text);
}

Result<std::optional<SummarySampling>> ParseSampling(const JsonInput& input) {
  ASSIGN_OR_RETURN(auto sampling, input.Bool("Sampling"));
  if (!sampling.value_or(false)) return std::optional<SummarySampling>();
  SummarySampling out{.strategy = SummarySampling::Strategy::kFixedRate,
                      .value = kDefaultSamplingRate};
  ASSIGN_OR_RETURN(auto strategy, input.Object("SamplingStrategy"));
  if (strategy) {
    ASSIGN_OR_RETURN(auto name, strategy->String("Name"));
    if (name && *name == "PartialScan") {
      out.strategy = SummarySampling::Strategy::kPartialScan;
    } else if (name && *name != "FixedRate") {
      return Status::InvalidArgument("SamplingStrategy.Name must be one of PartialScan, FixedRate");
    }
    ASSIGN_OR_RETURN(auto value, strategy->Number("Value"));
    if (value) {
      if (!(*value > 0 && *value <= 1)) {
        return Status::InvalidArgument(
            "SamplingStrategy.Value must be greater than 0 and at most 1");
      }
      out.value = *value;
    }
  }
  return std::optional<SummarySampling>(out);
}

// A fixed-rate sample keeps a trace iff a hash of its id falls below the rate: the same choice on
// every page. The id's random part is mixed (SplitMix64's finalizer) rather than used as is, so
// that ids from generators that count instead of drawing are sampled uniformly too.
bool InFixedRateSample(const model::TraceId& id, double rate) {
  uint64_t hash = 0;
  for (uint8_t byte : id.key()) {
    hash = (hash ^ byte) * 0x100000001b3ULL;
    hash ^= hash >> 29;
  }
  hash ^= hash >> 30;
  hash *= 0xbf58476d1ce4e5b9ULL;
  hash ^= hash >> 27;
  hash *= 0x94d049bb133111ebULL;
  hash ^= hash >> 31;
  constexpr double kTwoTo64 = 18446744073709551616.0;
  return static_cast<double>(hash) < rate * kTwoTo64;
}

// The trace's last segment ended in [start, end) (TimeRangeType=Service).
bool EndsWithin(const model::TraceSummary& summary, EpochSeconds start, EpochSeconds end) {
  if (!summary.duration) return false;
  const EpochSeconds last_end = summary.start_time + *summary.duration;
  return last_end >= start && last_end < end;
}

// Token payload: the snapshot time (8 bytes) and the store's cursor.
std::string EncodeResume(EpochSeconds as_of, const storage::ScanCursor& cursor) {
  std::string payload(sizeof(as_of), '\0');
  std::memcpy(payload.data(), &as_of, sizeof(as_of));
  return payload + cursor.bytes;
}

// Restores the snapshot time and cursor of the page before.
Status DecodeResume(std::string_view token, uint64_t fingerprint, storage::SummaryScan& scan) {
  const Result<std::string> payload = DecodePageToken(token, fingerprint);
  if (!payload.ok()) return payload.status();
  const std::string& bytes = payload.value();
  if (bytes.size() < sizeof(EpochSeconds)) return Status::InvalidArgument("NextToken is damaged");
  std::memcpy(&scan.as_of, bytes.data(), sizeof(EpochSeconds));
  scan.after = storage::ScanCursor{bytes.substr(sizeof(EpochSeconds))};
  return Status::Ok();
}

}  // namespace

Result<GetTraceSummariesRequest> ParseGetTraceSummariesRequest(std::string_view body) {
  ASSIGN_OR_RETURN(JsonInput input, JsonInput::Parse(body));
  GetTraceSummariesRequest request;
  ASSIGN_OR_RETURN(auto start_time, input.Timestamp("StartTime"));
  ASSIGN_OR_RETURN(auto end_time, input.Timestamp("EndTime"));
  if (!start_time) return Status::InvalidArgument("StartTime is required");
  if (!end_time) return Status::InvalidArgument("EndTime is required");
  if (*end_time <= *start_time) return Status::InvalidArgument("EndTime must be after StartTime");
  request.start_time = *start_time;
  request.end_time = *end_time;

  ASSIGN_OR_RETURN(auto range_type, input.String("TimeRangeType"));
  if (!range_type || *range_type == "TraceId") {
    request.time_range_type = SummaryTimeRange::kTraceId;
  } else if (*range_type == "Event") {
    request.time_range_type = SummaryTimeRange::kEvent;
  } else if (*range_type == "Service") {
    request.time_range_type = SummaryTimeRange::kService;
  } else {
    return Status::InvalidArgument("TimeRangeType must be one of TraceId, Event, Service");
  }

  ASSIGN_OR_RETURN(request.sampling, ParseSampling(input));
  ASSIGN_OR_RETURN(auto filter, input.String("FilterExpression"));
  if (filter) request.filter_expression = std::move(*filter);
  ASSIGN_OR_RETURN(request.next_token, input.String("NextToken"));
  if (request.next_token && request.next_token->empty()) request.next_token.reset();
  return request;
}

std::string WriteGetTraceSummariesResponse(const GetTraceSummariesResponse& response) {
  JsonOutput out;
  out.BeginObject().Key("TraceSummaries").BeginArray();
  for (const model::TraceSummary& summary : response.summaries) {
    WriteTraceSummary(out, summary, response.event_time);
  }
  out.EndArray();
  out.MemberDouble("ApproximateTime", response.approximate_time);
  out.MemberInt("TracesProcessedCount", static_cast<int64_t>(response.traces_processed));
  if (response.next_token) out.Member("NextToken", *response.next_token);
  out.EndObject();
  return out.Take();
}

Result<GetTraceSummariesResponse> GetTraceSummaries(const GetTraceSummariesRequest& request,
                                                    const storage::TraceStore& store,
                                                    const Clock& clock) {
  ASSIGN_OR_RETURN(filter::Filter filter, filter::Filter::Compile(request.filter_expression));
  const uint64_t fingerprint = QueryFingerprint(request);
  storage::SummaryScan scan;
  scan.start_time = request.start_time;
  scan.end_time = request.end_time;
  scan.range_type = request.time_range_type == SummaryTimeRange::kEvent
                        ? storage::TimeRangeType::kEvent
                        : storage::TimeRangeType::kTraceId;
  if (request.time_range_type == SummaryTimeRange::kService) {
    scan.start_time -= kServiceTimeLookback;
  }
  if (request.sampling && request.sampling->strategy == SummarySampling::Strategy::kPartialScan) {
    scan.start_time =
        std::max(scan.start_time,
                 scan.end_time - request.sampling->value * (scan.end_time - scan.start_time));
  }
  scan.candidate_terms = filter.CandidateTerms();
  scan.limit = kTraceSummariesPageSize;
  scan.as_of = clock.Now();
  if (request.next_token) RETURN_IF_ERROR(DecodeResume(*request.next_token, fingerprint, scan));

  const bool service_range = request.time_range_type == SummaryTimeRange::kService;
  const std::optional<double> fixed_rate =
      request.sampling && request.sampling->strategy == SummarySampling::Strategy::kFixedRate
          ? std::optional<double>(request.sampling->value)
          : std::nullopt;
  if (!filter.MatchesAll() || service_range || fixed_rate) {
    scan.predicate = [&](const model::TraceSummary& summary) {
      if (service_range && !EndsWithin(summary, request.start_time, request.end_time)) return false;
      if (fixed_rate && !InFixedRateSample(summary.id, *fixed_rate)) return false;
      return filter.Matches(summary);
    };
    scan.need_graph = filter.ReadsGraph();  // the other conditions read no graph
  }

  ASSIGN_OR_RETURN(storage::SummaryPage page, store.ScanSummaries(scan));
  GetTraceSummariesResponse response;
  response.summaries = std::move(page.summaries);
  response.event_time = request.time_range_type == SummaryTimeRange::kEvent;
  response.approximate_time = std::floor(std::min(request.end_time, scan.as_of));
  response.traces_processed = page.scanned;
  if (page.next)
    response.next_token = EncodePageToken(fingerprint, EncodeResume(scan.as_of, *page.next));
  return response;
}

}  // namespace roentgen::api
