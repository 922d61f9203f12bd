#include "api/put_trace_segments.h"

#include <memory>
#include <utility>
#include <variant>

#include "api/json_input.h"
#include "api/json_output.h"
#include "model/segment_parser.h"

namespace roentgen::api {

Result<PutTraceSegmentsRequest> ParsePutTraceSegmentsRequest(std::string_view body) {
  ASSIGN_OR_RETURN(JsonInput input, JsonInput::Parse(body));
  ASSIGN_OR_RETURN(auto documents, input.StringList("TraceSegmentDocuments"));
  if (!documents) return Status::InvalidArgument("TraceSegmentDocuments is required");
  return PutTraceSegmentsRequest{std::move(*documents)};
}

std::string WritePutTraceSegmentsResponse(const PutTraceSegmentsResponse& response) {
  JsonOutput out;
  out.BeginObject().Key("UnprocessedTraceSegments").BeginArray();
  for (const UnprocessedTraceSegment& segment : response.unprocessed) {
    out.BeginObject();
    out.MemberIfNotEmpty("Id", segment.id);
    out.Member("ErrorCode", segment.error_code).Member("Message", segment.message);
    out.EndObject();
  }
  out.EndArray().EndObject();
  return out.Take();
}

void PutTraceSegments(PutTraceSegmentsRequest request, ingest::IngestPipeline& ingest,
                      std::function<void(Result<PutTraceSegmentsResponse>)> done) {
  thread_local model::SegmentParser parser;
  ingest.CountHttpDocuments(request.documents.size());
  auto response = std::make_shared<PutTraceSegmentsResponse>();
  std::vector<model::SegmentDocument> accepted;
  for (const std::string& text : request.documents) {
    for (model::ParsedDocument& parsed : parser.Parse(text)) {
      if (auto* document = std::get_if<model::SegmentDocument>(&parsed)) {
        accepted.push_back(std::move(*document));
        continue;
      }
      const auto& error = std::get<model::DocumentError>(parsed);
      response->unprocessed.push_back(
          {error.id, std::string(model::DocumentErrorCodeName(error.code)), error.Message()});
    }
  }
  if (accepted.empty()) {
    done(std::move(*response));
    return;
  }
  auto finish = [response, done](Status status) mutable {
    if (status.ok()) {
      done(std::move(*response));
    } else {
      done(status);
    }
  };
  if (!ingest.SubmitDocuments(accepted, std::move(finish))) {
    done(Status::ResourceExhausted("ingest is saturated; retry the request"));
  }
}

}  // namespace roentgen::api
