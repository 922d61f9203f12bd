// storage/frame_cache.h — a small LRU cache of decompressed log frames, so that recomputing the
// summary of a recently written trace, and reading it back, does not hit the disk or zstd.
// Thread-safety: every method may be called concurrently (one internal mutex).
#pragma once

#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"

namespace roentgen::storage {

struct CachedFrame {
  std::string body;               // decompressed
  std::vector<uint32_t> offsets;  // of each document's text in `body`, plus the end
  EpochSeconds received_at = 0;
};

class FrameCache {
 public:
  explicit FrameCache(size_t capacity_bytes) : capacity_bytes_(capacity_bytes) {}

  // `partition` is a Partition's unique instance number (never reused, so a dropped and
  // recreated day cannot see stale frames). nullptr when absent.
  std::shared_ptr<const CachedFrame> Get(uint64_t partition, uint64_t offset);
  void Put(uint64_t partition, uint64_t offset, std::shared_ptr<const CachedFrame> frame);
  // Forgets every frame of `partition`.
  void Erase(uint64_t partition);

 private:
  struct Key {
    uint64_t partition;
    uint64_t offset;
    bool operator==(const Key&) const = default;
  };
  struct KeyHash {
    size_t operator()(const Key& k) const {
      return std::hash<uint64_t>()(k.partition * 0x9E3779B97F4A7C15ULL ^ k.offset);
    }
  };
  struct Entry {
    Key key;
    std::shared_ptr<const CachedFrame> frame;
  };

  void EvictLocked();

  const size_t capacity_bytes_;
  std::mutex mu_;
  std::list<Entry> lru_;  // guarded by mu_; most recently used first
  std::unordered_map<Key, std::list<Entry>::iterator, KeyHash> index_;  // guarded by mu_
  size_t bytes_ = 0;                                                    // guarded by mu_
};

}  // namespace roentgen::storage
