#pragma once
// Wall-clock time as the state file and the API record it.

#include <chrono>
#include <cstdint>

namespace dci {

// Milliseconds since the Unix epoch, read from the system clock. Code below the composition
// roots takes a WallClock& instead where tests need to control it.
inline int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The wall clock as a side effect: stamps that are shown to people or stored (not for measuring
// durations; that is transport::Clock's job).
class WallClock {
 public:
  virtual ~WallClock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t now_ms() const = 0;
};

// The system clock.
class SystemWallClock final : public WallClock {
 public:
  int64_t now_ms() const override { return dci::now_ms(); }
};

}  // namespace dci
