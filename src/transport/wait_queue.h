#pragma once
// Coroutines parked until another coroutine (or a callback) wakes them, or a deadline passes.
// The building block of the concurrency limit, the fake clock and the SSH socket waits.
// Single-threaded: every member runs on the io_context's thread. Waking only posts the waiter's
// resumption, so wake_*() may be called from inside library callbacks.

#include <deque>

#include "transport/asio.h"

namespace dci::transport {

class WaitQueue {
 public:
  WaitQueue() = default;
  WaitQueue(const WaitQueue&) = delete;
  WaitQueue& operator=(const WaitQueue&) = delete;
  // Precondition: no coroutine is waiting.
  ~WaitQueue() = default;

  // Suspends until woken (returns true) or until the real steady clock passes `deadline`
  // (returns false). TimePoint::max() waits only for a wake.
  Task<bool> wait(TimePoint deadline = TimePoint::max());

  // Wakes the longest waiting coroutine; false when none waits.
  bool wake_one();
  void wake_all();
  size_t size() const { return m_waiters.size(); }

 private:
  struct Waiter {
    asio::steady_timer* timer;
    bool woken;
  };
  std::deque<Waiter*> m_waiters;
};

}  // namespace dci::transport
