#pragma once
// Readiness of one SSH session's socket on the Asio loop, shared by every operation (channel) of
// the session. libssh is driven non-blocking: an operation calls its libssh function and, on
// SSH_AGAIN, waits here until the socket is readable (writable too while libssh has output
// pending), another operation processed input on its behalf, or its deadline passes.
//
// Lost wake-ups: Asio's epoll is edge-triggered and libssh may read input meant for another
// channel. So wait() first polls the socket (never sleeps while it is ready), and call() wakes
// every waiter whenever the socket had input before the call (the call may have consumed it).
// Channel data, EOF and exit status also arrive through libssh channel callbacks, which wake
// their operation directly.
//
// Lifetime: the fd belongs to libssh; detach() (or the destructor) stops watching it and must
// happen before libssh closes it. Single-threaded.

#include <memory>

#include "transport/asio.h"
#include "transport/wait_queue.h"

namespace dci::transport {

class SessionIo {
 public:
  explicit SessionIo(Executor executor);
  ~SessionIo();
  SessionIo(const SessionIo&) = delete;
  SessionIo& operator=(const SessionIo&) = delete;

  // Starts watching `fd` (replacing any previous one).
  void attach(int fd);
  void detach();
  int fd() const { return m_fd; }

  // Runs `step` (one non-blocking libssh call) and returns its result; wakes the other waiters
  // if the socket had input before the call.
  template <typename Step>
  auto call(Step&& step) {
    const bool had_input = ready_now(false);
    auto result = step();
    if (had_input) wake_all();
    return result;
  }

  // Suspends until the socket is ready (readable, or writable when `want_write`), a wake, or
  // `deadline`; false only on the deadline. Yields once and returns at once when already ready.
  Task<bool> wait(bool want_write, TimePoint deadline);

  // Resumes every waiter (they retry their libssh calls).
  void wake_all();

 private:
  struct Shared;
  bool ready_now(bool want_write) const;
  void arm(bool write);

  Executor m_executor;
  std::shared_ptr<Shared> m_shared;
  int m_fd = -1;
};

}  // namespace dci::transport
