#pragma once
// Real sshd servers for integration tests, started by the test itself on loopback (127.0.0.x and
// ::1) with generated host and client keys, a clean HOME (root's shell rc files never run) and
// raised MaxStartups/MaxSessions. Each server is stopped by its PID when the fixture dies.
// Also: the shared fleet from $DCINSTALL_TEST_FLEET when the test runner provides one.

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "config/cluster_config.h"
#include "transport/transport.h"

namespace dci::test {

class SshdFixture {
 public:
  // Starts sshd listening on `addresses` (e.g. 127.0.0.1, ::1) at a free port, with
  // `authorized_keys` (contents). Aborts the test binary when sshd cannot start.
  // The first address must be 127.0.0.1 (readiness is probed there).
  SshdFixture(std::vector<std::string> addresses, std::string authorized_keys);
  ~SshdFixture();
  SshdFixture(const SshdFixture&) = delete;
  SshdFixture& operator=(const SshdFixture&) = delete;

  int port() const { return m_port; }
  const std::string& dir() const { return m_dir; }
  // known_hosts lines ("[addr]:port ssh-ed25519 KEY") for every address.
  std::string known_hosts() const;
  std::string host_key_line() const { return m_host_key; }  // "ssh-ed25519 KEY"
  void stop();

 private:
  std::vector<std::string> m_addresses;
  std::string m_dir;
  std::string m_host_key;
  int m_port = 0;
  pid_t m_pid = -1;
};

// Keys and a shared server for the tests of one process. Keys live in a temp dir:
//   id_ed25519 (authorized), id_encrypted (authorized, passphrase "correct horse"),
//   id_other (not authorized anywhere).
struct TestKeys {
  std::string dir;
  std::string key;
  std::string encrypted_key;
  std::string other_key;
  std::string public_key;  // contents of id_ed25519.pub
  std::string encrypted_public_key;
};
const TestKeys& test_keys();

// The process-wide loopback sshd on 127.0.0.1, 127.0.0.2, 127.0.0.3 and ::1 with both keys
// authorized.
SshdFixture& shared_sshd();

// Settings for `shared_sshd()`: root, its port, id_ed25519, a known_hosts file written with
// the server's key, strict policy, short timeouts.
SshSettings local_settings();
transport::HostTarget local_host(const std::string& address = "127.0.0.1");

// The fleet from $DCINSTALL_TEST_FLEET, when set: its hosts and settings (strict known_hosts).
struct Fleet {
  std::string dir;
  std::vector<std::string> hosts;
  SshSettings settings;
};
std::optional<Fleet> test_fleet();

// A fresh temp file path (the file is not created).
std::string temp_path(const std::string& name);
std::string read_file(const std::string& path);
void write_file(const std::string& path, const std::string& text, unsigned mode = 0600);
// Runs a shell command locally; returns its exit status.
int run_shell(const std::string& command);

}  // namespace dci::test
