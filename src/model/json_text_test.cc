#include "model/json_text.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace roentgen::model {
namespace {

using Views = std::vector<std::string_view>;

TEST(JsonTextTest, TrimsJsonWhitespaceOnly) {
  EXPECT_EQ(TrimJsonWhitespace(" \t\r\n{} \n"), "{}");
  EXPECT_EQ(TrimJsonWhitespace(""), "");
  EXPECT_EQ(TrimJsonWhitespace("   "), "");
  EXPECT_EQ(TrimJsonWhitespace("\v{}\f"), "\v{}\f");  // not JSON whitespace
}

TEST(JsonTextTest, SplitsArrayElements) {
  EXPECT_EQ(SplitJsonArray("[]"), Views{});
  EXPECT_EQ(SplitJsonArray("[ \n ]"), Views{});
  EXPECT_EQ(SplitJsonArray("[1]"), Views{"1"});
  EXPECT_EQ(SplitJsonArray("[ {\"a\":1} , [2,3],\"x\" ,null\n]"),
            (Views{"{\"a\":1}", "[2,3]", "\"x\"", "null"}));
  EXPECT_EQ(SplitJsonArray(R"([{"s":"],}[{\"\\"},{"t":[{}]}])"),
            (Views{R"({"s":"],}[{\"\\"})", R"({"t":[{}]})"}));
}

TEST(JsonTextTest, FindsStringMembersInBrokenText) {
  EXPECT_EQ(FindStringMember(R"({"id" : "0123456789abcdef", "name":)", "id"),
            std::optional<std::string_view>("0123456789abcdef"));
  EXPECT_EQ(FindStringMember(R"({"trace_id":"x","id":"a"})", "id"),
            std::optional<std::string_view>("a"));
  EXPECT_EQ(FindStringMember(R"({"id":1,"x":{"id":"b"}})", "id"),
            std::optional<std::string_view>("b"));
  EXPECT_EQ(FindStringMember(R"({"id":"a\"b"})", "id"), std::nullopt);
  EXPECT_EQ(FindStringMember(R"({"id":"abc)", "id"), std::nullopt);
  EXPECT_EQ(FindStringMember(R"({"id")", "id"), std::nullopt);
  EXPECT_EQ(FindStringMember("", "id"), std::nullopt);
}

TEST(JsonTextTest, DecodesUtf8) {
  size_t pos = 0;
  const std::string text = "a\xc3\xa9\xe6\x9d\xb1\xf0\x9f\x98\x80";
  EXPECT_EQ(DecodeUtf8(text, &pos), 'a');
  EXPECT_EQ(DecodeUtf8(text, &pos), 0xe9u);
  EXPECT_EQ(DecodeUtf8(text, &pos), 0x6771u);
  EXPECT_EQ(DecodeUtf8(text, &pos), 0x1f600u);
  EXPECT_EQ(pos, text.size());
  for (const char* bad : {"\x80", "\xc0\xaf", "\xc3", "\xe0\x80\xaf", "\xed\xa0\x80",
                          "\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", "\xc3\x28"}) {
    size_t at = 0;
    EXPECT_EQ(DecodeUtf8(bad, &at), std::nullopt) << bad;
    EXPECT_EQ(at, 0u);
  }
}

TEST(JsonTextTest, QuotesForDetails) {
  EXPECT_EQ(QuoteForDetail("abc"), "\"abc\"");
  EXPECT_EQ(QuoteForDetail("a\"b\\c\n\x7f"), R"("a\"b\\c\u000a\u007f")");
  EXPECT_EQ(QuoteForDetail("\xff"
                           "a"),
            R"("\xffa")");
  EXPECT_EQ(QuoteForDetail("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
  EXPECT_EQ(QuoteForDetail(std::string(100, 'x')), "\"" + std::string(64, 'x') + "...\"");
  // Never cuts a character in two.
  std::string accents;
  for (int i = 0; i < 40; ++i) accents += "\xc3\xa9";
  const std::string quoted = QuoteForDetail(accents);
  EXPECT_EQ(quoted, "\"" + accents.substr(0, 64) + "...\"");
}

}  // namespace
}  // namespace roentgen::model
