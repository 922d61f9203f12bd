#include "api/batch_get_traces.h"

#include <charconv>

#include "api/json_input.h"
#include "api/json_output.h"
#include "api/page_token.h"
#include "query/trace_assembler.h"

namespace roentgen::api {
namespace {

uint64_t QueryFingerprint(const BatchGetTracesRequest& request) {
  std::string text;
  for (const std::string& id : request.trace_ids) text += id + ",";
  return Fingerprint(text);
}

}  // namespace

Result<BatchGetTracesRequest> ParseBatchGetTracesRequest(std::string_view body) {
  ASSIGN_OR_RETURN(JsonInput input, JsonInput::Parse(body));
  BatchGetTracesRequest request;
  ASSIGN_OR_RETURN(auto trace_ids, input.StringList("TraceIds"));
  if (!trace_ids) return Status::InvalidArgument("TraceIds is required");
  for (const std::string& id : *trace_ids) {
    if (id.empty() || id.size() > model::TraceId::kTextLength) {
      return Status::InvalidArgument("each of TraceIds must be 1 to 35 characters long");
    }
  }
  request.trace_ids = std::move(*trace_ids);
  ASSIGN_OR_RETURN(request.next_token, input.String("NextToken"));
  if (request.next_token && request.next_token->empty()) request.next_token.reset();
  return request;
}

std::string WriteBatchGetTracesResponse(const BatchGetTracesResponse& response) {
  JsonOutput out;
  out.BeginObject().Key("Traces").BeginArray();
  for (const Trace& trace : response.traces) {
    out.BeginObject().Member("Id", trace.id);
    out.MemberIfPresent("Duration", trace.duration);
    out.Member("LimitExceeded", trace.limit_exceeded);
    out.Key("Segments").BeginArray();
    for (const TraceSegment& segment : trace.segments) {
      out.BeginObject().Member("Id", segment.id).Member("Document", segment.document).EndObject();
    }
    out.EndArray().EndObject();
  }
  out.EndArray().Key("UnprocessedTraceIds").BeginArray();
  for (const std::string& id : response.unprocessed_trace_ids) out.String(id);
  out.EndArray();
  if (response.next_token) out.Member("NextToken", *response.next_token);
  out.EndObject();
  return out.Take();
}

Result<BatchGetTracesResponse> BatchGetTraces(const BatchGetTracesRequest& request,
                                              const storage::TraceStore& store) {
  const uint64_t fingerprint = QueryFingerprint(request);
  size_t next = 0;  // index into request.trace_ids where this page starts
  if (request.next_token) {
    ASSIGN_OR_RETURN(std::string payload, DecodePageToken(*request.next_token, fingerprint));
    auto [end, error] = std::from_chars(payload.data(), payload.data() + payload.size(), next);
    if (error != std::errc() || next > request.trace_ids.size()) {
      return Status::InvalidArgument("NextToken is damaged");
    }
  }

  BatchGetTracesResponse response;
  size_t page_bytes = 0;
  for (; next < request.trace_ids.size() && page_bytes < kBatchGetTracesPageBytes; ++next) {
    const std::string& text = request.trace_ids[next];
    std::optional<model::TraceId> id = model::TraceId::Parse(text);
    if (!id) {
      response.unprocessed_trace_ids.push_back(text);
      continue;
    }
    Result<storage::StoredTrace> stored = store.GetTrace(*id);
    if (!stored.ok()) {
      if (stored.status().code() != StatusCode::kNotFound) return stored.status();
      response.unprocessed_trace_ids.push_back(text);
      continue;
    }
    ASSIGN_OR_RETURN(query::AssembledTrace assembled, query::AssembleTrace(*id, stored->documents));
    Trace trace{id->ToString(), assembled.duration, assembled.limit_exceeded, {}};
    for (query::AssembledSegment& segment : assembled.segments) {
      page_bytes += segment.document.size();
      trace.segments.push_back({model::FormatEntityId(segment.id), std::move(segment.document)});
    }
    response.traces.push_back(std::move(trace));
  }
  if (next < request.trace_ids.size()) {
    response.next_token = EncodePageToken(fingerprint, std::to_string(next));
  }
  return response;
}

}  // namespace roentgen::api
