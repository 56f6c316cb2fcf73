#pragma once
// What every connection of one SshTransport shares: the settings, the known_hosts store, the
// private key (decrypted once per run, not once per host), the warning sink. Owned by
// SshTransport; connections hold a reference, so the transport must outlive them.

#include <functional>
#include <optional>
#include <string>

#include "config/cluster_config.h"
#include "transport/asio.h"
#include "transport/ssh/known_hosts.h"
#include "transport/ssh/ssh_handles.h"
#include "transport/transport_error.h"

namespace dci::transport {

struct SshContext {
  Executor executor;
  SshSettings settings;
  bool use_ssh_config = true;
  KnownHosts known_hosts;
  KeyHandle key;                                   // from settings.key_path, when set and loaded
  std::optional<TransportError> key_error;         // why the key could not be loaded
  std::string proxy_command;                       // for ssh_jump_host; "" when none
  std::function<void(const std::string&)> warn;    // one line, no newline; may be empty
  bool warned_host_key_off = false;
};

}  // namespace dci::transport
