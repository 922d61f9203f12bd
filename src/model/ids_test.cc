#include "model/ids.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_set>

namespace roentgen::model {
namespace {

TEST(TraceIdTest, ParsesCanonicalText) {
  const auto id = TraceId::Parse("1-5759e988-bd862e3fe1be46a994272793");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->ToString(), "1-5759e988-bd862e3fe1be46a994272793");
  EXPECT_EQ(id->epoch(), 0x5759e988u);
  const TraceId::Key expected = {0x57, 0x59, 0xe9, 0x88, 0xbd, 0x86, 0x2e, 0x3f,
                                 0xe1, 0xbe, 0x46, 0xa9, 0x94, 0x27, 0x27, 0x93};
  EXPECT_EQ(id->key(), expected);
}

TEST(TraceIdTest, AcceptsUpperCaseAndCanonicalizesToLowerCase) {
  const auto upper = TraceId::Parse("1-5759E988-BD862E3FE1BE46A994272793");
  const auto lower = TraceId::Parse("1-5759e988-bd862e3fe1be46a994272793");
  ASSERT_TRUE(upper.has_value());
  EXPECT_EQ(*upper, *lower);
  EXPECT_EQ(upper->ToString(), "1-5759e988-bd862e3fe1be46a994272793");
}

TEST(TraceIdTest, AcceptsW3cConvertedIdsWithAnyEpochBits) {
  const auto id = TraceId::Parse("1-ffffffff-000000000000000000000000");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(id->epoch(), 0xffffffffu);
  EXPECT_EQ(id->ToString(), "1-ffffffff-000000000000000000000000");
}

TEST(TraceIdTest, RejectsEverythingElse) {
  for (const char* text : {
           "",
           "1",
           "1-zzzz-not-a-trace-id",
           "2-5759e988-bd862e3fe1be46a994272793",   // version 2
           "1_5759e988-bd862e3fe1be46a994272793",   // separator
           "1-5759e988_bd862e3fe1be46a994272793",   // separator
           "1-5759e98-bd862e3fe1be46a9942727933",   // 7 + 25
           "1-5759e988-bd862e3fe1be46a99427279",    // short random
           "1-5759e988-bd862e3fe1be46a9942727933",  // long random
           "1-5759e98g-bd862e3fe1be46a994272793",   // non-hex epoch
           "1-5759e988-bd862e3fe1be46a99427279x",   // non-hex random
           " 1-5759e988-bd862e3fe1be46a994272793",  // whitespace
           "1-5759e988-bd862e3fe1be46a994272793 ",
           "01-5759e988-bd862e3fe1be46a99427279",
           "1-+759e988-bd862e3fe1be46a994272793",
       }) {
    EXPECT_FALSE(TraceId::Parse(text).has_value()) << text;
  }
  // An embedded NUL is not a hex digit either.
  EXPECT_FALSE(TraceId::Parse(std::string_view("1-5759e988-bd862e3fe1be46a99427279\0", 35)));
}

TEST(TraceIdTest, KeyOrderIsTimeOrder) {
  const auto early = TraceId::Parse("1-00000001-ffffffffffffffffffffffff");
  const auto late = TraceId::Parse("1-00000002-000000000000000000000000");
  ASSERT_TRUE(early && late);
  EXPECT_LT(*early, *late);
  EXPECT_LT(early->key(), late->key());
}

TEST(TraceIdTest, FromKeyRoundTrips) {
  const auto id = TraceId::Parse("1-6b0232ee-a3435d0a324c501a1442a6f0");
  ASSERT_TRUE(id.has_value());
  EXPECT_EQ(TraceId::FromKey(id->key()), *id);
  EXPECT_EQ(TraceId::FromKey(id->key()).ToString(), "1-6b0232ee-a3435d0a324c501a1442a6f0");
}

TEST(TraceIdTest, DefaultIsAllZero) {
  EXPECT_EQ(TraceId().ToString(), "1-00000000-000000000000000000000000");
  EXPECT_EQ(TraceId().epoch(), 0u);
}

TEST(TraceIdTest, HashSpreadsDistinctIds) {
  std::mt19937_64 random(42);
  std::unordered_set<size_t> hashes;
  std::unordered_set<TraceId> ids;
  const std::hash<TraceId> hasher;
  for (int i = 0; i < 10000; ++i) {
    TraceId::Key key{};
    // Same epoch for all: only the random part differs, as within one second of traffic.
    key[0] = 0x6b;
    for (size_t b = 4; b < key.size(); ++b) key[b] = static_cast<uint8_t>(random());
    const TraceId id = TraceId::FromKey(key);
    ids.insert(id);
    hashes.insert(hasher(id));
    EXPECT_EQ(hasher(id), hasher(TraceId::FromKey(key)));
  }
  EXPECT_EQ(ids.size(), 10000u);
  EXPECT_GE(hashes.size(), 9999u);
}

TEST(EntityIdTest, ParsesSixteenHexDigits) {
  EXPECT_EQ(ParseEntityId("70de5b6f19ff9a0a"), 0x70de5b6f19ff9a0aULL);
  EXPECT_EQ(ParseEntityId("70DE5B6F19FF9A0A"), 0x70de5b6f19ff9a0aULL);
  EXPECT_EQ(ParseEntityId("0000000000000000"), 0u);
  EXPECT_EQ(ParseEntityId("ffffffffffffffff"), 0xffffffffffffffffULL);
}

TEST(EntityIdTest, RejectsOtherText) {
  for (const char* text :
       {"", "70de5b6f19ff9a0", "70de5b6f19ff9a0a0", "70de5b6f19ff9a0g", "0x70de5b6f19ff9a",
        " 70de5b6f19ff9a0", "70de5b6f-9ff9a0a", "-0de5b6f19ff9a0a", "+0de5b6f19ff9a0a"}) {
    EXPECT_FALSE(ParseEntityId(text).has_value()) << text;
  }
}

TEST(EntityIdTest, FormatsSixteenLowerCaseDigits) {
  EXPECT_EQ(FormatEntityId(0), "0000000000000000");
  EXPECT_EQ(FormatEntityId(0x70de5b6f19ff9a0aULL), "70de5b6f19ff9a0a");
  EXPECT_EQ(FormatEntityId(0xffffffffffffffffULL), "ffffffffffffffff");
  EXPECT_EQ(FormatEntityId(0xabc), "0000000000000abc");
  std::mt19937_64 random(7);
  for (int i = 0; i < 1000; ++i) {
    const EntityId id = random();
    EXPECT_EQ(ParseEntityId(FormatEntityId(id)), id);
  }
}

}  // namespace
}  // namespace roentgen::model
