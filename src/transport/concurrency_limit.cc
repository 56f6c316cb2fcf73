#include "transport/concurrency_limit.h"

#include <algorithm>

namespace dci::transport {

ConcurrencyLimit::Permit& ConcurrencyLimit::Permit::operator=(Permit&& other) noexcept {
  if (this != &other) {
    release();
    m_owner = std::exchange(other.m_owner, nullptr);
  }
  return *this;
}

void ConcurrencyLimit::Permit::release() {
  if (m_owner) std::exchange(m_owner, nullptr)->release_one();
}

Task<ConcurrencyLimit::Permit> ConcurrencyLimit::acquire() {
  if (m_in_use < m_limit && m_queue.size() == 0) {
    ++m_in_use;
    m_peak = std::max(m_peak, m_in_use);
    co_return Permit(this);
  }
  // release_one() hands its slot straight to us (m_in_use stays counted), so no one can overtake.
  co_await m_queue.wait();
  co_return Permit(this);
}

void ConcurrencyLimit::release_one() {
  if (!m_queue.wake_one()) --m_in_use;
}

}  // namespace dci::transport
