// api/error_mapping.h — the only place that knows X-Ray's error names and HTTP status codes.
//
// Errors are written the way botocore and the AWS SDK for JavaScript v3 parse rest-json errors:
// the code in the `x-amzn-ErrorType` header and in the body's `__type`, the message in both
// `message` and `Message` (see ../shared/spec/api.md §1.3).
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "transport/http_types.h"

namespace roentgen::api {

// A 200 response carrying a JSON body, with X-Ray's standard headers.
transport::HttpResponse JsonResponse(std::string body);

// InvalidArgument → InvalidRequestException 400, ResourceExhausted → ThrottledException 429,
// NotFound → ResourceNotFoundException 404, Unavailable → ServiceUnavailable 503, anything
// else → InternalFailure 500 (which SDKs retry).
transport::HttpResponse ErrorResponse(const Status& status);

// For a method or path that is no X-Ray operation.
transport::HttpResponse UnknownOperationResponse(std::string_view method, std::string_view path);

// A fresh request id (UUID v4 text) for the x-amzn-RequestId header.
std::string NewRequestId();

}  // namespace roentgen::api
