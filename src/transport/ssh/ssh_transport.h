#pragma once
// The real Transport: libssh sessions driven non-blocking on one Asio io_context.
// One SshTransport per run: it reads known_hosts and decrypts the private key once.
// Not thread-safe; outlives every Session it returns.

#include <functional>
#include <memory>
#include <string>

#include "config/cluster_config.h"
#include "transport/ssh/ssh_context.h"
#include "transport/transport.h"
#include "util/result.h"

namespace dci::transport {

struct SshTransportOptions {
  bool use_ssh_config = true;                     // honour ~/.ssh/config and /etc/ssh/ssh_config
  std::function<void(const std::string&)> warn;   // one-line warnings (host key policy off...)
  std::function<std::optional<std::string>(const std::string&)> getenv;  // default: the process's
};

class SshTransport final : public Transport {
 public:
  // Errors: an unreadable known_hosts file. A key that cannot be loaded is reported per host
  // (LocalFailure) unless ssh-agent is configured too, then it is a warning.
  static Result<std::unique_ptr<SshTransport>> create(Executor executor, SshSettings settings,
                                                       SshTransportOptions options = {});

  Task<Outcome<std::unique_ptr<Session>>> connect(HostTarget host) override;

  // The ProxyCommand used for ssh_jump_host ("" without one).
  const std::string& proxy_command() const { return m_context.proxy_command; }

 private:
  SshTransport() = default;
  SshContext m_context;
};

}  // namespace dci::transport
