// core/clock.h — the source of "now", injected into every engine so tests control time.
// Thread-safety: implementations must be safe to call from any thread.
#pragma once

#include <atomic>
#include <chrono>

namespace roentgen {

// Seconds since the Unix epoch, fractional: X-Ray's own unit for every timestamp.
using EpochSeconds = double;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual EpochSeconds Now() const = 0;
};

class SystemClock final : public Clock {
 public:
  EpochSeconds Now() const override {
    return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
};

// A clock that moves only when told to.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(EpochSeconds now) : now_(now) {}
  EpochSeconds Now() const override { return now_.load(); }
  void Set(EpochSeconds now) { now_.store(now); }
  void Advance(double seconds) { now_.store(now_.load() + seconds); }

 private:
  std::atomic<EpochSeconds> now_;
};

}  // namespace roentgen
