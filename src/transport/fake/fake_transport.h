#pragma once
// A Transport for unit tests: hosts are scripted (refuse the first attempts, never answer, answer
// each command with given output/exit/latency, hang) and all time is a FakeClock's, so 10,000
// hosts with timeouts and backoffs run in milliseconds. Records what happened for assertions.
// Single-threaded; the clock outlives the transport, the transport outlives its sessions.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/cluster_config.h"
#include "transport/fake/fake_clock.h"
#include "transport/transport.h"

namespace dci::transport {

struct FakeExecReply {
  std::optional<int> exit_status = 0;
  std::string signal;
  std::string stdout_text;
  size_t stdout_repeat = 1;  // stdout_text is written this many times, one chunk each
  std::string stderr_text;
  double seconds = 0.001;
  bool hang = false;                // runs until the timeout kills it
  std::optional<ErrorCode> error;   // the connection breaks with this instead
};

struct FakeHostBehavior {
  std::vector<ErrorCode> connect_failures;  // the first attempts fail with these, in order
  double connect_seconds = 0.005;
  bool never_answers = false;  // every attempt runs into connect_timeout_s
  std::function<FakeExecReply(const std::string& command)> on_exec;  // default: exit 0 at once
  double upload_seconds = 0.001;
};

class FakeTransport final : public Transport {
 public:
  // Uses `settings`' connect_timeout_s and command_timeout_s.
  FakeTransport(FakeClock& clock, SshSettings settings);
  ~FakeTransport() override;

  void set_default(FakeHostBehavior behavior) { m_default = std::move(behavior); }
  void set_host(const std::string& address, FakeHostBehavior behavior);

  Task<Outcome<std::unique_ptr<Session>>> connect(HostTarget host) override;

  // What happened.
  int connect_attempts(const std::string& address) const;
  size_t total_connect_attempts() const { return m_total_attempts; }
  size_t open_sessions() const { return m_open_sessions; }
  size_t peak_open_sessions() const { return m_peak_open_sessions; }
  size_t commands_run() const { return m_commands_run; }
  // Files uploaded to `address` (path -> bytes); only for hosts set with set_host().
  const std::map<std::string, std::string>* files(const std::string& address) const;

 private:
  friend class FakeSession;
  struct HostState {
    FakeHostBehavior behavior;
    bool scripted = false;
    int attempts = 0;
    std::map<std::string, std::string> files;
  };
  HostState& state(const std::string& address);

  FakeClock& m_clock;
  SshSettings m_settings;
  FakeHostBehavior m_default;
  std::map<std::string, HostState> m_hosts;
  size_t m_total_attempts = 0;
  size_t m_open_sessions = 0;
  size_t m_peak_open_sessions = 0;
  size_t m_commands_run = 0;
};

}  // namespace dci::transport
