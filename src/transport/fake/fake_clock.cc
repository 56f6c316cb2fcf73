#include "transport/fake/fake_clock.h"

namespace dci::transport {

Task<void> FakeClock::sleep_until(TimePoint when) {
  if (when <= m_now) co_return;
  // The timer never expires on its own; advance() cancels it, which resumes us.
  asio::steady_timer timer(co_await asio::this_coro::executor, TimePoint::max());
  m_sleepers.emplace(when, &timer);
  // A sleeper whose frame is destroyed unwoken (its io_context went away) leaves no dangling
  // timer behind; one woken by advance() is no longer listed.
  struct Unlist {
    std::multimap<TimePoint, asio::steady_timer*>& sleepers;
    TimePoint when;
    asio::steady_timer* timer;
    ~Unlist() {
      auto [begin, end] = sleepers.equal_range(when);
      for (auto it = begin; it != end; ++it) {
        if (it->second == timer) {
          sleepers.erase(it);
          break;
        }
      }
    }
  } unlist{m_sleepers, when, &timer};
  boost::system::error_code ignored;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ignored));
}

bool FakeClock::advance() {
  if (m_sleepers.empty()) return false;
  m_now = std::max(m_now, m_sleepers.begin()->first);
  while (!m_sleepers.empty() && m_sleepers.begin()->first <= m_now) {
    m_sleepers.begin()->second->cancel();
    m_sleepers.erase(m_sleepers.begin());
  }
  return true;
}

Duration FakeClock::run(asio::io_context& io) {
  const TimePoint start = m_now;
  for (;;) {
    io.restart();
    if (io.poll() > 0) continue;
    if (!advance()) break;
  }
  return m_now - start;
}

}  // namespace dci::transport
