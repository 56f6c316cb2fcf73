// `dcinstall genconf` on the real binary: the serve tree, determinism, id stability, secret
// masking, and that an invalid config or distribution writes nothing.

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "genconf/sha256.h"
#include "test_support/temp_dir.h"

namespace dci {
namespace {

namespace fs = std::filesystem;

struct CommandRun {
  int status = -1;
  std::string output;  // stdout and stderr
};

CommandRun run(const std::string& command) {
  CommandRun result;
  std::FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) return result;
  char buffer[4096];
  size_t got;
  while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, got);
  const int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

// Every regular file under `dir`, by relative path, with its bytes.
std::map<std::string, std::string> tree(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) {
      files[fs::relative(entry.path(), dir).string()] = read_file(entry.path());
    }
  }
  return files;
}

const std::string k_base_config =
    "cluster_name: test\n"
    "master_list: [127.0.0.11, 127.0.0.12, 127.0.0.13]\n"
    "agent_list: [127.0.0.21, 127.0.0.22]\n"
    "public_agent_list: [127.0.0.31]\n"
    "ssh_host_key_policy: accept-new\n"
    "bootstrap_url: http://127.0.0.1:8080\n";

class GenconfCliTest : public ::testing::Test {
 protected:
  TempDir m_dir{"genconf-cli"};

  // Writes `config` as NAME.yaml and runs genconf into NAME/ (extra options appended).
  CommandRun genconf(const std::string& name, const std::string& config, const std::string& extra = "") {
    const fs::path path = m_dir.path() / (name + ".yaml");
    std::ofstream(path) << config;
    return run(std::string(DCINSTALL_BINARY) + " genconf -c " + path.string() + " -o " +
               (m_dir.path() / name).string() + " " + extra);
  }

  nlohmann::json cluster_json(const std::string& name) {
    return nlohmann::json::parse(read_file(m_dir.path() / name / "serve/cluster.json"));
  }

  std::string bundle_id(const std::string& name, const std::string& role) {
    return cluster_json(name)["bundles"][role]["id"].get<std::string>();
  }
};

TEST_F(GenconfCliTest, WritesTheServeTree) {
  const CommandRun result = genconf("out", k_base_config);
  ASSERT_EQ(result.status, 0) << result.output;
  const fs::path out = m_dir.path() / "out";
  EXPECT_TRUE(fs::is_regular_file(out / "expanded-config.yaml"));
  EXPECT_NE(fs::status(out / "serve/install.sh").permissions() & fs::perms::owner_exec,
            fs::perms::none);
  const nlohmann::json cluster = cluster_json("out");
  EXPECT_EQ(cluster["format_version"], 1);
  EXPECT_EQ(cluster["cluster_name"], "test");
  EXPECT_EQ(cluster["cluster_id"].get<std::string>().size(), 32u);
  EXPECT_EQ(cluster["distribution"]["name"], "reference");
  EXPECT_EQ(cluster["hosts"]["master"],
            nlohmann::json({"127.0.0.11", "127.0.0.12", "127.0.0.13"}));
  EXPECT_EQ(cluster["hosts"]["agent"], nlohmann::json({"127.0.0.21", "127.0.0.22"}));
  EXPECT_EQ(cluster["hosts"]["public_agent"], nlohmann::json({"127.0.0.31"}));
  size_t bundles = 0;
  for (const std::string role : {"master", "agent", "public_agent"}) {
    const auto& bundle = cluster["bundles"][role];
    const std::string id = bundle["id"];
    EXPECT_EQ(bundle["file"], "bundles/" + role + "--" + id + ".tar.zst");
    const fs::path file = out / "serve" / bundle["file"].get<std::string>();
    ASSERT_TRUE(fs::is_regular_file(file)) << file;
    EXPECT_EQ(sha256_of_file(file.string()).value(), id) << "the id is the SHA-256 of the bytes";
    EXPECT_EQ(bundle["size"].get<std::uint64_t>(), fs::file_size(file));
    ++bundles;
  }
  EXPECT_EQ(bundles, 3u);
  const std::string install = read_file(out / "serve/install.sh");
  EXPECT_NE(install.find("DCI_BOOTSTRAP_URL='http://127.0.0.1:8080'"), std::string::npos);
  EXPECT_NE(install.find("DCI_MASTERS='127.0.0.11 127.0.0.12 127.0.0.13'"), std::string::npos);
  EXPECT_NE(install.find("master master--" + bundle_id("out", "master") + ".tar.zst " +
                         bundle_id("out", "master")),
            std::string::npos);
  EXPECT_EQ(install.find("@DCINSTALL_GENERATED@"), std::string::npos);
}

TEST_F(GenconfCliTest, TwoRunsAreByteIdentical) {
  for (const std::string compression : {"zstd", "gzip"}) {
    const std::string options = "--compression " + compression + " --level 1";
    ASSERT_EQ(genconf("a-" + compression, k_base_config, options).status, 0);
    ASSERT_EQ(genconf("b-" + compression, k_base_config, options).status, 0);
    const auto first = tree(m_dir.path() / ("a-" + compression) / "serve");
    const auto second = tree(m_dir.path() / ("b-" + compression) / "serve");
    EXPECT_EQ(first.size(), 13u);  // install.sh, cluster.json, 3 bundles, 8 files under ansible/
    EXPECT_TRUE(first == second) << compression << ": the serve trees differ";
  }
}

TEST_F(GenconfCliTest, AgentOnlyChangesKeepTheMasterBundleId) {
  ASSERT_EQ(genconf("base", k_base_config).status, 0);
  ASSERT_EQ(genconf("attributes", k_base_config + "agent_attributes: [zone=a]\n").status, 0);
  EXPECT_EQ(bundle_id("base", "master"), bundle_id("attributes", "master"));
  EXPECT_EQ(bundle_id("base", "public_agent"), bundle_id("attributes", "public_agent"));
  EXPECT_NE(bundle_id("base", "agent"), bundle_id("attributes", "agent"));

  // Adding agents changes no bundle at all (bundles never list agents).
  std::string more_agents = k_base_config;
  more_agents.replace(more_agents.find("127.0.0.22]"), 11, "127.0.0.22, 127.0.0.23]");
  ASSERT_EQ(genconf("more", more_agents).status, 0);
  for (const std::string role : {"master", "agent", "public_agent"}) {
    EXPECT_EQ(bundle_id("base", role), bundle_id("more", role)) << role;
  }
  EXPECT_EQ(cluster_json("base")["cluster_id"], cluster_json("more")["cluster_id"]);

  // A parameter every role uses changes every bundle.
  ASSERT_EQ(genconf("port", k_base_config + "etcd_client_port: 12379\n").status, 0);
  for (const std::string role : {"master", "agent", "public_agent"}) {
    EXPECT_NE(bundle_id("base", role), bundle_id("port", role)) << role;
  }
}

TEST_F(GenconfCliTest, SecretsAreMaskedInTheExpandedConfig) {
  const std::string config = k_base_config + "distribution: " + DCINSTALL_SOURCE_DIR +
                             "/tests/genconf/testdata/tiny\ntiny_token: hunter2-very-secret\n";
  const CommandRun result = genconf("secret", config);
  ASSERT_EQ(result.status, 0) << result.output;
  EXPECT_EQ(result.output.find("hunter2"), std::string::npos);
  const std::string expanded = read_file(m_dir.path() / "secret/expanded-config.yaml");
  EXPECT_EQ(expanded.find("hunter2"), std::string::npos) << expanded;
  EXPECT_NE(expanded.find("\ntiny_token: \"********\"  # " + (m_dir.path() / "secret.yaml").string() +
                         ":8, secret\n"),
            std::string::npos)
      << expanded;
  EXPECT_NE(expanded.find("\ntiny_greeting: \"hello\"  # default\n"), std::string::npos);
  EXPECT_NE(expanded.find("\ntiny_port: 65000  # default\n"), std::string::npos) << expanded;
  // Nor in what is served to hosts other than the master bundle that needs it.
  for (const auto& [path, bytes] : tree(m_dir.path() / "secret/serve")) {
    if (path.rfind("bundles/master--", 0) == 0) continue;
    EXPECT_EQ(bytes.find("hunter2"), std::string::npos) << path;
  }
}

// The pull install runs a downloaded install.sh as root: genconf gives its SHA-256 and a command
// that checks it before running it, never `curl | bash`.
TEST_F(GenconfCliTest, PrintsTheSha256OfInstallShAndAVerifyThenRunCommand) {
  const CommandRun result = genconf("pull", k_base_config);
  ASSERT_EQ(result.status, 0) << result.output;
  const std::string sha = sha256_of_file((m_dir.path() / "pull/serve/install.sh").string()).value();
  EXPECT_NE(
      result.output.find("curl -fsSL -o install.sh http://127.0.0.1:8080/install.sh && echo \"" +
                         sha + "  install.sh\" | sha256sum -c && bash install.sh <role>"),
      std::string::npos)
      << result.output;
  EXPECT_EQ(result.output.find("| bash"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("bootstrap_url: warning: plain http://"), std::string::npos)
      << result.output;

  std::string https_config = k_base_config;  // no warning on stderr, which run() mixes in
  https_config.replace(https_config.find("http://"), 7, "https://");
  const CommandRun json = genconf("pull-json", https_config, "--json");
  ASSERT_EQ(json.status, 0) << json.output;
  const std::string json_sha =
      sha256_of_file((m_dir.path() / "pull-json/serve/install.sh").string()).value();
  EXPECT_EQ(nlohmann::json::parse(json.output)["install_sh_sha256"], json_sha) << json.output;
}

// `tar -tv` of a bundle: one "MODE path" line per entry ("-rw------- etc/tiny.env").
std::map<std::string, std::string> bundle_modes(const fs::path& bundle) {
  std::map<std::string, std::string> modes;
  std::istringstream listing(run("tar -tvf " + bundle.string()).output);
  std::string mode, owner, size, date, time, path;
  while (listing >> mode >> owner >> size >> date >> time >> path) modes[path] = mode;
  return modes;
}

fs::perms mode_of(const fs::path& path) {
  return fs::status(path).permissions() & fs::perms::all;
}

// A copy of the tiny distribution with `from` replaced by `to` in its manifest.
fs::path tiny_variant(const fs::path& dir, const std::string& from, const std::string& to) {
  fs::copy(fs::path(DCINSTALL_SOURCE_DIR) / "tests/genconf/testdata/tiny", dir,
           fs::copy_options::recursive);
  std::string manifest = read_file(dir / "distribution.yaml");
  const size_t at = manifest.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) manifest.replace(at, from.size(), to);
  std::ofstream(dir / "distribution.yaml") << manifest;
  return dir;
}

// Files rendered from a secret parameter are owner-only in the bundle and on the host, bundle
// directories are closed to other users, and a bundle holding a secret is 0600 on the bootstrap
// machine.
TEST_F(GenconfCliTest, SecretBearingFilesAndTheirBundlesAreOwnerOnly) {
  const fs::path distribution =
      tiny_variant(m_dir.path() / "tiny-env", "TINY_CLUSTER: \"{{cluster_id}}\"",
                   "TINY_CLUSTER: \"{{cluster_id}}\"\n          TINY_TOKEN: \"{{tiny_token}}\"");
  const CommandRun result =
      genconf("modes",
              k_base_config + "distribution: " + distribution.string() + "\ntiny_token: hunter2\n");
  ASSERT_EQ(result.status, 0) << result.output;
  const nlohmann::json cluster = cluster_json("modes");
  const fs::path serve = m_dir.path() / "modes/serve";
  const fs::path master = serve / cluster["bundles"]["master"]["file"].get<std::string>();
  const fs::path agent = serve / cluster["bundles"]["agent"]["file"].get<std::string>();
  EXPECT_EQ(mode_of(master), fs::perms(0600));
  EXPECT_EQ(mode_of(agent), fs::perms(0644));

  const auto master_modes = bundle_modes(master);
  EXPECT_EQ(master_modes.at("etc/tiny.env"), "-rw-------");  // the template uses tiny_token
  EXPECT_EQ(master_modes.at("dcinstall/services/sleeper.run"), "-rwx------");  // its environment
  EXPECT_EQ(master_modes.at("checks/preflight.sh"), "-rwxr-xr-x");             // no secret in it
  const auto agent_modes = bundle_modes(agent);
  EXPECT_EQ(agent_modes.at("etc/tiny.env"), "-rw-r--r--");
  EXPECT_EQ(agent_modes.at("dcinstall/services/sleeper.run"), "-rwxr-xr-x");
  for (const auto* modes : {&master_modes, &agent_modes}) {
    for (const auto& [path, mode] : *modes) {
      if (path.back() == '/') {
        EXPECT_EQ(mode, "drwxr-x---") << path;
      }
    }
  }
}

// Every user of a host can read a process's arguments: a secret may only reach a service
// through its environment.
TEST_F(GenconfCliTest, ASecretInAServiceCommandIsRefused) {
  const fs::path distribution = tiny_variant(
      m_dir.path() / "tiny-argv", "master says {{tiny_greeting}}", "master says {{tiny_token}}");
  const CommandRun result = genconf(
      "argv", k_base_config + "distribution: " + distribution.string() + "\ntiny_token: hunter2\n");
  EXPECT_EQ(result.status, 2) << result.output;
  EXPECT_NE(result.output.find("service sleeper: command item 'master says {{tiny_token}}' uses a "
                               "secret parameter"),
            std::string::npos)
      << result.output;
  EXPECT_EQ(result.output.find("hunter2"), std::string::npos) << result.output;
  EXPECT_FALSE(fs::exists(m_dir.path() / "argv/serve/install.sh"));
}

// On the bootstrap machine, what an installer command leaves in its work dir (state, bundles
// with the rendered secret) is closed to other users, even in a work dir that existed before.
TEST_F(GenconfCliTest, TheWorkDirAndTheStateFileAreOwnerOnly) {
  const fs::path work = m_dir.path() / "work";
  fs::create_directories(work);
  fs::permissions(work, fs::perms(0755));
  const fs::path config = m_dir.path() / "work.yaml";
  std::ofstream(config) << k_base_config << "distribution: " << DCINSTALL_SOURCE_DIR
                        << "/tests/genconf/testdata/tiny\ntiny_token: hunter2\n";
  const CommandRun result =
      run("umask 022 && " + std::string(DCINSTALL_BINARY) + " plan install --json -c " +
          config.string() + " --work-dir " + work.string());
  ASSERT_EQ(result.status, 0) << result.output;
  EXPECT_EQ(mode_of(work), fs::perms(0700));
  EXPECT_EQ(mode_of(work / "state.db"), fs::perms(0600));
  const nlohmann::json cluster = nlohmann::json::parse(read_file(work / "serve/cluster.json"));
  EXPECT_EQ(mode_of(work / "serve" / cluster["bundles"]["master"]["file"].get<std::string>()),
            fs::perms(0600));
}

TEST_F(GenconfCliTest, AnInvalidConfigWritesNothing) {
  const CommandRun result = genconf("invalid", k_base_config + "etcd_client_port: 0\n");
  EXPECT_EQ(result.status, 1);
  EXPECT_NE(result.output.find("invalid.yaml:7:19: etcd_client_port: 0 is out of range; "
                               "expected 1–65535"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("invalid; nothing written"), std::string::npos);
  EXPECT_FALSE(fs::exists(m_dir.path() / "invalid"));
}

TEST_F(GenconfCliTest, ABadDistributionIsReportedWithPositionsAndWritesNothing) {
  const std::string dir = std::string(DCINSTALL_SOURCE_DIR) + "/tests/distribution/cases/unknown_keys";
  const CommandRun result = genconf("baddist", k_base_config + "distribution: " + dir + "\n");
  EXPECT_EQ(result.status, 1);
  EXPECT_NE(result.output.find("baddist.yaml:7:15: distribution: distribution '" + dir + "'"),
            std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find(dir + "/distribution.yaml:8:5: roles.master.templtes: unknown key "
                                     "'templtes'; did you mean 'templates'?"),
            std::string::npos)
      << result.output;
  EXPECT_FALSE(fs::exists(m_dir.path() / "baddist"));
}

TEST_F(GenconfCliTest, ARerunReplacesStaleBundles) {
  ASSERT_EQ(genconf("same", k_base_config).status, 0);
  const std::string old_master = bundle_id("same", "master");
  std::ofstream(m_dir.path() / "same/serve/bundles/notes.txt") << "not ours";
  const fs::path config = m_dir.path() / "same.yaml";
  std::ofstream(config) << k_base_config << "etcd_peer_port: 12380\n";
  const CommandRun result = run(std::string(DCINSTALL_BINARY) + " genconf -c " + config.string() +
                         " -o " + (m_dir.path() / "same").string());
  ASSERT_EQ(result.status, 0) << result.output;
  EXPECT_NE(result.output.find("removed stale bundle master--" + old_master), std::string::npos);
  const auto files = tree(m_dir.path() / "same/serve/bundles");
  EXPECT_EQ(files.size(), 4u);  // the three current bundles, and notes.txt (not a bundle name)
  EXPECT_TRUE(files.count("notes.txt"));
  EXPECT_FALSE(files.count("master--" + old_master + ".tar.zst"));
}

}  // namespace
}  // namespace dci
