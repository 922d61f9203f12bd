// ingest/bounded_queue.h — a multi-producer queue bounded by a cost (bytes), with batch pops.
//
// External producers never block: TryPush refuses an item that would exceed the capacity, so the
// caller can count the drop (UDP) or answer ThrottledException (HTTP). The consumer blocks in
// PopBatch until something arrives or the queue is closed. Thread-safety: all methods may be called
// concurrently.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <utility>
#include <vector>

namespace roentgen::ingest {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity_cost) : capacity_cost_(capacity_cost) {}

  // false when full or closed; `item` is then left untouched.
  bool TryPush(T& item, size_t cost) {
    {
      std::lock_guard lock(mutex_);
      if (closed_ || cost_ + cost > capacity_cost_) return false;
      items_.emplace_back(std::move(item), cost);
      cost_ += cost;
    }
    ready_.notify_one();
    return true;
  }

  // Waits for room (back-pressure between internal stages). false when closed.
  bool PushWait(T& item, size_t cost) {
    {
      std::unique_lock lock(mutex_);
      room_.wait(lock, [&] { return closed_ || cost_ + cost <= capacity_cost_ || items_.empty(); });
      if (closed_) return false;
      items_.emplace_back(std::move(item), cost);
      cost_ += cost;
    }
    ready_.notify_one();
    return true;
  }

  // Moves up to `max_items` items (and at least one, unless closed and drained) into `out`,
  // stopping early once `max_cost` is reached. Returns false when closed and empty.
  bool PopBatch(std::vector<T>& out, size_t max_items, size_t max_cost) {
    std::unique_lock lock(mutex_);
    ready_.wait(lock, [&] { return closed_ || !items_.empty(); });
    if (items_.empty()) return false;
    size_t taken = 0, taken_cost = 0;
    while (!items_.empty() && taken < max_items && taken_cost < max_cost) {
      auto& [item, cost] = items_.front();
      out.push_back(std::move(item));
      ++taken;
      taken_cost += cost;
      cost_ -= cost;
      items_.pop_front();
    }
    lock.unlock();
    room_.notify_all();
    return true;
  }

  // Producers are refused from now on; the consumer drains what is left.
  void Close() {
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
    }
    ready_.notify_all();
    room_.notify_all();
  }

  size_t cost() const {
    std::lock_guard lock(mutex_);
    return cost_;
  }

 private:
  const size_t capacity_cost_;
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::condition_variable room_;
  std::deque<std::pair<T, size_t>> items_;  // guarded by mutex_
  size_t cost_ = 0;                         // guarded by mutex_
  bool closed_ = false;                     // guarded by mutex_
};

}  // namespace roentgen::ingest
