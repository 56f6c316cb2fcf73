#pragma once
// The libssh Session: one SSH connection to one host, driven non-blocking on the Asio loop (no
// thread per host). exec() and upload() each use their own channel, so several may run at once.
// Lifetime: the SshContext outlives the connection; the connection outlives its operations.

#include <memory>

#include "transport/ssh/session_io.h"
#include "transport/ssh/ssh_context.h"
#include "transport/ssh/ssh_handles.h"
#include "transport/transport.h"

namespace dci::transport {

class SshConnection final : public Session {
 public:
  // Resolves, connects, verifies the host key and authenticates within connect_timeout_s.
  static Task<Outcome<std::unique_ptr<Session>>> open(SshContext& context, HostTarget host);

  ~SshConnection() override;

  const HostTarget& host() const override { return m_host; }
  Task<Outcome<ExecResult>> exec(ExecRequest request, OutputSink sink) override;
  Task<Outcome<UploadResult>> upload(UploadRequest request) override;
  Task<void> close() override;

 private:
  SshConnection(SshContext& context, HostTarget host);

  Task<Outcome<Ok>> connect(TimePoint deadline);
  Outcome<Ok> verify_host_key();
  Task<Outcome<Ok>> authenticate(TimePoint deadline);
  // Runs one authentication call until it is no longer SSH_AUTH_AGAIN.
  template <typename Call>
  Task<int> auth_step(Call call, TimePoint deadline);
  TransportError error(ErrorCode code, std::string message) const;
  TransportError ssh_error(const std::string& during) const;
  bool sudo_for(std::optional<bool> request) const;

  SshContext& m_context;
  HostTarget m_host;
  std::string m_id;
  std::string m_remote_host;  // after ~/.ssh/config's HostName
  int m_remote_port = 22;
  std::string m_remote_user;
  SessionHandle m_session;
  SessionIo m_io;
};

}  // namespace dci::transport
