#include "ingest/bounded_queue.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>

namespace roentgen::ingest {
namespace {

TEST(BoundedQueueTest, RefusesWhatWouldExceedTheCapacity) {
  BoundedQueue<std::string> queue(10);
  std::string a = "aaaaaa", b = "bbbbbb";
  EXPECT_TRUE(queue.TryPush(a, 6));
  EXPECT_FALSE(queue.TryPush(b, 6));
  EXPECT_EQ(b, "bbbbbb") << "a refused item is left untouched";
  EXPECT_EQ(queue.cost(), 6u);
}

TEST(BoundedQueueTest, PopsInOrderUpToTheLimits) {
  BoundedQueue<int> queue(100);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(queue.TryPush(i, 10));
  std::vector<int> out;
  ASSERT_TRUE(queue.PopBatch(out, 3, 1000));
  EXPECT_EQ(out, (std::vector<int>{0, 1, 2}));
  out.clear();
  ASSERT_TRUE(queue.PopBatch(out, 10, 15));  // stops once the cost limit is reached
  EXPECT_EQ(out, (std::vector<int>{3, 4}));
  EXPECT_EQ(queue.cost(), 0u);
}

TEST(BoundedQueueTest, CloseDrainsThenEnds) {
  BoundedQueue<int> queue(100);
  int one = 1, two = 2;
  ASSERT_TRUE(queue.TryPush(one, 1));
  queue.Close();
  EXPECT_FALSE(queue.TryPush(two, 1));
  std::vector<int> out;
  EXPECT_TRUE(queue.PopBatch(out, 10, 10));
  EXPECT_EQ(out, std::vector<int>{1});
  out.clear();
  EXPECT_FALSE(queue.PopBatch(out, 10, 10));
}

TEST(BoundedQueueTest, PushWaitBlocksUntilTheConsumerMakesRoom) {
  BoundedQueue<int> queue(10);
  int first = 1;
  ASSERT_TRUE(queue.TryPush(first, 10));
  std::thread producer([&] {
    int second = 2;
    EXPECT_TRUE(queue.PushWait(second, 10));
  });
  std::vector<int> out;
  ASSERT_TRUE(queue.PopBatch(out, 1, 100));
  ASSERT_TRUE(queue.PopBatch(out, 1, 100));  // waits for the producer's item
  producer.join();
  EXPECT_EQ(out, (std::vector<int>{1, 2}));
}

}  // namespace
}  // namespace roentgen::ingest
