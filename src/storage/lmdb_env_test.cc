#include "storage/lmdb_env.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace roentgen::storage {
namespace {

class LmdbEnvTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/roentgen-lmdb-XXXXXX";
    directory_ = mkdtemp(pattern);
    const char* const names[] = {"table"};
    auto env = LmdbEnv::Open(directory_, names, LmdbOptions{.map_size = uint64_t{64} << 20});
    ASSERT_TRUE(env.ok()) << env.status().ToString();
    env_ = std::move(*env);
  }
  void TearDown() override {
    env_.reset();
    std::filesystem::remove_all(directory_);
  }

  std::string directory_;
  std::unique_ptr<LmdbEnv> env_;
};

// Scans keep cursors in a vector that may grow while they are positioned.
TEST_F(LmdbEnvTest, AMovedCursorKeepsItsPosition) {
  {
    auto txn = LmdbTxn::Begin(*env_, /*read_only=*/false);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(txn->Put(env_->dbi(0), "a", "1").ok());
    ASSERT_TRUE(txn->Put(env_->dbi(0), "b", "2").ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  auto txn = LmdbTxn::Begin(*env_, /*read_only=*/true);
  ASSERT_TRUE(txn.ok());
  auto cursor = LmdbCursor::Open(*txn, env_->dbi(0));
  ASSERT_TRUE(cursor.ok());
  ASSERT_TRUE(cursor->Move(MDB_LAST).value());
  std::vector<LmdbCursor> cursors;
  cursors.push_back(std::move(*cursor));
  cursors.reserve(cursors.capacity() + 8);  // moves the cursor again
  EXPECT_EQ(cursors[0].key(), "b");
  EXPECT_EQ(cursors[0].value(), "2");
  ASSERT_TRUE(cursors[0].Move(MDB_PREV).value());
  EXPECT_EQ(cursors[0].key(), "a");
}

}  // namespace
}  // namespace roentgen::storage
