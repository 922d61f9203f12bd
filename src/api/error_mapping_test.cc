#include "api/error_mapping.h"

#include <gtest/gtest.h>

namespace roentgen::api {
namespace {

std::string HeaderOf(const transport::HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "";
}

TEST(ErrorMappingTest, StatusCodesBecomeXRayErrorsBotocoreRecognizes) {
  struct Case {
    Status status;
    int http;
    std::string type;
  };
  for (const Case& c : {Case{Status::InvalidArgument("bad"), 400, "InvalidRequestException"},
                        Case{Status::ResourceExhausted("busy"), 429, "ThrottledException"},
                        Case{Status::NotFound("gone"), 404, "ResourceNotFoundException"},
                        Case{Status::IoError("disk"), 500, "InternalFailure"}}) {
    transport::HttpResponse response = ErrorResponse(c.status);
    EXPECT_EQ(response.status, c.http);
    EXPECT_EQ(HeaderOf(response, "x-amzn-ErrorType"), c.type);
    EXPECT_EQ(HeaderOf(response, "Content-Type"), "application/json");
    EXPECT_EQ(HeaderOf(response, "x-amzn-RequestId").size(), 36u);
    EXPECT_EQ(response.body, "{\"__type\":\"" + c.type + "\",\"message\":\"" + c.status.message() +
                                 "\",\"Message\":\"" + c.status.message() + "\"}");
  }
}

TEST(ErrorMappingTest, RequestIdsAreFreshUuids) {
  const std::string a = NewRequestId(), b = NewRequestId();
  EXPECT_NE(a, b);
  EXPECT_EQ(a[14], '4');
}

}  // namespace
}  // namespace roentgen::api
