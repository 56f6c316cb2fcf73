#include "transport/fake/fake_transport.h"

#include <algorithm>

#include "transport/remote_command.h"

namespace dci::transport {

// One fake connection: counts itself open until closed or destroyed.
class FakeSession final : public Session {
 public:
  FakeSession(FakeTransport& transport, HostTarget host, FakeTransport::HostState& state)
      : m_transport(transport), m_host(std::move(host)), m_state(state) {
    ++m_transport.m_open_sessions;
    m_transport.m_peak_open_sessions =
        std::max(m_transport.m_peak_open_sessions, m_transport.m_open_sessions);
  }
  ~FakeSession() override { mark_closed(); }

  const HostTarget& host() const override { return m_host; }

  Task<Outcome<ExecResult>> exec(ExecRequest request, OutputSink sink) override {
    ++m_transport.m_commands_run;
    const FakeHostBehavior& behavior = m_state.behavior;
    FakeExecReply reply = behavior.on_exec ? behavior.on_exec(request.command) : FakeExecReply{};
    const double timeout = request.timeout_s.value_or(m_transport.m_settings.command_timeout_s);
    FakeClock& clock = m_transport.m_clock;
    const TimePoint start = clock.now();
    if (reply.hang || reply.seconds > timeout) {
      co_await clock.sleep_for(seconds_to_duration(timeout));
      co_return TransportError{ErrorCode::CommandTimeout,
                               "command ran longer than " + format_seconds(timeout) +
                                   " s and was killed on the host",
                               m_host.id()};
    }
    co_await clock.sleep_for(seconds_to_duration(reply.seconds));
    if (reply.error) co_return TransportError{*reply.error, "scripted failure", m_host.id()};
    for (size_t i = 0; sink && !reply.stdout_text.empty() && i < reply.stdout_repeat; ++i) {
      sink(OutputStream::Stdout, reply.stdout_text);
    }
    if (sink && !reply.stderr_text.empty()) sink(OutputStream::Stderr, reply.stderr_text);
    if (reply.exit_status == k_exit_not_found) {
      co_return TransportError{ErrorCode::CommandNotFound, "command not found: " + request.command,
                               m_host.id()};
    }
    ExecResult result;
    result.exit_status = reply.exit_status;
    result.signal = reply.signal;
    result.seconds = to_seconds(clock.now() - start);
    co_return result;
  }

  Task<Outcome<UploadResult>> upload(UploadRequest request) override {
    FakeClock& clock = m_transport.m_clock;
    const TimePoint start = clock.now();
    co_await clock.sleep_for(seconds_to_duration(m_state.behavior.upload_seconds));
    if (m_state.scripted) {
      m_state.files[request.remote_path] = std::string(request.source->bytes());
    }
    co_return UploadResult{request.source->bytes().size(), to_seconds(clock.now() - start)};
  }

  Task<void> close() override {
    mark_closed();
    co_return;
  }

 private:
  void mark_closed() {
    if (m_open) {
      m_open = false;
      --m_transport.m_open_sessions;
    }
  }

  FakeTransport& m_transport;
  HostTarget m_host;
  FakeTransport::HostState& m_state;
  bool m_open = true;
};

FakeTransport::FakeTransport(FakeClock& clock, SshSettings settings)
    : m_clock(clock), m_settings(std::move(settings)) {}

FakeTransport::~FakeTransport() = default;

void FakeTransport::set_host(const std::string& address, FakeHostBehavior behavior) {
  HostState& host = m_hosts[address];
  host.behavior = std::move(behavior);
  host.scripted = true;
}

FakeTransport::HostState& FakeTransport::state(const std::string& address) {
  auto it = m_hosts.find(address);
  if (it != m_hosts.end()) return it->second;
  HostState& host = m_hosts[address];
  host.behavior = m_default;
  return host;
}

Task<Outcome<std::unique_ptr<Session>>> FakeTransport::connect(HostTarget host) {
  HostState& state = this->state(host.address);
  const int attempt = state.attempts++;
  ++m_total_attempts;
  const FakeHostBehavior& behavior = state.behavior;
  if (behavior.never_answers) {
    co_await m_clock.sleep_for(seconds_to_duration(m_settings.connect_timeout_s));
    co_return TransportError{ErrorCode::ConnectTimeout,
                             "no answer within " + format_seconds(m_settings.connect_timeout_s) +
                                 " s",
                             host.id()};
  }
  co_await m_clock.sleep_for(seconds_to_duration(behavior.connect_seconds));
  if (static_cast<size_t>(attempt) < behavior.connect_failures.size()) {
    co_return TransportError{behavior.connect_failures[attempt], "scripted connect failure",
                             host.id()};
  }
  co_return std::unique_ptr<Session>(std::make_unique<FakeSession>(*this, std::move(host), state));
}

int FakeTransport::connect_attempts(const std::string& address) const {
  auto it = m_hosts.find(address);
  return it == m_hosts.end() ? 0 : it->second.attempts;
}

const std::map<std::string, std::string>* FakeTransport::files(const std::string& address) const {
  auto it = m_hosts.find(address);
  return it == m_hosts.end() ? nullptr : &it->second.files;
}

}  // namespace dci::transport
