#include "api/page_token.h"

#include <gtest/gtest.h>

namespace roentgen::api {
namespace {

TEST(PageTokenTest, RoundTripsBinaryPayloads) {
  const std::string payload("\x00\x01\xff cursor", 10);
  const std::string token = EncodePageToken(42, payload);
  EXPECT_EQ(
      token.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"),
      std::string::npos);
  auto decoded = DecodePageToken(token, 42);
  ASSERT_TRUE(decoded.ok());
  EXPECT_EQ(*decoded, payload);
}

TEST(PageTokenTest, RefusesAlteredForeignAndGarbageTokens) {
  const std::string token = EncodePageToken(42, "cursor");
  EXPECT_EQ(DecodePageToken(token, 43).status().message(),
            "NextToken belongs to a different query");
  std::string altered = token;
  altered[5] = altered[5] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(DecodePageToken(altered, 42).ok());
  EXPECT_FALSE(DecodePageToken("not a token!", 42).ok());
  EXPECT_FALSE(DecodePageToken("", 42).ok());
  EXPECT_FALSE(DecodePageToken(token.substr(0, token.size() - 3), 42).ok());
}

}  // namespace
}  // namespace roentgen::api
