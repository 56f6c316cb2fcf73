#pragma once
// The one place the transport layer includes Boost.Asio. Boost 1.74's Asio needs <utility>
// before any of its headers under C++20 on g++ 12; C++20 coroutines (co_await) are required.

#include <utility>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#if !defined(BOOST_ASIO_HAS_CO_AWAIT)
#error "dcinstall's transport needs C++20 coroutines in Boost.Asio (g++ >= 10 with -std=c++20)"
#endif

#include <chrono>

namespace dci::transport {

namespace asio = boost::asio;

// A coroutine running on the transport's io_context: `co_await session.exec(...)`.
template <typename T>
using Task = asio::awaitable<T>;

using Executor = asio::any_io_executor;
using TimePoint = std::chrono::steady_clock::time_point;
using Duration = std::chrono::steady_clock::duration;

// Seconds (as configured) to a Duration, saturating far in the future.
inline Duration seconds_to_duration(double seconds) {
  if (seconds > 1e9) seconds = 1e9;
  if (seconds < 0) seconds = 0;
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(seconds));
}

inline double to_seconds(Duration duration) {
  return std::chrono::duration<double>(duration).count();
}

}  // namespace dci::transport
