#include "transport/ssh/session_io.h"

#include <poll.h>

#include <algorithm>
#include <chrono>

#include <boost/asio/posix/stream_descriptor.hpp>

namespace dci::transport {

namespace {
constexpr auto k_repoll = std::chrono::milliseconds(100);
}  // namespace

struct SessionIo::Shared {
  explicit Shared(const Executor& executor) : descriptor(executor) {}
  asio::posix::stream_descriptor descriptor;
  WaitQueue waiters;
  bool read_armed = false;
  bool write_armed = false;
};

SessionIo::SessionIo(Executor executor) : m_executor(std::move(executor)) {}

SessionIo::~SessionIo() {
  detach();
}

void SessionIo::attach(int fd) {
  if (fd == m_fd) return;
  detach();
  m_shared = std::make_shared<Shared>(m_executor);
  m_shared->descriptor.assign(fd);
  m_fd = fd;
}

void SessionIo::detach() {
  if (!m_shared) return;
  // release(): Asio stops watching and aborts pending waits without closing the fd.
  m_shared->descriptor.release();
  m_shared->waiters.wake_all();
  m_shared.reset();
  m_fd = -1;
}

bool SessionIo::ready_now(bool want_write) const {
  if (m_fd < 0) return false;
  pollfd entry{m_fd, static_cast<short>(POLLIN | (want_write ? POLLOUT : 0)), 0};
  return ::poll(&entry, 1, 0) > 0;
}

void SessionIo::arm(bool write) {
  bool& armed = write ? m_shared->write_armed : m_shared->read_armed;
  if (armed) return;
  armed = true;
  std::shared_ptr<Shared> shared = m_shared;
  shared->descriptor.async_wait(write ? asio::posix::stream_descriptor::wait_write
                                      : asio::posix::stream_descriptor::wait_read,
                                [shared, write](const boost::system::error_code&) {
                                  (write ? shared->write_armed : shared->read_armed) = false;
                                  shared->waiters.wake_all();
                                });
}

Task<bool> SessionIo::wait(bool want_write, TimePoint deadline) {
  if (std::chrono::steady_clock::now() >= deadline) co_return false;
  if (!m_shared || ready_now(want_write)) {
    co_await asio::post(m_executor, asio::use_awaitable);
    co_return true;
  }
  std::shared_ptr<Shared> shared = m_shared;  // survives a detach() while we wait
  arm(false);
  if (want_write) arm(true);
  // Never sleep longer than k_repoll: libssh may already hold buffered packets (read from the
  // socket by another channel's call) that no readiness event will announce, so the caller gets
  // to call libssh again at least this often. A woken or re-polled wait returns true; only the
  // real deadline returns false.
  const TimePoint repoll = std::chrono::steady_clock::now() + k_repoll;
  if (co_await shared->waiters.wait(std::min(deadline, repoll))) co_return true;
  co_return std::chrono::steady_clock::now() < deadline;
}

void SessionIo::wake_all() {
  if (m_shared) m_shared->waiters.wake_all();
}

}  // namespace dci::transport
