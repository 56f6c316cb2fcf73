// The libssh transport against real sshd: a loopback sshd started by the test (or the shared
// fleet from $DCINSTALL_TEST_FLEET where a test says so).

#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>

#include "sshd_fixture.h"
#include "transport/clock.h"
#include "transport/fan_out.h"
#include "transport/ssh/ssh_transport.h"
#include "transport/upload_source.h"
#include "util/strings.h"

namespace dci::transport {
namespace {

using test::local_host;
using test::local_settings;

template <typename T>
T run_task(asio::io_context& io, Task<T> task) {
  std::optional<T> out;
  asio::co_spawn(
      io, [&]() -> Task<void> { out.emplace(co_await std::move(task)); },
      [](std::exception_ptr error) {
        if (error) std::rethrow_exception(error);
      });
  io.restart();
  io.run();
  return std::move(*out);
}

struct Client {
  explicit Client(SshSettings settings, SshTransportOptions options = {}) {
    options.use_ssh_config = false;
    options.warn = [this](const std::string& line) { warnings.push_back(line); };
    auto created = SshTransport::create(io.get_executor(), std::move(settings), options);
    if (!created) throw std::runtime_error(created.error().to_string());
    transport = std::move(*created);
  }
  Outcome<std::unique_ptr<Session>> connect(HostTarget host) {
    return run_task(io, transport->connect(std::move(host)));
  }
  Outcome<ExecResult> exec(Session& session, std::string command, std::string* out = nullptr,
                           std::optional<double> timeout = {}, std::optional<std::string> input = {}) {
    ExecRequest request;
    request.command = std::move(command);
    request.timeout_s = timeout;
    request.stdin_data = std::move(input);
    OutputSink sink = [out](OutputStream stream, std::string_view chunk) {
      if (out && stream == OutputStream::Stdout) out->append(chunk);
    };
    return run_task(io, session.exec(std::move(request), std::move(sink)));
  }
  asio::io_context io;
  std::unique_ptr<SshTransport> transport;
  std::vector<std::string> warnings;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(SshTransportTest, ExecStreamsLargeOutputInChunks) {
  Client client(local_settings());
  auto session = client.connect(local_host());
  ASSERT_TRUE(session.ok()) << session.error().to_string();
  size_t total = 0, chunks = 0, largest = 0;
  ExecRequest request;
  request.command = "head -c 10000000 /dev/zero";
  OutputSink sink = [&](OutputStream, std::string_view chunk) {
    total += chunk.size();
    ++chunks;
    largest = std::max(largest, chunk.size());
  };
  auto result = run_task(client.io, (*session)->exec(std::move(request), std::move(sink)));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(*result->exit_status, 0);
  EXPECT_EQ(total, 10000000u);
  EXPECT_GT(chunks, 100u);          // streamed as packets arrive...
  EXPECT_LE(largest, 256u * 1024);  // ...never gathered into one buffer
}

TEST(SshTransportTest, ExecReportsExitStatusAndSignal) {
  Client client(local_settings());
  auto session = client.connect(local_host());
  ASSERT_TRUE(session.ok()) << session.error().to_string();
  auto exited = client.exec(**session, "echo out; echo err >&2; exit 3");
  ASSERT_TRUE(exited.ok()) << exited.error().to_string();
  EXPECT_EQ(exited->exit_status, 3);
  auto killed = client.exec(**session, "kill -KILL $$");
  ASSERT_TRUE(killed.ok()) << killed.error().to_string();
  EXPECT_FALSE(killed->exit_status);
  EXPECT_EQ(killed->signal, "KILL");
}

TEST(SshTransportTest, ExecSendsStdin) {
  Client client(local_settings());
  auto session = client.connect(local_host());
  ASSERT_TRUE(session.ok()) << session.error().to_string();
  std::string out;
  auto result = client.exec(**session, "cat; echo; wc -c < /dev/null", &out, {}, "hello");
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(out, "hello\n0\n");
  std::string count;
  auto big = client.exec(**session, "wc -c", &count, {}, std::string(3 * 1024 * 1024, 'x'));
  ASSERT_TRUE(big.ok()) << big.error().to_string();
  EXPECT_EQ(count, "3145728\n");
}

TEST(SshTransportTest, ExecStdinReachesACommandThatReadsLate) {
  // The client holds stdin back while sshd has 256 KiB unconsumed; a command that reads nothing
  // for 2 s makes the client wait for window that only comes once it reads (or lift the cap).
  Client client(local_settings());
  auto session = client.connect(local_host());
  ASSERT_TRUE(session.ok()) << session.error().to_string();
  std::string input(5 * 1024 * 1024, 'x');
  for (size_t i = 0; i < input.size(); i += 4096) input[i] = static_cast<char>('a' + i % 26);
  std::string out;
  auto result = client.exec(**session, "sleep 2; sha256sum", &out, 60.0, input);
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->exit_status, 0);
  EXPECT_EQ(out.substr(0, 64), sha256_hex(input));
}

TEST(SshTransportTest, ManyCommandsShareOneConnectionSequentiallyAndConcurrently) {
  Client client(local_settings());
  auto session = client.connect(local_host());
  ASSERT_TRUE(session.ok()) << session.error().to_string();
  std::string pids;
  for (int i = 0; i < 10; ++i) {
    // $PPID of the shell is the per-session sshd process: the same connection every time.
    ASSERT_TRUE(client.exec(**session, "echo $PPID", &pids).ok());
  }
  std::vector<std::string> outputs(8);
  int done = 0;
  for (size_t i = 0; i < outputs.size(); ++i) {
    asio::co_spawn(
        client.io,
        [&, i]() -> Task<void> {
          ExecRequest request;
          request.command = "sleep 0.3; echo " + std::to_string(i);
          OutputSink sink = [&, i](OutputStream, std::string_view chunk) { outputs[i] += chunk; };
          auto result = co_await (*session)->exec(std::move(request), std::move(sink));
          done += result.ok() && result->success();
        },
        asio::detached);
  }
  const auto start = std::chrono::steady_clock::now();
  client.io.restart();
  client.io.run();
  EXPECT_EQ(done, 8);
  EXPECT_LT(seconds_since(start), 2.0);  // concurrent channels, not 8 x 0.3 s in a row
  for (size_t i = 0; i < outputs.size(); ++i) EXPECT_EQ(outputs[i], std::to_string(i) + "\n");
}

TEST(SshTransportTest, CommandNotFoundIsPermanent) {
  Client client(local_settings());
  auto session = client.connect(local_host());
  ASSERT_TRUE(session.ok());
  auto result = client.exec(**session, "no-such-command-dcinstall");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::CommandNotFound);
  EXPECT_FALSE(result.error().transient());
}

TEST(SshTransportTest, HangingCommandIsKilledOnTheHostAtItsTimeout) {
  Client client(local_settings());
  auto session = client.connect(local_host());
  ASSERT_TRUE(session.ok());
  const std::string pid_file = test::temp_path("hang.pid");
  const auto start = std::chrono::steady_clock::now();
  auto result = client.exec(**session, "echo $$ > " + pid_file + "; exec sleep 300", nullptr, 1.5);
  const double elapsed = seconds_since(start);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::CommandTimeout);
  EXPECT_NEAR(elapsed, 1.5, 1.0);
  const std::string pid(trim(test::read_file(pid_file)));
  ASSERT_FALSE(pid.empty());
  EXPECT_NE(test::run_shell("kill -0 " + pid + " 2>/dev/null"), 0) << "sleep still runs";
  std::remove(pid_file.c_str());
}

TEST(SshTransportTest, UploadVerifiesChecksumAndRenamesIntoPlace) {
  Client client(local_settings());
  auto session = client.connect(local_host());
  ASSERT_TRUE(session.ok());
  std::string bytes(5 * 1024 * 1024 + 17, '\0');
  std::mt19937 random(7);
  for (char& c : bytes) c = static_cast<char>(random());
  auto source = UploadSource::from_bytes(bytes);
  const std::string target = test::temp_path("upload.bin");
  UploadRequest request{source, target, 0640, {}, {}};
  auto result = run_task(client.io, (*session)->upload(std::move(request)));
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(result->bytes, bytes.size());
  EXPECT_EQ(test::read_file(target), bytes);
  std::string mode;
  ASSERT_TRUE(client.exec(**session, "stat -c %a " + target, &mode).ok());
  EXPECT_EQ(mode, "640\n");
  std::remove(target.c_str());
}

TEST(SshTransportTest, UploadToAMissingDirectoryFailsAndLeavesNothing) {
  Client client(local_settings());
  auto session = client.connect(local_host());
  ASSERT_TRUE(session.ok());
  UploadRequest request{UploadSource::from_bytes("data"), "/nonexistent-dir/file", 0644, {}, {}};
  auto result = run_task(client.io, (*session)->upload(std::move(request)));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, ErrorCode::RemoteFailure);
}

TEST(SshTransportTest, StrictPolicyRefusesAnUnknownHostKeyShowingItsFingerprint) {
  SshSettings settings = local_settings();
  test::write_file(settings.known_hosts_path, "");
  Client client(settings);
  auto session = client.connect(local_host());
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.error().code, ErrorCode::HostKeyUnknown);
  EXPECT_NE(session.error().message.find("SHA256:"), std::string::npos) << session.error().message;
}

TEST(SshTransportTest, AcceptNewRecordsUnknownKeysAndRefusesChangedOnes) {
  SshSettings settings = local_settings();
  settings.host_key_policy = HostKeyPolicy::AcceptNew;
  settings.known_hosts_path = test::temp_path("known_hosts");
  {
    Client client(settings);
    auto session = client.connect(local_host());
    ASSERT_TRUE(session.ok()) << session.error().to_string();
  }
  const std::string recorded = test::read_file(settings.known_hosts_path);
  EXPECT_NE(recorded.find(test::shared_sshd().host_key_line()), std::string::npos) << recorded;
  {
    Client again(settings);  // now known: strict would pass too
    EXPECT_TRUE(again.connect(local_host()).ok());
  }
  test::write_file(settings.known_hosts_path,
                   "[127.0.0.1]:" + std::to_string(test::shared_sshd().port()) +
                       " ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPUMr2BLTkZ2Sh4bYpXDbSJbn6Zb5o1K1dCq9c1lwq3i\n");
  Client changed(settings);
  auto session = changed.connect(local_host());
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.error().code, ErrorCode::HostKeyChanged);
  EXPECT_NE(session.error().message.find("CHANGED"), std::string::npos);
  std::remove(settings.known_hosts_path.c_str());
}

TEST(SshTransportTest, PolicyOffWarnsOncePerRun) {
  SshSettings settings = local_settings();
  settings.host_key_policy = HostKeyPolicy::Off;
  test::write_file(settings.known_hosts_path, "");
  Client client(settings);
  EXPECT_TRUE(client.connect(local_host("127.0.0.1")).ok());
  EXPECT_TRUE(client.connect(local_host("127.0.0.2")).ok());
  EXPECT_EQ(client.warnings.size(), 1u);
}

TEST(SshTransportTest, EncryptedKeyUsesThePassphraseFromTheNamedVariable) {
  SshSettings settings = local_settings();
  settings.key_path = test::test_keys().encrypted_key;
  settings.passphrase_env = "DCI_TEST_PASSPHRASE";
  SshTransportOptions options;
  options.getenv = [](const std::string& name) -> std::optional<std::string> {
    if (name == "DCI_TEST_PASSPHRASE") return "correct horse";
    return std::nullopt;
  };
  Client client(settings, options);
  auto session = client.connect(local_host());
  ASSERT_TRUE(session.ok()) << session.error().to_string();

  options.getenv = [](const std::string&) -> std::optional<std::string> { return "wrong"; };
  Client wrong(settings, options);
  auto refused = wrong.connect(local_host());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, ErrorCode::LocalFailure);
  EXPECT_NE(refused.error().message.find("passphrase"), std::string::npos);
}

TEST(SshTransportTest, SshAgentAuthenticates) {
  const std::string socket = test::temp_path("agent.sock");
  const pid_t agent = ::fork();
  if (agent == 0) {
    ::execlp("ssh-agent", "ssh-agent", "-D", "-a", socket.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  for (int i = 0; i < 100 && ::access(socket.c_str(), F_OK) != 0; ++i) ::usleep(20000);
  ASSERT_EQ(test::run_shell("SSH_AUTH_SOCK=" + socket + " ssh-add -q " + test::test_keys().key +
                            " 2>/dev/null"),
            0);
  ::setenv("SSH_AUTH_SOCK", socket.c_str(), 1);
  SshSettings settings = local_settings();
  settings.key_path.clear();
  settings.use_agent = true;
  Client client(settings);
  auto session = client.connect(local_host());
  ::unsetenv("SSH_AUTH_SOCK");
  ::kill(agent, SIGTERM);
  ::waitpid(agent, nullptr, 0);
  ASSERT_TRUE(session.ok()) << session.error().to_string();
  EXPECT_TRUE(client.exec(**session, "true")->success());
}

TEST(SshTransportTest, WrongKeyFailsThatHostWhileTheOthersGoOn) {
  // A second server that authorizes only another key.
  test::SshdFixture other({"127.0.0.1", "127.0.0.4"}, test::read_file(test::test_keys().other_key + ".pub"));
  SshSettings settings = local_settings();
  test::write_file(settings.known_hosts_path, test::shared_sshd().known_hosts() + other.known_hosts());
  Client client(settings);
  SteadyClock clock;
  FanOut fan_out(*client.transport, clock, FanOutOptions{10, {}, false, 1});
  std::vector<HostTarget> hosts = {local_host("127.0.0.1"), {"127.0.0.4", other.port(), "root"},
                                   local_host("127.0.0.2")};
  HostWork work = [](Session& session, size_t) -> Task<Outcome<bool>> {
    ExecRequest request;
    request.command = "true";
    auto result = co_await session.exec(std::move(request), OutputSink());
    if (!result) co_return result.error();
    co_return result->success();
  };
  auto reports = run_task(client.io, fan_out.run(hosts, work));
  EXPECT_EQ(reports[0].status, HostStatus::Ok);
  EXPECT_EQ(reports[1].status, HostStatus::Failed);
  ASSERT_TRUE(reports[1].error);
  EXPECT_EQ(reports[1].error->code, ErrorCode::AuthFailed);
  EXPECT_NE(reports[1].error->message.find("permission denied"), std::string::npos);
  EXPECT_EQ(reports[2].status, HostStatus::Ok);
}

TEST(SshTransportTest, HostThatIsDownIsRefusedAsTransient) {
  Client client(local_settings());
  auto session = client.connect(HostTarget{"127.0.0.1", 1, "root"});
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.error().code, ErrorCode::ConnectRefused);
  EXPECT_TRUE(session.error().transient());
}

TEST(SshTransportTest, HostThatAcceptsTcpButNeverAnswersTimesOutOnTime) {
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ::listen(listener, 16);  // the kernel completes the handshake; nobody ever answers
  socklen_t length = sizeof address;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length);
  SshSettings settings = local_settings();
  settings.connect_timeout_s = 2;
  Client client(settings);
  const auto start = std::chrono::steady_clock::now();
  auto session = client.connect(HostTarget{"127.0.0.1", ntohs(address.sin_port), "root"});
  const double elapsed = seconds_since(start);
  ::close(listener);
  ASSERT_FALSE(session.ok());
  EXPECT_EQ(session.error().code, ErrorCode::ConnectTimeout);
  EXPECT_NEAR(elapsed, 2.0, 1.0);
}

TEST(SshTransportTest, ConnectsOverIpv6) {
  Client client(local_settings());
  auto session = client.connect(local_host("::1"));
  ASSERT_TRUE(session.ok()) << session.error().to_string();
  std::string out;
  ASSERT_TRUE(client.exec(**session, "echo $SSH_CONNECTION", &out).ok());
  EXPECT_EQ(out.substr(0, 4), "::1 ");
}

TEST(SshTransportTest, SudoWrapsCommandsWhenTheConfigAsks) {
  // On the fleet: log in as the unprivileged `ops` user with passwordless sudo (ssh_sudo: auto).
  // Without it: root with ssh_sudo: always, which still goes through sudo -n.
  auto fleet = test::test_fleet();
  SshSettings settings = fleet ? fleet->settings : local_settings();
  HostTarget host = fleet ? HostTarget{fleet->hosts[0], settings.port, "ops"} : local_host();
  settings.sudo = fleet ? SudoMode::Auto : SudoMode::Always;
  Client client(settings);
  auto session = client.connect(host);
  ASSERT_TRUE(session.ok()) << session.error().to_string();
  std::string out;
  auto result = client.exec(**session, "id -u; echo ${SUDO_USER:-none}", &out);
  ASSERT_TRUE(result.ok()) << result.error().to_string();
  EXPECT_EQ(out, "0\n" + host.user + "\n");
}

TEST(SshTransportTest, JumpHostReachesTheTargetThroughTheBastion) {
  SshSettings settings = local_settings();
  settings.jump_host = HostAddress{"root", "127.0.0.2", settings.port, HostAddress::Kind::IPv4};
  Client client(settings);
  auto session = client.connect(local_host("127.0.0.3"));
  ASSERT_TRUE(session.ok()) << session.error().to_string();
  std::string out;
  ASSERT_TRUE(client.exec(**session, "echo $SSH_CONNECTION", &out).ok());
  // The target sees the connection coming from the bastion's side of loopback.
  EXPECT_NE(out.find("127.0.0.3"), std::string::npos) << out;
}

TEST(SshTransportTest, FleetHostsRunCommands) {
  auto fleet = test::test_fleet();
  if (!fleet) GTEST_SKIP() << "DCINSTALL_TEST_FLEET is not set; the loopback sshd tests ran";
  ASSERT_FALSE(fleet->hosts.empty()) << "the fleet in DCINSTALL_TEST_FLEET lists no host";
  Client client(fleet->settings);
  for (const std::string& address : fleet->hosts) {
    auto session = client.connect(HostTarget{address, fleet->settings.port, "root"});
    ASSERT_TRUE(session.ok()) << session.error().to_string();
    EXPECT_TRUE(client.exec(**session, "true")->success());
  }
}

}  // namespace
}  // namespace dci::transport
