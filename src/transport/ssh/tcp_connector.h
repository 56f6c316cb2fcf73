#pragma once
// Resolves a host and opens a TCP connection within a deadline on the Asio loop (no blocking
// lookup or connect), with typed errors. The socket is then handed to libssh.

#include <string>

#include "transport/asio.h"
#include "transport/transport_error.h"

namespace dci::transport {

// A connected, non-blocking TCP socket (TCP_NODELAY set); the caller owns the fd.
// `host_id` is only for error messages.
Task<Outcome<int>> tcp_connect(std::string address, int port, TimePoint deadline,
                               std::string host_id);

}  // namespace dci::transport
