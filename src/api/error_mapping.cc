#include "api/error_mapping.h"

#include <cstdio>
#include <random>

#include "api/json_output.h"

namespace roentgen::api {
namespace {

struct ErrorShape {
  int http_status;
  std::string_view type;
};

ErrorShape ShapeOf(StatusCode code) {
  switch (code) {
    case StatusCode::kInvalidArgument:
      return {400, "InvalidRequestException"};
    case StatusCode::kResourceExhausted:
      return {429, "ThrottledException"};
    case StatusCode::kNotFound:
      return {404, "ResourceNotFoundException"};
    case StatusCode::kUnavailable:
      return {503, "ServiceUnavailable"};
    default:
      return {500, "InternalFailure"};
  }
}

transport::HttpResponse Error(int http_status, std::string_view type, std::string_view message) {
  JsonOutput body;
  body.BeginObject()
      .Member("__type", type)
      .Member("message", message)
      .Member("Message", message)
      .EndObject();
  transport::HttpResponse response = JsonResponse(body.Take());
  response.status = http_status;
  response.headers.emplace_back("x-amzn-ErrorType", std::string(type));
  return response;
}

}  // namespace

std::string NewRequestId() {
  thread_local std::mt19937_64 random{std::random_device{}()};
  const uint64_t high = random(), low = random();
  char text[37];
  std::snprintf(text, sizeof(text), "%08x-%04x-4%03x-%04x-%012llx",
                static_cast<unsigned>(high >> 32), static_cast<unsigned>((high >> 16) & 0xffff),
                static_cast<unsigned>(high & 0x0fff),
                static_cast<unsigned>(0x8000 | ((low >> 48) & 0x3fff)),
                static_cast<unsigned long long>(low & 0xffffffffffffULL));
  return text;
}

transport::HttpResponse JsonResponse(std::string body) {
  transport::HttpResponse response;
  response.status = 200;
  response.headers.emplace_back("Content-Type", "application/json");
  response.headers.emplace_back("x-amzn-RequestId", NewRequestId());
  response.body = std::move(body);
  return response;
}

transport::HttpResponse ErrorResponse(const Status& status) {
  const ErrorShape shape = ShapeOf(status.code());
  return Error(shape.http_status, shape.type, status.message());
}

transport::HttpResponse UnknownOperationResponse(std::string_view method, std::string_view path) {
  return Error(
      404, "UnknownOperationException",
      std::string("no X-Ray operation at ") + std::string(method) + " " + std::string(path));
}

}  // namespace roentgen::api
