#include "api/json_input.h"

#include <gtest/gtest.h>

namespace roentgen::api {
namespace {

TEST(JsonInputTest, EmptyBodyAndNullMembersReadAsAbsent) {
  auto empty = JsonInput::Parse("");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(*empty->String("NextToken"));
  auto with_null = JsonInput::Parse(R"({"NextToken": null})");
  ASSERT_TRUE(with_null.ok());
  EXPECT_FALSE(*with_null->String("NextToken"));
}

TEST(JsonInputTest, RefusesNonObjectsAndNamesWrongTypes) {
  EXPECT_EQ(JsonInput::Parse("[1]").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(JsonInput::Parse("{").status().code(), StatusCode::kInvalidArgument);
  auto input = JsonInput::Parse(R"({"TraceIds": "1-abc", "StartTime": true})");
  ASSERT_TRUE(input.ok());
  auto ids = input->StringList("TraceIds");
  ASSERT_FALSE(ids.ok());
  EXPECT_EQ(ids.status().message(), "TraceIds must be a list of strings");
  EXPECT_FALSE(input->Timestamp("StartTime").ok());
}

TEST(JsonInputTest, TimestampsInEveryFormClientsSend) {
  // AWS CLI: integer; JS SDK v3: float; Java: exponent or milliseconds; humans: ISO-8601.
  auto input = JsonInput::Parse(
      R"({"a": 1795305633, "b": 1795305640.095, "c": 1.7953056E9, "d": 1795305633000,
          "e": "2026-11-22T00:00:00Z", "f": "2026-11-22T02:00:00.5+02:00", "g": "1795305633"})");
  ASSERT_TRUE(input.ok());
  EXPECT_DOUBLE_EQ(**input->Timestamp("a"), 1795305633);
  EXPECT_DOUBLE_EQ(**input->Timestamp("b"), 1795305640.095);
  EXPECT_DOUBLE_EQ(**input->Timestamp("c"), 1795305600);
  EXPECT_DOUBLE_EQ(**input->Timestamp("d"), 1795305633);
  EXPECT_DOUBLE_EQ(**input->Timestamp("e"), 1795305600);
  EXPECT_DOUBLE_EQ(**input->Timestamp("f"), 1795305600.5);
  EXPECT_DOUBLE_EQ(**input->Timestamp("g"), 1795305633);
  auto bad = JsonInput::Parse(R"({"t": "yesterday"})");
  EXPECT_FALSE(bad->Timestamp("t").ok());
}

TEST(JsonInputTest, NestedObjects) {
  auto input = JsonInput::Parse(R"({"SamplingStrategy": {"Name": "FixedRate", "Value": 0.5}})");
  ASSERT_TRUE(input.ok());
  auto strategy = input->Object("SamplingStrategy");
  ASSERT_TRUE(strategy.ok() && strategy->has_value());
  EXPECT_EQ(**(*strategy)->String("Name"), "FixedRate");
  EXPECT_DOUBLE_EQ(**(*strategy)->Number("Value"), 0.5);
}

}  // namespace
}  // namespace roentgen::api
