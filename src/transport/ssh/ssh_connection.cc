#include "transport/ssh/ssh_connection.h"

#include <unistd.h>

#include "transport/remote_command.h"
#include "transport/ssh/channel_run.h"
#include "transport/ssh/tcp_connector.h"
#include "util/strings.h"

namespace dci::transport {
namespace {

constexpr double k_client_margin_s = 2;  // the host-side timeout fires first

bool write_pending(ssh_session session) {
  return (ssh_get_poll_flags(session) & SSH_WRITE_PENDING) != 0;
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

std::string last_line(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  const size_t newline = text.rfind('\n');
  return newline == std::string::npos ? text : text.substr(newline + 1);
}

// Host key algorithms to ask for, so the server presents a key known_hosts can check.
std::string host_key_algorithms(const std::vector<std::string>& types) {
  std::string out;
  for (const std::string& type : types) {
    if (starts_with(type, "@") || contains(type, "-cert-")) continue;
    const std::string names =
        type == "ssh-rsa" ? "rsa-sha2-512,rsa-sha2-256,ssh-rsa" : type;
    out += (out.empty() ? "" : ",") + names;
  }
  return out;
}

std::optional<std::string> option_text(ssh_session session, ssh_options_e option) {
  char* value = nullptr;
  if (ssh_options_get(session, option, &value) != SSH_OK || !value) return std::nullopt;
  SshText owned(value);
  return std::string(value);
}

}  // namespace

SshConnection::SshConnection(SshContext& context, HostTarget host)
    : m_context(context),
      m_host(std::move(host)),
      m_id(m_host.id()),
      m_session(ssh_new()),
      m_io(context.executor) {}

SshConnection::~SshConnection() { m_io.detach(); }

TransportError SshConnection::error(ErrorCode code, std::string message) const {
  return TransportError{code, std::move(message), m_id};
}

TransportError SshConnection::ssh_error(const std::string& during) const {
  const std::string detail = ssh_get_error(m_session.get());
  ErrorCode code = ErrorCode::ConnectionLost;
  const std::string lower = to_lower(detail);
  if (contains(lower, "connection refused")) code = ErrorCode::ConnectRefused;
  if (contains(lower, "timeout") || contains(lower, "timed out")) code = ErrorCode::ConnectTimeout;
  if (contains(lower, "no match for method") || contains(lower, "kex error") ||
      contains(lower, "algorithm") || contains(lower, "negotiat")) {
    code = ErrorCode::Protocol;
  }
  return error(code, during + ": " + (detail.empty() ? "connection lost" : detail));
}

Task<Outcome<std::unique_ptr<Session>>> SshConnection::open(SshContext& context,
                                                            HostTarget host) {
  if (context.key_error) {
    TransportError failure = *context.key_error;
    failure.host = host.id();
    co_return failure;
  }
  std::unique_ptr<SshConnection> connection(new SshConnection(context, std::move(host)));
  if (!connection->m_session) {
    co_return connection->error(ErrorCode::LocalFailure, "cannot allocate an SSH session");
  }
  const TimePoint deadline =
      std::chrono::steady_clock::now() + seconds_to_duration(context.settings.connect_timeout_s);
  auto connected = co_await connection->connect(deadline);
  if (!connected) co_return connected.error();
  if (auto verified = connection->verify_host_key(); !verified) co_return verified.error();
  auto authenticated = co_await connection->authenticate(deadline);
  if (!authenticated) co_return authenticated.error();
  co_return std::unique_ptr<Session>(std::move(connection));
}

Task<Outcome<Ok>> SshConnection::connect(TimePoint deadline) {
  ssh_session session = m_session.get();
  ssh_set_blocking(session, 0);
  bool process_config = false;
  ssh_options_set(session, SSH_OPTIONS_PROCESS_CONFIG, &process_config);
  ssh_options_set(session, SSH_OPTIONS_HOST, m_host.address.c_str());
  if (m_context.use_ssh_config) ssh_options_parse_config(session, nullptr);
  // Our config's explicit values win over ~/.ssh/config; its defaults do not.
  if (m_host.user_explicit || !option_text(session, SSH_OPTIONS_USER)) {
    ssh_options_set(session, SSH_OPTIONS_USER, m_host.user.c_str());
  }
  if (m_host.port_explicit) {
    unsigned int port = static_cast<unsigned int>(m_host.port);
    ssh_options_set(session, SSH_OPTIONS_PORT, &port);
  }
  // Host keys are checked against our own store (read once per run), not by libssh.
  ssh_options_set(session, SSH_OPTIONS_KNOWNHOSTS, "/dev/null");
  ssh_options_set(session, SSH_OPTIONS_GLOBAL_KNOWNHOSTS, "/dev/null");
  if (!m_context.proxy_command.empty()) {
    ssh_options_set(session, SSH_OPTIONS_PROXYCOMMAND, m_context.proxy_command.c_str());
  }

  m_remote_host = option_text(session, SSH_OPTIONS_HOST).value_or(m_host.address);
  unsigned int port = 22;
  ssh_options_get_port(session, &port);
  m_remote_port = static_cast<int>(port);
  m_remote_user = option_text(session, SSH_OPTIONS_USER).value_or(m_host.user);
  const std::string algorithms =
      host_key_algorithms(m_context.known_hosts.key_types(m_remote_host, m_remote_port));
  if (!algorithms.empty() && m_context.settings.host_key_policy != HostKeyPolicy::Off) {
    ssh_options_set(session, SSH_OPTIONS_HOSTKEYS, algorithms.c_str());
  }

  if (!option_text(session, SSH_OPTIONS_PROXYCOMMAND)) {
    auto fd = co_await tcp_connect(m_remote_host, m_remote_port, deadline, m_id);
    if (!fd) co_return fd.error();
    int socket = *fd;
    ssh_options_set(session, SSH_OPTIONS_FD, &socket);
    m_io.attach(socket);
  }
  for (;;) {
    const int rc = m_io.call([&] { return ssh_connect(session); });
    if (m_io.fd() < 0 && ssh_get_fd(session) >= 0) m_io.attach(ssh_get_fd(session));
    if (rc == SSH_OK) co_return Ok{};
    if (rc == SSH_ERROR) co_return ssh_error("SSH handshake");
    if (!co_await m_io.wait(write_pending(session), deadline)) {
      co_return error(ErrorCode::ConnectTimeout,
                      "no SSH handshake within " +
                          format_seconds(m_context.settings.connect_timeout_s) +
                          " s (connect_timeout_s): the host accepts TCP but does not answer");
    }
  }
}

Outcome<Ok> SshConnection::verify_host_key() {
  ssh_key raw = nullptr;
  if (ssh_get_server_publickey(m_session.get(), &raw) != SSH_OK || !raw) {
    return error(ErrorCode::Protocol, "the server sent no host key");
  }
  KeyHandle key(raw);
  const char* type_name = ssh_key_type_to_char(ssh_key_type(key.get()));
  const std::string type = type_name ? type_name : "unknown";
  char* base64_raw = nullptr;
  if (ssh_pki_export_pubkey_base64(key.get(), &base64_raw) != SSH_OK || !base64_raw) {
    return error(ErrorCode::Protocol, "cannot read the server's host key");
  }
  SshText base64(base64_raw);
  unsigned char* hash = nullptr;
  size_t hash_length = 0;
  std::string fingerprint = "?";
  if (ssh_get_publickey_hash(key.get(), SSH_PUBLICKEY_HASH_SHA256, &hash, &hash_length) == 0) {
    SshText text(ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, hash_length));
    if (text) fingerprint = text.get();
    ssh_clean_pubkey_hash(&hash);
  }

  const SshSettings& settings = m_context.settings;
  if (settings.host_key_policy == HostKeyPolicy::Off) {
    if (!m_context.warned_host_key_off && m_context.warn) {
      m_context.warn("warning: ssh_host_key_policy is off: host keys are not checked, so anyone "
                     "on the network path can impersonate the hosts");
    }
    m_context.warned_host_key_off = true;
    return Ok{};
  }
  KnownHosts& store = m_context.known_hosts;
  const std::string name = KnownHosts::host_name(m_remote_host, m_remote_port);
  switch (store.check(m_remote_host, m_remote_port, type, base64.get())) {
    case KnownHosts::Verdict::Match:
      return Ok{};
    case KnownHosts::Verdict::Revoked:
      return error(ErrorCode::HostKeyChanged, "the host key " + type + " " + fingerprint +
                                                  " is marked @revoked in " + store.path());
    case KnownHosts::Verdict::Changed:
      return error(ErrorCode::HostKeyChanged,
                   "the host key has CHANGED: the server offers " + type + " " + fingerprint +
                       " but " + store.path() + " has a different key for " + name +
                       ". Someone may be intercepting the connection; if the host was "
                       "reinstalled, remove the old key with: ssh-keygen -R '" + name +
                       "' -f " + store.path());
    case KnownHosts::Verdict::Unknown:
      break;
  }
  if (settings.host_key_policy == HostKeyPolicy::Strict) {
    return error(ErrorCode::HostKeyUnknown,
                 "unknown host key " + type + " " + fingerprint + ": " + name +
                     " is not in " + store.path() +
                     " (ssh_host_key_policy: strict). Check the fingerprint and add it, e.g. "
                     "ssh-keyscan -p " + std::to_string(m_remote_port) + " " + m_remote_host +
                     " >> " + store.path() + ", or use ssh_host_key_policy: accept-new");
  }
  auto added = store.add(m_remote_host, m_remote_port, type, base64.get());
  if (!added) return error(ErrorCode::LocalFailure, added.error().to_string());
  return Ok{};
}

template <typename Call>
Task<int> SshConnection::auth_step(Call call, TimePoint deadline) {
  for (;;) {
    const int rc = m_io.call(call);
    if (rc != SSH_AUTH_AGAIN) co_return rc;
    if (!co_await m_io.wait(write_pending(m_session.get()), deadline)) co_return SSH_AUTH_AGAIN;
  }
}

Task<Outcome<Ok>> SshConnection::authenticate(TimePoint deadline) {
  ssh_session session = m_session.get();
  const SshSettings& settings = m_context.settings;
  std::vector<std::string> tried;
  auto outcome = [&](int rc, const std::string& method) -> std::optional<Outcome<Ok>> {
    if (rc == SSH_AUTH_SUCCESS) return Outcome<Ok>(Ok{});
    if (rc == SSH_AUTH_AGAIN) {
      return Outcome<Ok>(error(ErrorCode::ConnectTimeout,
                               "authentication did not finish within connect_timeout_s"));
    }
    if (rc == SSH_AUTH_ERROR) return Outcome<Ok>(ssh_error("authentication"));
    tried.push_back(method + (rc == SSH_AUTH_PARTIAL ? " (partial: more methods required)"
                                                     : " (refused)"));
    return std::nullopt;
  };
  if (m_context.key) {
    const int rc = co_await auth_step(
        [&] { return ssh_userauth_publickey(session, nullptr, m_context.key.get()); }, deadline);
    if (auto done = outcome(rc, "key " + settings.key_path)) co_return *done;
  }
  if (settings.use_agent) {
    const int rc = co_await auth_step([&] { return ssh_userauth_agent(session, nullptr); },
                                      deadline);
    if (auto done = outcome(rc, "ssh-agent keys")) co_return *done;
  }
  if (!m_context.key && !settings.use_agent) {
    const int rc = co_await auth_step(
        [&] { return ssh_userauth_publickey_auto(session, nullptr, nullptr); }, deadline);
    if (auto done = outcome(rc, "default keys (~/.ssh/id_*, IdentityFile, ssh-agent)")) {
      co_return *done;
    }
  }
  co_return error(ErrorCode::AuthFailed,
                  "permission denied for user '" + m_remote_user + "'; tried: " + join(tried, ", ") +
                      ". Check that the public key is in ~" + m_remote_user +
                      "/.ssh/authorized_keys on the host");
}

bool SshConnection::sudo_for(std::optional<bool> request) const {
  return wants_sudo(m_context.settings.sudo, m_remote_user, request);
}

Task<Outcome<ExecResult>> SshConnection::exec(ExecRequest request, OutputSink sink) {
  const double timeout = request.timeout_s.value_or(m_context.settings.command_timeout_s);
  const bool sudo = sudo_for(request.sudo);
  const std::string line = exec_command_line(request.command, sudo, timeout);
  const TimePoint start = std::chrono::steady_clock::now();
  const TimePoint deadline =
      start + seconds_to_duration(timeout + k_kill_grace_s + k_client_margin_s);
  ChannelRun run(m_session.get(), m_io, m_id);
  const std::string no_input;
  auto outcome = co_await run.run(line, request.stdin_data ? *request.stdin_data : no_input, sink,
                                  deadline);
  if (!outcome) co_return outcome.error();
  const double elapsed = to_seconds(std::chrono::steady_clock::now() - start);
  const std::optional<int> status = outcome->exit_status;
  if (outcome->timed_out ||
      (status && (*status == k_exit_timeout || *status == k_exit_timeout_killed) &&
       elapsed >= timeout * 0.98)) {
    co_return error(ErrorCode::CommandTimeout,
                    "the command ran longer than " + format_seconds(timeout) +
                        " s (command_timeout_s) and was killed on the host");
  }
  if (status && *status == k_exit_not_found) {
    co_return error(ErrorCode::CommandNotFound,
                    "exit 127: " + (outcome->stderr_tail.empty() ? "command not found"
                                                                 : last_line(outcome->stderr_tail)));
  }
  if (sudo && status && *status == 1 && starts_with(outcome->stderr_tail, "sudo: ")) {
    co_return error(ErrorCode::RemoteFailure,
                    "sudo refused (ssh_sudo needs passwordless sudo for '" + m_remote_user +
                        "'): " + last_line(outcome->stderr_tail));
  }
  ExecResult result;
  result.exit_status = status;
  result.signal = outcome->signal;
  result.seconds = elapsed;
  co_return result;
}

Task<Outcome<UploadResult>> SshConnection::upload(UploadRequest request) {
  const double timeout = request.timeout_s.value_or(m_context.settings.command_timeout_s);
  const bool sudo = sudo_for(request.sudo);
  const std::string line = upload_command_line(request.remote_path, request.mode,
                                               request.source->sha256_hex(), sudo);
  const TimePoint start = std::chrono::steady_clock::now();
  ChannelRun run(m_session.get(), m_io, m_id);
  const OutputSink ignore;
  auto outcome = co_await run.run(line, request.source->bytes(), ignore,
                                  start + seconds_to_duration(timeout));
  if (!outcome) co_return outcome.error();
  const double elapsed = to_seconds(std::chrono::steady_clock::now() - start);
  if (outcome->timed_out) {
    co_return error(ErrorCode::CommandTimeout,
                    "upload to " + request.remote_path + " did not finish within " +
                        format_seconds(timeout) + " s; nothing was left at the path");
  }
  const std::optional<int> status = outcome->exit_status;
  if (status && *status == 0) co_return UploadResult{request.source->bytes().size(), elapsed};
  if (status && *status == k_exit_checksum_mismatch) {
    co_return error(ErrorCode::ChecksumMismatch,
                    "upload to " + request.remote_path + ": " + last_line(outcome->stderr_tail));
  }
  const std::string why = outcome->stderr_tail.empty()
                              ? (status ? "exit " + std::to_string(*status) : "signal " + outcome->signal)
                              : last_line(outcome->stderr_tail);
  co_return error(ErrorCode::RemoteFailure, "cannot write " + request.remote_path + ": " + why);
}

Task<void> SshConnection::close() {
  if (m_session && ssh_is_connected(m_session.get())) {
    m_io.detach();
    ssh_disconnect(m_session.get());
  }
  co_return;
}

}  // namespace dci::transport
