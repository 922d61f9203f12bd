#include "api/get_trace_summaries.h"

#include <cmath>
#include <cstring>

#include "api/json_input.h"
#include "api/json_output.h"
#include "api/page_token.h"
#include "api/trace_summary_json.h"

namespace roentgen::api {
namespace {

uint64_t QueryFingerprint(const GetTraceSummariesRequest& request) {
  std::string text = std::to_string(request.start_time) + "|" + std::to_string(request.end_time) +
                     "|" + std::to_string(static_cast<int>(request.time_range_type)) + "|" +
                     request.filter_expression;
  return Fingerprint(text);
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
    request.time_range_type = storage::TimeRangeType::kTraceId;
  } else if (*range_type == "Event") {
    request.time_range_type = storage::TimeRangeType::kEvent;
  } else if (*range_type == "Service") {
    return Status::InvalidArgument(
        "TimeRangeType Service is not supported yet; use TraceId or Event");
  } else {
    return Status::InvalidArgument("TimeRangeType must be one of TraceId, Event, Service");
  }

  ASSIGN_OR_RETURN(auto sampling, input.Bool("Sampling"));  // a subset may be all of them
  (void)sampling;
  ASSIGN_OR_RETURN(auto filter, input.String("FilterExpression"));
  if (filter && filter->find_first_not_of(" \t\r\n") != std::string::npos) {
    return Status::InvalidArgument(
        "FilterExpression is not supported yet by this server; omit it to list all traces");
  }
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
  const uint64_t fingerprint = QueryFingerprint(request);
  storage::SummaryScan scan;
  scan.start_time = request.start_time;
  scan.end_time = request.end_time;
  scan.range_type = request.time_range_type;
  scan.limit = kTraceSummariesPageSize;
  scan.as_of = clock.Now();
  if (request.next_token) RETURN_IF_ERROR(DecodeResume(*request.next_token, fingerprint, scan));

  ASSIGN_OR_RETURN(storage::SummaryPage page, store.ScanSummaries(scan));
  GetTraceSummariesResponse response;
  response.summaries = std::move(page.summaries);
  response.event_time = request.time_range_type == storage::TimeRangeType::kEvent;
  response.approximate_time = std::floor(std::min(request.end_time, scan.as_of));
  response.traces_processed = page.scanned;
  if (page.next)
    response.next_token = EncodePageToken(fingerprint, EncodeResume(scan.as_of, *page.next));
  return response;
}

}  // namespace roentgen::api
