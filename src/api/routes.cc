#include "api/routes.h"

#include <exception>
#include <string_view>

#include "api/batch_get_traces.h"
#include "api/error_mapping.h"
#include "api/get_trace_summaries.h"
#include "api/put_trace_segments.h"
#include "api/server_stats.h"
#include "core/log.h"

namespace roentgen::api {
namespace {

using transport::HttpRequest;
using transport::HttpResponder;
using transport::HttpResponse;

// Runs a synchronous operation: parse → operate → write, every failure an X-Ray error.
template <typename Parse, typename Operate, typename Write>
HttpResponse Synchronous(const HttpRequest& request, Parse parse, Operate operate, Write write) {
  auto parsed = parse(request.body);
  if (!parsed.ok()) return ErrorResponse(parsed.status());
  auto result = operate(*parsed);
  if (!result.ok()) return ErrorResponse(result.status());
  return JsonResponse(write(*result));
}

std::string_view PathOf(std::string_view target) { return target.substr(0, target.find('?')); }

}  // namespace

transport::HttpHandler MakeApiHandler(ApiServices services) {
  return [services](HttpRequest request, HttpResponder respond) {
    // Nothing thrown below may escape into the server's threads.
    try {
      const std::string_view path = PathOf(request.target);
      if (request.method == "GET" && path == "/roentgen/stats") {
        auto store_stats = services.store.Stats();
        if (!store_stats.ok()) return respond(ErrorResponse(store_stats.status()));
        return respond(JsonResponse(WriteServerStats(services.ingest.counters(), *store_stats)));
      }
      if (request.method != "POST") return respond(UnknownOperationResponse(request.method, path));

      if (path == "/TraceSegments") {
        auto parsed = ParsePutTraceSegmentsRequest(request.body);
        if (!parsed.ok()) return respond(ErrorResponse(parsed.status()));
        return PutTraceSegments(std::move(*parsed), services.ingest,
                                [respond](Result<PutTraceSegmentsResponse> result) {
                                  respond(result.ok()
                                              ? JsonResponse(WritePutTraceSegmentsResponse(*result))
                                              : ErrorResponse(result.status()));
                                });
      }
      if (path == "/Traces") {
        return respond(Synchronous(
            request, ParseBatchGetTracesRequest,
            [&](const BatchGetTracesRequest& r) { return BatchGetTraces(r, services.store); },
            WriteBatchGetTracesResponse));
      }
      if (path == "/TraceSummaries") {
        return respond(Synchronous(
            request, ParseGetTraceSummariesRequest,
            [&](const GetTraceSummariesRequest& r) {
              return GetTraceSummaries(r, services.store, services.clock);
            },
            WriteGetTraceSummariesResponse));
      }
      respond(UnknownOperationResponse(request.method, path));
    } catch (const std::exception& e) {
      log::Error(std::string("request failed: ") + e.what());
      respond(ErrorResponse(Status::Internal("internal error")));
    }
  };
}

}  // namespace roentgen::api
