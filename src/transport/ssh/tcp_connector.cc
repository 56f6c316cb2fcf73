#include "transport/ssh/tcp_connector.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <unistd.h>

#include <sstream>

#include <boost/asio/ip/tcp.hpp>

#include "transport/remote_command.h"

namespace dci::transport {
namespace {

using tcp = asio::ip::tcp;

TransportError connect_error(const boost::system::error_code& ec, const std::string& host_id,
                             const std::string& endpoint) {
  namespace errc = boost::asio::error;
  ErrorCode code = ErrorCode::Unreachable;
  if (ec == errc::connection_refused) code = ErrorCode::ConnectRefused;
  if (ec == errc::timed_out || ec == errc::operation_aborted) code = ErrorCode::ConnectTimeout;
  if (ec == errc::connection_reset) code = ErrorCode::ConnectionLost;
  std::string text = ec == errc::operation_aborted ? "no answer in time" : ec.message();
  return TransportError{code, "TCP connect to " + endpoint + ": " + text, host_id};
}

}  // namespace

Task<Outcome<int>> tcp_connect(std::string address, int port, TimePoint deadline,
                               std::string host_id) {
  const Executor executor = co_await asio::this_coro::executor;
  boost::system::error_code ec;
  std::vector<tcp::endpoint> endpoints;
  const auto literal = asio::ip::make_address(address, ec);
  if (!ec) {
    endpoints.emplace_back(literal, static_cast<unsigned short>(port));
  } else {
    // Asio runs getaddrinfo on its own resolver thread: the loop never blocks on DNS.
    tcp::resolver resolver(executor);
    auto results = co_await resolver.async_resolve(address, std::to_string(port),
                                                   asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      co_return TransportError{ErrorCode::ResolveFailed,
                               "cannot resolve '" + address + "': " + ec.message(), host_id};
    }
    for (const auto& entry : results) endpoints.push_back(entry.endpoint());
  }

  TransportError last{ErrorCode::Unreachable, "no address for " + address, host_id};
  for (const tcp::endpoint& endpoint : endpoints) {
    if (std::chrono::steady_clock::now() >= deadline) {
      last = connect_error(asio::error::operation_aborted, host_id, address);
      break;
    }
    auto socket = std::make_shared<tcp::socket>(executor);
    auto timer = std::make_shared<asio::steady_timer>(executor, deadline);
    // The timer closes the socket at the deadline, which aborts the connect.
    timer->async_wait([socket](const boost::system::error_code& error) {
      if (!error) {
        boost::system::error_code ignored;
        socket->close(ignored);
      }
    });
    co_await socket->async_connect(endpoint, asio::redirect_error(asio::use_awaitable, ec));
    timer->cancel();
    std::ostringstream name;
    name << endpoint;
    if (ec || !socket->is_open()) {
      last = connect_error(ec ? ec : asio::error::operation_aborted, host_id, name.str());
      continue;
    }
    socket->set_option(tcp::no_delay(true), ec);
    const int fd = ::dup(socket->native_handle());
    if (fd < 0) {
      co_return TransportError{ErrorCode::LocalFailure, "out of file descriptors", host_id};
    }
    ::fcntl(fd, F_SETFD, FD_CLOEXEC);
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
    co_return fd;
  }
  co_return last;
}

}  // namespace dci::transport
