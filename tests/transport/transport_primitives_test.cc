// The small pieces: retry policy, concurrency limit, fake clock, command lines, known_hosts.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "transport/concurrency_limit.h"
#include "transport/fake/fake_clock.h"
#include "transport/remote_command.h"
#include "transport/retry_policy.h"
#include "transport/ssh/known_hosts.h"
#include "transport/upload_source.h"

namespace dci::transport {
namespace {

using namespace std::chrono_literals;

TEST(RetryPolicyTest, RetriesOnlyTransientErrorsUpToTheLimit) {
  RetryPolicy policy;
  policy.retries = 2;
  const TransportError refused{ErrorCode::ConnectRefused, "", ""};
  const TransportError auth{ErrorCode::AuthFailed, "", ""};
  EXPECT_TRUE(policy.should_retry(refused, 1));
  EXPECT_TRUE(policy.should_retry(refused, 2));
  EXPECT_FALSE(policy.should_retry(refused, 3));
  EXPECT_FALSE(policy.should_retry(auth, 1));
}

TEST(RetryPolicyTest, BackoffGrowsExponentiallyWithJitterAndIsCapped) {
  RetryPolicy policy;
  policy.initial_backoff = 1s;
  policy.max_backoff = 5s;
  policy.jitter = 0.5;
  std::mt19937_64 random(1);
  for (int i = 0; i < 100; ++i) {
    const double first = to_seconds(policy.backoff(1, random));
    const double third = to_seconds(policy.backoff(3, random));
    const double tenth = to_seconds(policy.backoff(10, random));
    EXPECT_GE(first, 0.5);
    EXPECT_LE(first, 1.0);
    EXPECT_GE(third, 2.0);
    EXPECT_LE(third, 4.0);
    EXPECT_GE(tenth, 2.5);
    EXPECT_LE(tenth, 5.0);
  }
}

TEST(ConcurrencyLimitTest, WaitersGetSlotsInOrder) {
  asio::io_context io;
  ConcurrencyLimit limit(2);
  std::vector<int> order;
  FakeClock clock;
  for (int i = 0; i < 5; ++i) {
    asio::co_spawn(
        io,
        [&, i]() -> Task<void> {
          auto permit = co_await limit.acquire();
          order.push_back(i);
          co_await clock.sleep_for(1s);
        },
        asio::detached);
  }
  clock.run(io);
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3, 4}));
  EXPECT_EQ(limit.peak(), 2u);
  EXPECT_EQ(limit.in_use(), 0u);
}

TEST(FakeClockTest, JumpsToTheNextSleeperWhenIdle) {
  asio::io_context io;
  FakeClock clock;
  const TimePoint start = clock.now();
  std::vector<double> woke;
  for (int seconds : {30, 5, 600}) {
    asio::co_spawn(
        io,
        [&, seconds]() -> Task<void> {
          co_await clock.sleep_for(std::chrono::seconds(seconds));
          woke.push_back(to_seconds(clock.now() - start));
        },
        asio::detached);
  }
  EXPECT_EQ(clock.run(io), 600s);
  EXPECT_EQ(woke, (std::vector<double>{5, 30, 600}));
}

TEST(FakeClockTest, ForgetsSleepersWhoseLoopIsDestroyed) {
  // A killed run: its io_context goes with its sleeping coroutines; the clock goes on.
  FakeClock clock;
  {
    asio::io_context killed;
    asio::co_spawn(
        killed, [&]() -> Task<void> { co_await clock.sleep_for(10s); }, asio::detached);
    killed.poll();
    EXPECT_EQ(clock.sleepers(), 1u);
  }
  EXPECT_EQ(clock.sleepers(), 0u);
  asio::io_context next;
  bool woke = false;
  asio::co_spawn(
      next,
      [&]() -> Task<void> {
        co_await clock.sleep_for(5s);
        woke = true;
      },
      asio::detached);
  EXPECT_EQ(clock.run(next), 5s);
  EXPECT_TRUE(woke);
}

TEST(RemoteCommandTest, QuotesForSh) {
  EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
  EXPECT_EQ(shell_quote(""), "''");
}

TEST(RemoteCommandTest, WrapsCommandsInTimeoutAndSudo) {
  EXPECT_EQ(exec_command_line("echo hi", false, 600), "timeout -k 5 600 sh -c 'echo hi'");
  EXPECT_EQ(exec_command_line("id -u", true, 0.5), "sudo -n timeout -k 5 0.5 sh -c 'id -u'");
}

TEST(RemoteCommandTest, SudoFollowsTheConfigUnlessTheRequestSays) {
  EXPECT_FALSE(wants_sudo(SudoMode::Auto, "root", std::nullopt));
  EXPECT_TRUE(wants_sudo(SudoMode::Auto, "ops", std::nullopt));
  EXPECT_TRUE(wants_sudo(SudoMode::Always, "root", std::nullopt));
  EXPECT_FALSE(wants_sudo(SudoMode::Never, "ops", std::nullopt));
  EXPECT_FALSE(wants_sudo(SudoMode::Always, "ops", false));
}

// Runs the upload script locally with sh, as the host would; `path_prefix` goes before PATH.
int run_upload_script(const std::string& path, const std::string& data, const std::string& sha,
                      const std::string& path_prefix = "") {
  const std::string script = upload_command_line(path, 0640, sha, false);
  // Per process: ctest runs the upload tests in parallel.
  const std::string input =
      std::filesystem::temp_directory_path() / ("dci-upload-input-" + std::to_string(getpid()));
  std::ofstream(input) << data;
  const std::string env = path_prefix.empty() ? "" : "PATH=" + path_prefix + ":$PATH ";
  const int status =
      std::system((env + "sh -c " + shell_quote(script) + " < " + input + " 2>/dev/null").c_str());
  std::filesystem::remove(input);
  return status;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

size_t count_files(const std::filesystem::path& dir) {
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) files += !entry.is_directory();
  return files;
}

TEST(RemoteCommandTest, UploadScriptRenamesOnlyVerifiedBytes) {
  const auto dir = std::filesystem::temp_directory_path() / ("dci-upload-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string target = (dir / "file.bin").string();
  EXPECT_EQ(run_upload_script(target, "hello", sha256_hex("hello")), 0);
  EXPECT_EQ(read_file(target), "hello");
  EXPECT_EQ(std::filesystem::status(target).permissions() & std::filesystem::perms::all,
            std::filesystem::perms(0640));

  const std::string other = (dir / "other.bin").string();
  EXPECT_NE(run_upload_script(other, "damaged", sha256_hex("hello")), 0);
  EXPECT_FALSE(std::filesystem::exists(other));
  EXPECT_EQ(count_files(dir), 1u);  // no temp file is left behind
  std::filesystem::remove_all(dir);
}

TEST(RemoteCommandTest, UploadScriptMakesItsTempFileWithMktemp) {
  const std::string script = upload_command_line("/tmp/x", 0644, sha256_hex(""), false);
  EXPECT_NE(script.find("t=$(mktemp \"$d/.${p##*/}.dcinstall-XXXXXX\") || exit 1"),
            std::string::npos)
      << script;
  EXPECT_EQ(script.find("$$"), std::string::npos) << script;
}

// A local user who can write the target directory plants a symlink at the name the upload
// would have used (.NAME.dcinstall-<pid of the shell>): the upload must neither write through it
// nor chmod its target.
TEST(RemoteCommandTest, UploadScriptFollowsNoPlantedSymlink) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("dci-upload-link-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  const std::string victim = (dir / "victim").string();
  std::ofstream(victim) << "original";
  std::filesystem::permissions(victim, std::filesystem::perms(0600));
  const std::string target = (dir / "file.bin").string();
  const std::string input = (dir / "input").string();
  std::ofstream(input) << "hello";
  // `exec` keeps the pid, so the planted name is the one a $$-based script would pick.
  const std::string plant =
      "ln -s " + shell_quote(victim) + " " + shell_quote(dir.string()) +
      "/.file.bin.dcinstall-$$; exec sh -c " +
      shell_quote(upload_command_line(target, 0644, sha256_hex("hello"), false));
  const int status =
      std::system(("sh -c " + shell_quote(plant) + " < " + input + " 2>/dev/null").c_str());
  EXPECT_EQ(status, 0);
  EXPECT_EQ(read_file(victim), "original");
  EXPECT_EQ(std::filesystem::status(victim).permissions() & std::filesystem::perms::all,
            std::filesystem::perms(0600));
  EXPECT_FALSE(std::filesystem::is_symlink(target));
  EXPECT_EQ(read_file(target), "hello");
  std::filesystem::remove_all(dir);
}

TEST(RemoteCommandTest, UploadScriptFallsBackToSha256sumWithoutAWorkingOpenssl) {
  const auto dir =
      std::filesystem::temp_directory_path() / ("dci-upload-nossl-" + std::to_string(getpid()));
  const auto bin = dir / "bin";
  std::filesystem::create_directories(bin);
  // An openssl that fails (absent, or refusing SHA-256) must not fail or pass the check.
  std::ofstream(bin / "openssl") << "#!/bin/sh\necho 0000 >&1; exit 1\n";
  std::filesystem::permissions(bin / "openssl", std::filesystem::perms(0755));
  const std::string target = (dir / "file.bin").string();
  EXPECT_EQ(run_upload_script(target, "hello", sha256_hex("hello"), bin.string()), 0);
  EXPECT_EQ(read_file(target), "hello");
  const std::string other = (dir / "other.bin").string();
  EXPECT_NE(run_upload_script(other, "damaged", sha256_hex("hello"), bin.string()), 0);
  EXPECT_FALSE(std::filesystem::exists(other));
  EXPECT_EQ(count_files(dir), 1u);
  std::filesystem::remove_all(dir);
}

TEST(KnownHostsTest, MatchesPlainHashedWildcardAndPortEntries) {
  const auto path = std::filesystem::temp_directory_path() / ("dci-kh-" + std::to_string(getpid()));
  std::ofstream(path) << "# comment\n"
                         "10.0.0.1,host-a ssh-ed25519 AAAAkeyA\n"
                         "[10.0.0.2]:2222 ssh-ed25519 AAAAkeyB\n"
                         "*.example.com,!bad.example.com ssh-ed25519 AAAAkeyC\n"
                         // |1| entry for "hashed.example" with salt "salt" (HMAC-SHA1).
                         "|1|c2FsdA==|XD6hQItdxr+adoPBY8G1NHlCXsA= ssh-rsa AAAAkeyD\n"
                         "@revoked 10.0.0.9 ssh-ed25519 AAAArevoked\n";
  auto store = KnownHosts::load(path.string());
  ASSERT_TRUE(store.ok());
  using V = KnownHosts::Verdict;
  EXPECT_EQ(store->check("10.0.0.1", 22, "ssh-ed25519", "AAAAkeyA"), V::Match);
  EXPECT_EQ(store->check("host-a", 22, "ssh-ed25519", "AAAAkeyA"), V::Match);
  EXPECT_EQ(store->check("10.0.0.1", 22, "ssh-ed25519", "AAAAother"), V::Changed);
  EXPECT_EQ(store->check("10.0.0.1", 2200, "ssh-ed25519", "AAAAkeyA"), V::Unknown);
  EXPECT_EQ(store->check("10.0.0.2", 2222, "ssh-ed25519", "AAAAkeyB"), V::Match);
  EXPECT_EQ(store->check("www.example.com", 22, "ssh-ed25519", "AAAAkeyC"), V::Match);
  EXPECT_EQ(store->check("bad.example.com", 22, "ssh-ed25519", "AAAAkeyC"), V::Unknown);
  EXPECT_EQ(store->check("hashed.example", 22, "ssh-rsa", "AAAAkeyD"), V::Match);
  EXPECT_EQ(store->check("10.0.0.9", 22, "ssh-ed25519", "AAAArevoked"), V::Revoked);
  EXPECT_EQ(store->key_types("10.0.0.1", 22), (std::vector<std::string>{"ssh-ed25519"}));

  ASSERT_TRUE(store->add("10.0.0.5", 2200, "ssh-ed25519", "AAAAnew").ok());
  auto reloaded = KnownHosts::load(path.string());
  EXPECT_EQ(reloaded->check("10.0.0.5", 2200, "ssh-ed25519", "AAAAnew"), V::Match);
  std::filesystem::remove(path);
}

TEST(UploadSourceTest, HashesFilesAndBytesAlike) {
  const auto path = std::filesystem::temp_directory_path() / ("dci-src-" + std::to_string(getpid()));
  std::ofstream(path) << "abc";
  auto file = UploadSource::from_file(path.string());
  ASSERT_TRUE(file.ok());
  EXPECT_EQ((*file)->sha256_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(UploadSource::from_bytes("abc")->sha256_hex(), (*file)->sha256_hex());
  EXPECT_FALSE(UploadSource::from_file("/nonexistent/file").ok());
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace dci::transport
