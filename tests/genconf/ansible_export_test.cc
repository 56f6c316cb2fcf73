// serve/ansible/ as genconf renders it (no Ansible run here; tests/ansible/ runs ansible-core):
// host aliases, inventory logins, the play order and keywords, and that no secret is written.

#include <gtest/gtest.h>

#include <map>

#include "genconf/ansible_export.h"
#include "genconf/ansible_inventory.h"
#include "genconf/ansible_playbooks.h"

namespace dci {
namespace {

ClusterHost make_host(Role role, const std::string& address, int port = 22,
                      const std::string& user = "root") {
  ClusterHost host;
  host.role = role;
  host.address = address;
  host.port = port;
  host.user = user;
  return host;
}

ClusterConfig make_config() {
  ClusterConfig config;
  config.cluster_name = "test";
  config.bootstrap_url = "http://10.0.0.100:8080";
  config.ssh.user = "root";
  config.ssh.known_hosts_path = "/home/op/known hosts";
  config.hosts = {make_host(Role::Master, "10.0.0.1"),
                  make_host(Role::Master, "10.0.0.2"),
                  make_host(Role::Master, "10.0.0.3"),
                  make_host(Role::Agent, "10.0.0.11"),
                  make_host(Role::Agent, "10.0.0.11", 2222, "ops"),
                  make_host(Role::Agent, "10.0.0.12"),
                  make_host(Role::PublicAgent, "10.0.0.21")};
  return config;
}

std::vector<RoleBundle> make_bundles() {
  std::vector<RoleBundle> bundles;
  for (Role role : {Role::Master, Role::Agent, Role::PublicAgent}) {
    const std::string id(64, role == Role::Master ? 'a' : role == Role::Agent ? 'b' : 'c');
    bundles.push_back({role, {"", std::string(role_name(role)) + "--" + id + ".tar.zst", id, 1}});
  }
  return bundles;
}

std::map<std::string, std::string> files_of(const ClusterConfig& config, const Schema& schema) {
  std::map<std::string, std::string> files;
  for (const AnsibleFile& file :
       ansible_files(config, schema, make_bundles(), std::string(64, 'f')))
    files[file.path] = file.content;
  return files;
}

// The line of `text` that starts with `prefix`, or "".
std::string line_starting(const std::string& text, const std::string& prefix) {
  const size_t at = text.find("\n" + prefix);
  if (at == std::string::npos) return "";
  return text.substr(at + 1, text.find('\n', at + 1) - at - 1);
}

TEST(AnsibleInventoryTest, AliasesStayUniqueWhenHostsShareAnAddress) {
  ClusterConfig config = make_config();
  config.hosts.push_back(make_host(Role::Agent, "fd00::5", 22));
  const std::vector<std::string> aliases = ansible_host_aliases(config);
  EXPECT_EQ(aliases,
            (std::vector<std::string>{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.11-22",
                                      "10.0.0.11-2222", "10.0.0.12", "10.0.0.21", "fd00--5"}));
}

TEST(AnsibleInventoryTest, HostsCarryTheirLoginAndBecomeRootOnlyWhenNotRoot) {
  const std::string inventory = render_ansible_inventory(make_config());
  EXPECT_EQ(line_starting(inventory, "10.0.0.11-2222 "),
            "10.0.0.11-2222 ansible_host=10.0.0.11 ansible_port=2222 ansible_user=ops "
            "dcinstall_address=10.0.0.11 ansible_become=true");
  EXPECT_EQ(line_starting(inventory, "10.0.0.1 "),
            "10.0.0.1 ansible_host=10.0.0.1 ansible_port=22 ansible_user=root "
            "dcinstall_address=10.0.0.1");
  // Groups in role order, each host under its role.
  const size_t master = inventory.find("\n[master]\n");
  const size_t agent = inventory.find("\n[agent]\n");
  const size_t public_agent = inventory.find("\n[public_agent]\n");
  ASSERT_NE(master, std::string::npos);
  EXPECT_LT(master, inventory.find("\n10.0.0.3 "));
  EXPECT_LT(inventory.find("\n10.0.0.3 "), agent);
  EXPECT_LT(agent, inventory.find("\n10.0.0.12 "));
  EXPECT_LT(inventory.find("\n10.0.0.12 "), public_agent);
  EXPECT_LT(public_agent, inventory.find("\n10.0.0.21 "));
}

TEST(AnsibleInventoryTest, SudoAlwaysAndNeverAreKept) {
  ClusterConfig config = make_config();
  config.ssh.sudo = SudoMode::Always;
  EXPECT_NE(
      line_starting(render_ansible_inventory(config), "10.0.0.1 ").find("ansible_become=true"),
      std::string::npos);
  config.ssh.sudo = SudoMode::Never;
  EXPECT_EQ(render_ansible_inventory(config).find("ansible_become"), std::string::npos);
}

TEST(AnsibleInventoryTest, HostKeysAreCheckedAsThePolicySays) {
  ClusterConfig config = make_config();
  config.ssh.jump_host = HostAddress{"", "10.0.0.99", 2200, HostAddress::Kind::IPv4};
  config.ssh.key_path = "/home/op/.ssh/id_ed25519";
  const std::string strict = render_ansible_inventory(config);
  EXPECT_EQ(line_starting(strict, "ansible_ssh_common_args="),
            "ansible_ssh_common_args=\"-o StrictHostKeyChecking=yes -o "
            "UserKnownHostsFile='/home/op/known hosts' -o ProxyJump=root@10.0.0.99:2200\"");
  EXPECT_EQ(line_starting(strict, "ansible_ssh_private_key_file="),
            "ansible_ssh_private_key_file=\"/home/op/.ssh/id_ed25519\"");
  config.ssh.host_key_policy = HostKeyPolicy::AcceptNew;
  EXPECT_NE(render_ansible_inventory(config).find("StrictHostKeyChecking=accept-new"),
            std::string::npos);
}

TEST(AnsiblePlaybooksTest, FailureBudgetBecomesAPercentageOfTheAgents) {
  ClusterConfig config = make_config();  // 4 agents, public ones included
  config.agent_failure_budget = {1, false};
  EXPECT_EQ(agent_max_fail_percentage(config), 25);
  config.agent_failure_budget = {30, true};
  EXPECT_EQ(agent_max_fail_percentage(config), 30);
  config.agent_failure_budget = {9, false};
  EXPECT_EQ(agent_max_fail_percentage(config), 100);
  config.agent_failure_budget = {0, false};
  EXPECT_EQ(agent_max_fail_percentage(config), 0);
}

TEST(AnsiblePlaybooksTest, AgentBatchesFollowUpgradeMaxUnavailable) {
  ClusterConfig config = make_config();
  config.upgrade_max_unavailable = {25, true};
  EXPECT_EQ(agent_serial(config), "\"25%\"");
  config.upgrade_max_unavailable = {3, false};
  EXPECT_EQ(agent_serial(config), "3");
}

TEST(AnsiblePlaybooksTest, SiteKeepsDcinstallsOrder) {
  ClusterConfig config = make_config();
  config.upgrade_max_unavailable = {2, false};
  config.agent_failure_budget = {1, false};
  const std::string site = files_of(config, Schema())["site.yml"];
  const std::vector<std::string> plays = {
      "- name: Preflight of the masters\n  hosts: master\n  gather_facts: false\n"
      "  any_errors_fatal: true\n",
      "- name: Preflight of the agents\n  hosts: agent:public_agent\n  gather_facts: false\n"
      "  max_fail_percentage: 25\n",
      "- name: Deploy the new masters together (the quorum forms)\n"
      "  hosts: dcinstall_new_master\n  gather_facts: false\n  any_errors_fatal: true\n",
      "- name: Switch the masters one at a time\n  hosts: dcinstall_switch_master\n"
      "  gather_facts: false\n  serial: 1\n  any_errors_fatal: true\n",
      "- name: Deploy the new agents\n  hosts: dcinstall_new_agent:dcinstall_new_public_agent\n",
      "- name: Switch the agents in batches\n  hosts: dcinstall_switch_agent\n"
      "  gather_facts: false\n  serial: 2\n  max_fail_percentage: 25\n",
      "- name: Switch the public agents in batches\n  hosts: dcinstall_switch_public_agent\n"
      "  gather_facts: false\n  serial: 2\n",
      "- name: Postflight of the masters\n",
      "- name: Postflight of the agents\n",
      "- name: Cluster check\n  hosts: master[0]\n",
  };
  size_t previous = 0;
  for (const std::string& play : plays) {
    const size_t at = site.find(play, previous);
    ASSERT_NE(at, std::string::npos) << "missing or out of order:\n" << play << "in:\n" << site;
    previous = at + play.size();
  }
  EXPECT_NE(site.find("--cluster-health"), std::string::npos);
}

TEST(AnsiblePlaybooksTest, TasksCallInstallShWithDcinstallsModes) {
  const auto files = files_of(make_config(), Schema());
  const std::string& preflight = files.at("tasks/preflight.yml");
  EXPECT_NE(preflight.find("['--preflight-only'] + dcinstall_bundle_options"), std::string::npos);
  EXPECT_NE(preflight.find("checksum: sha256:{{ dcinstall_bundle.id }}"), std::string::npos);
  EXPECT_NE(preflight.find("checksum: sha256:{{ dcinstall_install_sh_sha256 }}"),
            std::string::npos);
  const std::string& deploy = files.at("tasks/deploy.yml");
  EXPECT_NE(deploy.find("changed_when: \"'is already installed; nothing to do' not in"),
            std::string::npos);
  EXPECT_NE(deploy.find("['--health']"), std::string::npos);
  EXPECT_NE(files.at("tasks/uninstall.yml").find("['--uninstall']"), std::string::npos);
  const std::string& vars = files.at("group_vars/all.yml");
  EXPECT_NE(vars.find("dcinstall_url: \"http://10.0.0.100:8080\""), std::string::npos);
  EXPECT_NE(vars.find("dcinstall_install_sh_sha256: \"" + std::string(64, 'f') + "\""),
            std::string::npos);
  EXPECT_NE(vars.find("    id: \"" + std::string(64, 'b') + "\""), std::string::npos);
  EXPECT_NE(vars.find("[--bundle, \"{{ dcinstall_pushed_dir }}/{{ dcinstall_bundle.file }}\",\n"
                      "  --address, \"{{ dcinstall_address }}\", \"{{ dcinstall_role }}\"]"),
            std::string::npos);
}

TEST(AnsibleExportTest, SecretParametersAreNamedButNeverValued) {
  Schema schema;
  KeySpec secret;
  secret.key = "tiny_token";
  secret.secret = true;
  ASSERT_TRUE(schema.add(secret));
  ClusterConfig config = make_config();
  ConfigValue value;
  value.items = {"s3cr3t-value"};
  config.values.set("tiny_token", value);
  const auto files = files_of(config, schema);
  EXPECT_NE(files.at("group_vars/all.yml").find("# Secret parameters: tiny_token."),
            std::string::npos);
  for (const auto& [path, content] : files) {
    EXPECT_EQ(content.find("s3cr3t-value"), std::string::npos) << path;
    EXPECT_EQ(content.find("PRIVATE KEY"), std::string::npos) << path;
  }
}

TEST(AnsibleExportTest, SameInputsGiveTheSameFiles) {
  EXPECT_EQ(files_of(make_config(), Schema()), files_of(make_config(), Schema()));
  std::vector<std::string> paths;
  for (const auto& [path, content] : files_of(make_config(), Schema())) paths.push_back(path);
  EXPECT_EQ(paths,
            (std::vector<std::string>{"group_vars/all.yml", "inventory.ini", "site.yml",
                                      "tasks/deploy.yml", "tasks/health.yml", "tasks/preflight.yml",
                                      "tasks/uninstall.yml", "uninstall.yml"}));
}

}  // namespace
}  // namespace dci
