#include "config/validator.h"

#include <gtest/gtest.h>

#include <map>

#include "config/cluster_config.h"
#include "config/installer_schema.h"

namespace dci {
namespace {

Environment fake_environment(std::map<std::string, std::string> variables) {
  return Environment([variables](const std::string& name) -> std::optional<std::string> {
    const auto it = variables.find(name);
    if (it == variables.end()) return std::nullopt;
    return it->second;
  });
}

ValidationResult validate(const std::string& text, const Environment& environment) {
  return validate_config(text, "config.yaml", installer_schema(), environment);
}

const char* k_config =
    "cluster_name: demo\n"
    "master_list: [10.0.0.1, 10.0.0.2, 10.0.0.3]\n"
    "agent_list: [ops@10.0.1.1:2222, 10.0.1.2]\n"
    "public_agent_list: ['[fd00::9]']\n"
    "ssh_user: admin\n"
    "ssh_host_key_policy: accept-new\n"
    "agent_failure_budget: 25%\n";

TEST(ValidatorTest, FillsDefaultsAndRemembersWhereValuesCameFrom) {
  const auto result = validate(k_config, fake_environment({{"HOME", "/home/x"}}));
  ASSERT_TRUE(result.valid()) << result.errors.front().to_string();
  const ConfigValue* port = result.values.find("ssh_port");
  ASSERT_NE(port, nullptr);
  EXPECT_TRUE(port->from_default);
  EXPECT_EQ(port->items, std::vector<std::string>{"22"});
  const ConfigValue* user = result.values.find("ssh_user");
  EXPECT_FALSE(user->from_default);
  EXPECT_EQ(user->position.line, 5);
  EXPECT_EQ(user->position.column, 11);
}

TEST(ValidatorTest, UseAgentDefaultsToWhetherAnAgentSocketIsSet) {
  const auto with_agent = validate(k_config, fake_environment({{"SSH_AUTH_SOCK", "/tmp/s"}}));
  EXPECT_TRUE(with_agent.values.get_bool("ssh_use_agent"));
  const auto without_agent = validate(k_config, fake_environment({}));
  EXPECT_FALSE(without_agent.values.get_bool("ssh_use_agent"));
}

TEST(ValidatorTest, ClusterConfigAppliesEntryUserAndPortOverSshDefaults) {
  const Environment environment = fake_environment({{"HOME", "/home/x"}});
  const auto result = validate(k_config, environment);
  ASSERT_TRUE(result.valid());
  const ClusterConfig cluster = ClusterConfig::from_values(result.values, environment, "/etc/dc");
  ASSERT_EQ(cluster.hosts.size(), 6u);
  EXPECT_EQ(cluster.hosts_with_role(Role::Master).size(), 3u);
  const ClusterHost& first_agent = *cluster.hosts_with_role(Role::Agent).front();
  EXPECT_EQ(first_agent.user, "ops");
  EXPECT_EQ(first_agent.port, 2222);
  EXPECT_EQ(first_agent.id(), "10.0.1.1:2222");
  const ClusterHost& second_agent = *cluster.hosts_with_role(Role::Agent).back();
  EXPECT_EQ(second_agent.user, "admin");
  EXPECT_EQ(second_agent.port, 22);
  EXPECT_EQ(cluster.hosts_with_role(Role::PublicAgent).front()->id(), "[fd00::9]:22");
  EXPECT_EQ(cluster.ssh.host_key_policy, HostKeyPolicy::AcceptNew);
  EXPECT_EQ(cluster.ssh.known_hosts_path, "/home/x/.ssh/known_hosts");
  EXPECT_EQ(cluster.agent_failure_budget.allowed(3), 0);
  EXPECT_EQ(cluster.agent_failure_budget.allowed(8), 2);
}

TEST(ValidatorTest, ReportsEveryErrorInOneRunSortedByPosition) {
  const auto result =
      validate("retries: 99\ncluster_name: X\nmaster_list: [10.0.0.1, 10.0.0.2]\nssh_prot: 22\n",
               fake_environment({}));
  ASSERT_EQ(result.errors.size(), 4u);
  for (size_t i = 1; i < result.errors.size(); ++i) {
    EXPECT_LT(result.errors[i - 1].position.line, result.errors[i].position.line);
  }
  EXPECT_EQ(result.errors[3].to_string(),
            "config.yaml:4:1: ssh_prot: unknown key 'ssh_prot'; did you mean 'ssh_port'?");
}

TEST(ValidatorTest, ListShapeErrorOfASecretKeyDoesNotQuoteTheValue) {
  Schema schema = installer_schema();
  KeySpec tokens;
  tokens.key = "api_tokens";
  tokens.type = ValueType::StringList;
  tokens.secret = true;
  KeySpec mirrors;
  mirrors.key = "mirrors";
  mirrors.type = ValueType::StringList;
  ASSERT_TRUE(schema.add(tokens));
  ASSERT_TRUE(schema.add(mirrors));
  const auto result = validate_config(std::string(k_config) + "api_tokens: s3cr3t-t0ken\nmirrors: m1\n",
                                      "config.yaml", schema, fake_environment({{"HOME", "/h"}}));
  ASSERT_EQ(result.errors.size(), 2u);
  for (const Diagnostic& error : result.errors) {
    EXPECT_EQ(error.to_string().find("s3cr3t-t0ken"), std::string::npos) << error.to_string();
  }
  EXPECT_NE(result.errors[0].message.find("the value (hidden)"), std::string::npos);
  // A plain key still shows its value as the example.
  EXPECT_NE(result.errors[1].message.find("[m1]"), std::string::npos);
}

TEST(ValidatorTest, RelativeKeyPathIsResolvedAgainstTheConfigDirectory) {
  const auto result =
      validate_config("cluster_name: demo\nmaster_list: [10.0.0.1]\nssh_key_path: keys/id\n",
                      "/nonexistent-dir/config.yaml", installer_schema(), fake_environment({}));
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_EQ(result.errors[0].message, "key file '/nonexistent-dir/keys/id' does not exist");
}

TEST(ValidatorTest, MissingFileIsAnIoErrorNotAValidationResult) {
  auto result =
      validate_config_file("/nonexistent/config.yaml", installer_schema(), fake_environment({}));
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().to_string(),
            "/nonexistent/config.yaml: cannot open: No such file or directory");
}

TEST(ValidatorTest, TimeoutsBeyondTenMillionSecondsAreRejected) {
  for (const char* key : {"connect_timeout_s", "command_timeout_s", "postflight_timeout_s",
                          "upgrade_host_timeout_s"}) {
    const std::string text = std::string(k_config) + key + ": 1e8\n";
    const auto result = validate(text, fake_environment({}));
    ASSERT_EQ(result.errors.size(), 1u) << key;
    EXPECT_EQ(result.errors[0].key, key);
    EXPECT_NE(result.errors[0].message.find("out of range; expected at most 10000000"),
              std::string::npos)
        << result.errors[0].message;
    EXPECT_TRUE(validate(std::string(k_config) + key + ": 1e7\n", fake_environment({})).valid())
        << key;
  }
}

}  // namespace
}  // namespace dci
