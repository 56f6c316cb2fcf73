#include "sshd_fixture.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "util/strings.h"

namespace dci::test {
namespace {

std::string make_temp_dir(const std::string& prefix) {
  std::string pattern = (std::filesystem::temp_directory_path() / (prefix + "XXXXXX")).string();
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

bool port_free(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return free;
}

bool port_accepts(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return ok;
}


}  // namespace

std::string temp_path(const std::string& name) {
  static std::atomic<int> counter{0};
  return (std::filesystem::temp_directory_path() /
          ("dci-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + "-" + name))
      .string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

void write_file(const std::string& path, const std::string& text, unsigned mode) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  ::chmod(path.c_str(), mode);
}

int run_shell(const std::string& command) {
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

SshdFixture::SshdFixture(std::vector<std::string> addresses, std::string authorized_keys)
    : m_addresses(std::move(addresses)), m_dir(make_temp_dir("dci-sshd-")) {
  ::mkdir("/run/sshd", 0755);
  const std::string home = m_dir + "/home";
  ::mkdir(home.c_str(), 0700);
  if (run_shell("ssh-keygen -q -t ed25519 -N '' -f " + m_dir + "/host_ed25519") != 0) {
    throw std::runtime_error("ssh-keygen failed");
  }
  const std::string pub = read_file(m_dir + "/host_ed25519.pub");
  std::istringstream fields(pub);
  std::string type, key;
  fields >> type >> key;
  m_host_key = type + " " + key;
  write_file(m_dir + "/authorized_keys", authorized_keys, 0600);

  std::mt19937 random(static_cast<unsigned>(::getpid()) * 7919u +
                      static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count()));
  for (int tries = 0; tries < 50; ++tries) {
    m_port = 20000 + static_cast<int>(random() % 30000);
    if (!port_free(m_port)) continue;
    std::string config;
    config += "Port " + std::to_string(m_port) + "\n";
    for (const auto& address : m_addresses) config += "ListenAddress " + address + "\n";
    config += "HostKey " + m_dir + "/host_ed25519\n"
              "PidFile " + m_dir + "/sshd.pid\n"
              "AuthorizedKeysFile " + m_dir + "/authorized_keys\n"
              "StrictModes no\nUsePAM no\nPasswordAuthentication no\n"
              "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\n"
              "MaxStartups 2000:30:4000\nMaxSessions 200\nLogLevel ERROR\n"
              "SetEnv HOME=" + home + "\n";
    write_file(m_dir + "/sshd_config", config, 0600);
    m_pid = ::fork();
    if (m_pid == 0) {
      const std::string config_path = m_dir + "/sshd_config";
      const std::string log_path = m_dir + "/sshd.log";
      ::execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-f", config_path.c_str(), "-E", log_path.c_str(),
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    for (int wait = 0; wait < 100; ++wait) {
      if (port_accepts(m_port)) return;
      int status = 0;
      if (::waitpid(m_pid, &status, WNOHANG) == m_pid) {
        m_pid = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    stop();
  }
  throw std::runtime_error("cannot start sshd; see " + m_dir + "/sshd.log");
}

SshdFixture::~SshdFixture() {
  stop();
  std::error_code ignored;
  std::filesystem::remove_all(m_dir, ignored);
}

void SshdFixture::stop() {
  if (m_pid > 0) {
    ::kill(m_pid, SIGTERM);
    int status = 0;
    ::waitpid(m_pid, &status, 0);
    m_pid = -1;
  }
}

std::string SshdFixture::known_hosts() const {
  std::string out;
  for (const auto& address : m_addresses) {
    out += "[" + address + "]:" + std::to_string(m_port) + " " + m_host_key + "\n";
  }
  return out;
}

const TestKeys& test_keys() {
  static const TestKeys keys = [] {
    TestKeys out;
    out.dir = make_temp_dir("dci-keys-");
    out.key = out.dir + "/id_ed25519";
    out.encrypted_key = out.dir + "/id_encrypted";
    out.other_key = out.dir + "/id_other";
    const bool ok =
        run_shell("ssh-keygen -q -t ed25519 -N '' -f " + out.key) == 0 &&
        run_shell("ssh-keygen -q -t ed25519 -N 'correct horse' -f " + out.encrypted_key) == 0 &&
        run_shell("ssh-keygen -q -t ed25519 -N '' -f " + out.other_key) == 0;
    if (!ok) throw std::runtime_error("ssh-keygen failed");
    out.public_key = read_file(out.key + ".pub");
    out.encrypted_public_key = read_file(out.encrypted_key + ".pub");
    return out;
  }();
  return keys;
}

SshdFixture& shared_sshd() {
  static SshdFixture sshd({"127.0.0.1", "127.0.0.2", "127.0.0.3", "::1"},
                          test_keys().public_key + test_keys().encrypted_public_key);
  return sshd;
}

SshSettings local_settings() {
  SshdFixture& sshd = shared_sshd();
  SshSettings settings;
  settings.user = "root";
  settings.port = sshd.port();
  settings.key_path = test_keys().key;
  settings.known_hosts_path = sshd.dir() + "/known_hosts";
  write_file(settings.known_hosts_path, sshd.known_hosts());
  settings.host_key_policy = HostKeyPolicy::Strict;
  settings.connect_timeout_s = 5;
  settings.command_timeout_s = 30;
  settings.retries = 0;
  settings.parallelism = 50;
  return settings;
}

transport::HostTarget local_host(const std::string& address) {
  return transport::HostTarget{address, shared_sshd().port(), "root"};
}

std::optional<Fleet> test_fleet() {
  const char* dir = std::getenv("DCINSTALL_TEST_FLEET");
  if (!dir || !*dir) return std::nullopt;
  Fleet fleet;
  fleet.dir = dir;
  for (const std::string& line : split(read_file(fleet.dir + "/hosts"), '\n')) {
    if (!trim(line).empty()) fleet.hosts.emplace_back(trim(line));
  }
  fleet.settings.user = "root";
  fleet.settings.key_path = fleet.dir + "/id_ed25519";
  fleet.settings.known_hosts_path = fleet.dir + "/known_hosts";
  fleet.settings.connect_timeout_s = 10;
  fleet.settings.command_timeout_s = 60;
  fleet.settings.retries = 0;
  for (const std::string& line : split(read_file(fleet.dir + "/config-fragment.yaml"), '\n')) {
    if (starts_with(line, "ssh_port:")) fleet.settings.port = std::stoi(std::string(trim(line.substr(9))));
  }
  if (fleet.hosts.empty()) return std::nullopt;
  return fleet;
}

}  // namespace dci::test
