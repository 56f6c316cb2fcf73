#include "transport/fake/fake_clock.h"

namespace dci::transport {

Task<void> FakeClock::sleep_until(TimePoint when) {
  if (when <= m_now) co_return;
  // The timer never expires on its own; advance() cancels it, which resumes us.
  asio::steady_timer timer(co_await asio::this_coro::executor, TimePoint::max());
  m_sleepers.emplace(when, &timer);
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
