#pragma once
// Time as the transport and the scheduler see it, so tests can replace it with a FakeClock that
// jumps instead of waiting. Single-threaded: use on the io_context's thread only.

#include "transport/asio.h"

namespace dci::transport {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint now() const = 0;
  // Suspends the calling coroutine until now() >= `when` (returns at once if it already is).
  virtual Task<void> sleep_until(TimePoint when) = 0;

  Task<void> sleep_for(Duration duration) { return sleep_until(now() + duration); }
};

// The real monotonic clock, sleeping on an asio timer.
class SteadyClock final : public Clock {
 public:
  TimePoint now() const override { return std::chrono::steady_clock::now(); }
  Task<void> sleep_until(TimePoint when) override;
};

}  // namespace dci::transport
