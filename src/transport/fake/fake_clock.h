#pragma once
// A Clock for tests: time stands still while the io_context has work and jumps to the next
// sleeper's wake-up time when it is idle, so a 30 s backoff costs nothing. Single-threaded.
// A sleeper destroyed before it wakes (its io_context destroyed: a killed run) is forgotten, so
// the clock can go on with another io_context.

#include <map>

#include "transport/clock.h"

namespace dci::transport {

class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint() + std::chrono::hours(1)) : m_now(start) {}

  TimePoint now() const override { return m_now; }
  Task<void> sleep_until(TimePoint when) override;

  // Moves time to the earliest sleeper's wake-up and wakes every sleeper due then; false when
  // nobody sleeps.
  bool advance();

  // Runs `io` until nothing is ready and nobody sleeps on this clock, advancing time whenever
  // the loop is idle. Returns the virtual time that passed.
  Duration run(asio::io_context& io);

  size_t sleepers() const { return m_sleepers.size(); }

 private:
  TimePoint m_now;
  std::multimap<TimePoint, asio::steady_timer*> m_sleepers;
};

}  // namespace dci::transport
