#include "transport/ssh/ssh_transport.h"

#include <cmath>
#include <cstdlib>

#include "transport/remote_command.h"
#include "transport/ssh/ssh_connection.h"

namespace dci::transport {
namespace {

std::string jump_proxy_command(const SshSettings& settings, bool use_ssh_config) {
  const HostAddress& jump = *settings.jump_host;
  const std::string user = jump.user.empty() ? settings.user : jump.user;
  const int port = jump.port ? jump.port : settings.port;
  const char* checking = settings.host_key_policy == HostKeyPolicy::Strict      ? "yes"
                         : settings.host_key_policy == HostKeyPolicy::AcceptNew ? "accept-new"
                                                                                : "no";
  std::string command = "ssh -o BatchMode=yes -o ConnectTimeout=" +
                        std::to_string(static_cast<int>(std::ceil(settings.connect_timeout_s))) +
                        " -o UserKnownHostsFile=" + shell_quote(settings.known_hosts_path) +
                        " -o StrictHostKeyChecking=" + checking;
  if (!use_ssh_config) command += " -F none";
  if (!settings.key_path.empty()) command += " -i " + shell_quote(settings.key_path);
  const bool ipv6 = jump.address.find(':') != std::string::npos;
  command += " -p " + std::to_string(port) + " -W '[%h]:%p' " +
             shell_quote(user + "@" + (ipv6 ? "[" + jump.address + "]" : jump.address));
  return command;
}

}  // namespace

Result<std::unique_ptr<SshTransport>> SshTransport::create(Executor executor, SshSettings settings,
                                                           SshTransportOptions options) {
  ssh_init();
  std::unique_ptr<SshTransport> transport(new SshTransport());
  SshContext& context = transport->m_context;
  context.executor = std::move(executor);
  context.use_ssh_config = options.use_ssh_config;
  context.warn = options.warn;
  auto known_hosts = KnownHosts::load(settings.known_hosts_path);
  if (!known_hosts) return known_hosts.error();
  context.known_hosts = std::move(*known_hosts);

  auto getenv = options.getenv ? options.getenv
                               : [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    return value ? std::optional<std::string>(value) : std::nullopt;
  };
  if (!settings.key_path.empty()) {
    std::optional<std::string> passphrase;
    if (!settings.passphrase_env.empty()) passphrase = getenv(settings.passphrase_env);
    ssh_key key = nullptr;
    const int rc = ssh_pki_import_privkey_file(settings.key_path.c_str(),
                                               passphrase ? passphrase->c_str() : nullptr,
                                               nullptr, nullptr, &key);
    if (rc == SSH_OK && key) {
      context.key.reset(key);
    } else {
      const std::string why =
          "cannot load the private key " + settings.key_path +
          (passphrase ? " (wrong passphrase in $" + settings.passphrase_env + "?)"
                      : " (encrypted? set ssh_key_passphrase_env, or load it into ssh-agent)");
      if (settings.use_agent) {
        if (context.warn) context.warn("warning: " + why + "; using ssh-agent only");
      } else {
        context.key_error = TransportError{ErrorCode::LocalFailure, why, ""};
      }
    }
  }
  if (settings.jump_host) {
    context.proxy_command = jump_proxy_command(settings, options.use_ssh_config);
  }
  context.settings = std::move(settings);
  return transport;
}

Task<Outcome<std::unique_ptr<Session>>> SshTransport::connect(HostTarget host) {
  co_return co_await SshConnection::open(m_context, std::move(host));
}

}  // namespace dci::transport
