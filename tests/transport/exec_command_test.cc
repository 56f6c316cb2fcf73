// `dcinstall exec` and `dcinstall copy`, the real binary against the loopback sshd.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "sshd_fixture.h"

namespace dci::transport {
namespace {

struct CommandRun {
  int status = -1;
  std::string out;
  std::string err;
};

// A config for three loopback hosts of the shared sshd, plus `extra` lines.
std::string write_config(const std::string& extra = "") {
  const SshSettings settings = test::local_settings();
  const std::string path = test::temp_path("config.yaml");
  test::write_file(path,
                   "cluster_name: exec-test\n"
                   "master_list: [127.0.0.1]\n"
                   "agent_list: [127.0.0.2]\n"
                   "public_agent_list: [127.0.0.3]\n"
                   "ssh_port: " + std::to_string(settings.port) + "\n"
                   "ssh_key_path: " + settings.key_path + "\n"
                   "ssh_known_hosts_path: " + settings.known_hosts_path + "\n" + extra);
  return path;
}

CommandRun dcinstall(const std::string& arguments) {
  const std::string err_path = test::temp_path("stderr");
  CommandRun run;
  FILE* pipe = ::popen((std::string(DCINSTALL_BINARY) + " " + arguments + " 2>" + err_path).c_str(), "r");
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) run.out.append(buffer, n);
  const int status = ::pclose(pipe);
  run.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.err = test::read_file(err_path);
  std::remove(err_path.c_str());
  return run;
}

TEST(ExecCommandTest, PrefixesOutputByHostAndSummarizes) {
  const std::string config = write_config();
  CommandRun run = dcinstall("exec --no-ssh-config -c " + config + " -- echo hello");
  EXPECT_EQ(run.status, 0) << run.err;
  for (const char* host : {"127.0.0.1", "127.0.0.2", "127.0.0.3"}) {
    EXPECT_NE(run.out.find(std::string(host) + ":" + std::to_string(test::shared_sshd().port()) +
                           ": hello\n"),
              std::string::npos)
        << run.out;
  }
  EXPECT_NE(run.err.find("3 ok, 0 failed, 0 unreachable"), std::string::npos) << run.err;
}

TEST(ExecCommandTest, RoleSelectsHostsAndFailuresSetTheExitStatus) {
  const std::string config = write_config();
  CommandRun run = dcinstall("exec --no-ssh-config -c " + config + " --role agent -- 'exit 4'");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("exit 4"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("0 ok, 1 failed, 0 unreachable"), std::string::npos) << run.err;
}

TEST(ExecCommandTest, UnreachableHostsAreCountedAndTheOthersGoOn) {
  const std::string config = write_config("retries: 0\n");
  CommandRun run = dcinstall("exec --no-ssh-config -c " + config + " --hosts 127.0.0.1,127.0.0.5:1 -- true");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("1 ok, 0 failed, 1 unreachable"), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("connect-refused"), std::string::npos) << run.err;
}

TEST(ExecCommandTest, GroupsIdenticalOutput) {
  const std::string config = write_config();
  CommandRun run = dcinstall("exec --no-ssh-config -c " + config + " --group -- echo same");
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.out.find("(3)\n---------------\nsame\n"), std::string::npos) << run.out;
}

TEST(ExecCommandTest, JsonReportsEveryHost) {
  const std::string config = write_config();
  CommandRun run = dcinstall("exec --no-ssh-config -c " + config + " --json -- 'echo $((1+1)); exit 0'");
  EXPECT_EQ(run.status, 0) << run.err;
  auto json = nlohmann::json::parse(run.out);
  ASSERT_EQ(json["hosts"].size(), 3u);
  EXPECT_EQ(json["hosts"][0]["stdout"], "2\n");
  EXPECT_EQ(json["hosts"][0]["exit_status"], 0);
  EXPECT_EQ(json["hosts"][0]["role"], "master");
  EXPECT_EQ(json["summary"]["ok"], 3);
}

TEST(ExecCommandTest, CopyUploadsTheFileToEveryHost) {
  const std::string config = write_config();
  const std::string local = test::temp_path("local.txt");
  test::write_file(local, "copied\n", 0644);
  const std::string remote = test::temp_path("remote.txt");
  CommandRun run = dcinstall("copy --no-ssh-config -c " + config + " --role master --mode 0600 " +
                      local + " " + remote);
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_EQ(test::read_file(remote), "copied\n");
  EXPECT_NE(run.err.find("1 ok, 0 failed, 0 unreachable"), std::string::npos) << run.err;
  std::remove(local.c_str());
  std::remove(remote.c_str());
}

}  // namespace
}  // namespace dci::transport
