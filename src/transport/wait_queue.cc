#include "transport/wait_queue.h"

#include <algorithm>

namespace dci::transport {

// A waiter sleeps on its own timer; waking it cancels the timer, which completes the wait at
// once with operation_aborted. No handler is stored, so nothing needs type erasure.
Task<bool> WaitQueue::wait(TimePoint deadline) {
  asio::steady_timer timer(co_await asio::this_coro::executor, deadline);
  Waiter waiter{&timer, false};
  m_waiters.push_back(&waiter);
  boost::system::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  if (!waiter.woken) {
    auto it = std::find(m_waiters.begin(), m_waiters.end(), &waiter);
    if (it != m_waiters.end()) m_waiters.erase(it);
  }
  co_return waiter.woken;
}

bool WaitQueue::wake_one() {
  if (m_waiters.empty()) return false;
  Waiter* waiter = m_waiters.front();
  m_waiters.pop_front();
  waiter->woken = true;
  waiter->timer->cancel();
  return true;
}

void WaitQueue::wake_all() {
  std::deque<Waiter*> waiters;
  waiters.swap(m_waiters);
  for (Waiter* waiter : waiters) {
    waiter->woken = true;
    waiter->timer->cancel();
  }
}

}  // namespace dci::transport
