#include "storage/frame_cache.h"

namespace roentgen::storage {

std::shared_ptr<const CachedFrame> FrameCache::Get(uint64_t partition, uint64_t offset) {
  std::lock_guard lock(mu_);
  auto it = index_.find(Key{partition, offset});
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->frame;
}

void FrameCache::Put(uint64_t partition, uint64_t offset,
                     std::shared_ptr<const CachedFrame> frame) {
  if (capacity_bytes_ == 0 || frame->body.size() > capacity_bytes_) return;
  std::lock_guard lock(mu_);
  const Key key{partition, offset};
  auto it = index_.find(key);
  if (it != index_.end()) {
    bytes_ -= it->second->frame->body.size();
    lru_.erase(it->second);
    index_.erase(it);
  }
  bytes_ += frame->body.size();
  lru_.push_front(Entry{key, std::move(frame)});
  index_.emplace(key, lru_.begin());
  EvictLocked();
}

void FrameCache::Erase(uint64_t partition) {
  std::lock_guard lock(mu_);
  for (auto it = lru_.begin(); it != lru_.end();) {
    if (it->key.partition == partition) {
      bytes_ -= it->frame->body.size();
      index_.erase(it->key);
      it = lru_.erase(it);
    } else {
      ++it;
    }
  }
}

void FrameCache::EvictLocked() {
  while (bytes_ > capacity_bytes_ && !lru_.empty()) {
    bytes_ -= lru_.back().frame->body.size();
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

}  // namespace roentgen::storage
