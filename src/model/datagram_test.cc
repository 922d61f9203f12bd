#include "model/datagram.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace roentgen::model {
namespace {

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The body, or "" after a failed expectation.
std::string_view BodyOf(std::string_view datagram) {
  const SplitDatagramResult result = SplitDatagram(datagram);
  const auto* body = std::get_if<std::string_view>(&result);
  EXPECT_NE(body, nullptr) << "refused: " << datagram;
  return body == nullptr ? std::string_view() : *body;
}

std::optional<DatagramError> ErrorOf(std::string_view datagram) {
  const SplitDatagramResult result = SplitDatagram(datagram);
  if (const auto* error = std::get_if<DatagramError>(&result)) return *error;
  return std::nullopt;
}

TEST(SplitDatagramTest, AcceptsTheTwoHeadersSdksSend) {
  EXPECT_EQ(BodyOf("{\"format\":\"json\",\"version\":1}\n{\"id\":\"x\"}"), "{\"id\":\"x\"}");
  EXPECT_EQ(BodyOf("{\"format\": \"json\", \"version\": 1}\n{\"id\":\"x\"}"), "{\"id\":\"x\"}");
}

TEST(SplitDatagramTest, BodyIsAViewIntoTheDatagram) {
  const std::string datagram = "{\"format\":\"json\",\"version\":1}\n{}";
  const std::string_view body = BodyOf(datagram);
  EXPECT_EQ(body.data(), datagram.data() + datagram.find('\n') + 1);
}

TEST(SplitDatagramTest, EverySampleDatagramSplits) {
  const std::filesystem::path root = std::filesystem::path(ROENTGEN_SAMPLES_DIR) / "udp";
  int count = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".datagram") continue;
    SCOPED_TRACE(entry.path().string());
    const std::string datagram = ReadFile(entry.path());
    const std::string_view body = BodyOf(datagram);
    EXPECT_EQ(body, std::string_view(datagram).substr(datagram.find('\n') + 1));
    EXPECT_EQ(body.front(), '{');
    ++count;
  }
  EXPECT_EQ(count, 13);
}

TEST(SplitDatagramTest, SplitsAtTheFirstNewlineOnly) {
  const std::string body = "{\n  \"id\": \"70de5b6f19ff9a0a\",\n  \"name\": \"a\"\n}\n";
  EXPECT_EQ(BodyOf("{\"format\":\"json\",\"version\":1}\n" + body), body);
  // The body is not trimmed or looked at.
  EXPECT_EQ(BodyOf("{\"format\":\"json\",\"version\":1}\n not json \n"), " not json \n");
  EXPECT_EQ(BodyOf("{\"format\":\"json\",\"version\":1}\n\n"), "\n");
}

TEST(SplitDatagramTest, AcceptsAnyJsonSpellingOfTheHeader) {
  for (const char* header : {
           R"({ "format" : "json" , "version" : 1 })",
           "{\t\"format\":\t\"json\",\r\"version\":1}",
           "  {\"format\":\"json\",\"version\":1}  ",
           "{\"format\":\"json\",\"version\":1}\r",  // CRLF line end
           R"({"version":1,"format":"json"})",
           R"({"format":"JSON","version":1})",
           R"({"format":"Json","version":1})",
           R"({"Format":"json","VERSION":1})",  // Go matches member names case-insensitively
           R"({"format":"json","version":1,"extra":{"a":[1,2,{"b":null}]},"x":"y"})",
           R"({"format":"\u006Ason","version":1})",            // escapes are decoded
           R"({"format":"xml","format":"json","version":1})",  // last duplicate wins
           R"({"format":"json","version":1,"version":"2"})",   // a wrongly typed member is ignored
           R"({"format":"json","version":1,"format":null})",
           R"({"format":"json","version":-0,"version":1})",
       }) {
    EXPECT_EQ(BodyOf(std::string(header) + "\n{}"), "{}") << header;
  }
}

TEST(SplitDatagramTest, RefusesOtherHeaders) {
  for (const char* header : {
           R"({"format":"json","version":"1"})",  // a string is not an int
           R"({"format":"json","version":1.0})",
           R"({"format":"json","version":1e0})",
           R"({"format":"json","version":2})",
           R"({"format":"json","version":0})",
           R"({"format":"json","version":true})",
           R"({"format":"json"})",
           R"({"version":1})",
           R"({"format":"xml","version":1})",
           R"({"format":"json ","version":1})",
           R"({"format":"json","version":1,"version":2})",
           R"({"format":"json","version":1)",  // syntax error: nothing is decoded
           R"({"format":"json","version":1}})",
           R"({"format":"json","version":1} x)",
           R"([{"format":"json","version":1}])",
           "null",
           "1",
           "\"json\"",
           "",
           "   ",
           "garbage",
           "{\"format\":\"json\",\"version\":1}\x01",
           "{\"format\":\"js\xff\",\"version\":1}",
       }) {
    EXPECT_EQ(ErrorOf(std::string(header) + "\n{}"), DatagramError::kBadHeader) << header;
  }
}

TEST(SplitDatagramTest, RefusesADatagramWithoutHeaderOrBody) {
  EXPECT_EQ(ErrorOf(""), DatagramError::kMissingHeader);
  EXPECT_EQ(ErrorOf("{\"format\":\"json\",\"version\":1}"), DatagramError::kMissingHeader);
  EXPECT_EQ(ErrorOf("{\"format\":\"json\",\"version\":1}\n"), DatagramError::kMissingHeader);
  EXPECT_EQ(ErrorOf("{\"id\":\"70de5b6f19ff9a0a\"}"), DatagramError::kMissingHeader);
  EXPECT_EQ(ErrorOf("\n"), DatagramError::kMissingHeader);
  // A body without a header line: the header is whatever precedes the first newline.
  EXPECT_EQ(ErrorOf("\n{}"), DatagramError::kBadHeader);
}

TEST(SplitDatagramTest, HandlesEmbeddedNulAndLongHeaders) {
  EXPECT_EQ(ErrorOf(std::string("{\"format\":\"json\",\0\"version\":1}\n{}", 34)),
            DatagramError::kBadHeader);
  const std::string long_header =
      R"({"format":"json","version":1,"pad":")" + std::string(60000, 'x') + "\"}";
  EXPECT_EQ(BodyOf(long_header + "\n{}"), "{}");
  const std::string too_long_header =
      R"({"format":"json","version":1,"pad":")" + std::string(70000, 'x') + "\"}";
  EXPECT_EQ(ErrorOf(too_long_header + "\n{}"), DatagramError::kBadHeader);
  EXPECT_EQ(BodyOf("{\"format\":\"json\",\"version\":1}\n{}"), "{}");  // after a big one
}

TEST(SplitDatagramTest, NamesAndMessages) {
  EXPECT_EQ(DatagramErrorName(DatagramError::kMissingHeader), "MissingHeader");
  EXPECT_EQ(DatagramErrorName(DatagramError::kBadHeader), "BadHeader");
  EXPECT_EQ(DatagramErrorMessage(DatagramError::kMissingHeader), "Missing header or segment");
  EXPECT_EQ(DatagramErrorMessage(DatagramError::kBadHeader), "Invalid header");
}

}  // namespace
}  // namespace roentgen::model
