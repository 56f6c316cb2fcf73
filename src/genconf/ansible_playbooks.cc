#include "genconf/ansible_playbooks.h"

namespace dci {
namespace {

// The host's work, decided before anything changes: "none" (it runs this role's bundle),
// "switch" (it runs another bundle) or "new" (nothing installed). The host joins the group
// dcinstall_<work>_<role>, which the deploy plays target; hosts with work fetch install.sh and
// the bundle (checksums checked); new hosts run the role's preflight checks, which refuse a
// running install (ports in use, etcd data), so a switch skips them as dcinstall's rolling
// change does.
constexpr const char* k_preflight_tasks = R"yaml(---
# Preflight of one host (site.yml): install.sh --preflight-only, as `dcinstall preflight`.
- name: Check that the config has a bootstrap_url
  ansible.builtin.assert:
    that: dcinstall_url | length > 0
    fail_msg: set bootstrap_url in config.yaml and run `dcinstall genconf` again
    quiet: true
- name: Read the bundle the host runs
  ansible.builtin.shell: >-
    printf '%s %s' "$(readlink /opt/dcinstall/active 2>/dev/null)"
    "$(cat /etc/dcinstall/role 2>/dev/null)"
  register: dcinstall_state
  changed_when: false
- name: Decide the host's work
  ansible.builtin.set_fact:
    dcinstall_work: >-
      {{ 'none' if dcinstall_state.stdout == dcinstall_bundle.id ~ ' ' ~ dcinstall_role
         else ('switch' if dcinstall_state.stdout is match('[0-9a-f]') else 'new') }}
- name: Group the host by its work
  ansible.builtin.group_by:
    key: dcinstall_{{ dcinstall_work }}_{{ dcinstall_role }}
  changed_when: false
- name: Create the directory of the pushed files
  ansible.builtin.file:
    path: "{{ dcinstall_pushed_dir }}"
    state: directory
    mode: "0700"
  when: dcinstall_work != 'none'
- name: Fetch install.sh
  ansible.builtin.get_url:
    url: "{{ dcinstall_url }}/install.sh"
    dest: "{{ dcinstall_pushed_dir }}/install.sh"
    checksum: sha256:{{ dcinstall_install_sh_sha256 }}
    mode: "0700"
  when: dcinstall_work != 'none'
- name: Fetch the bundle (its id is its SHA-256)
  ansible.builtin.get_url:
    url: "{{ dcinstall_url }}/bundles/{{ dcinstall_bundle.file }}"
    dest: "{{ dcinstall_pushed_dir }}/{{ dcinstall_bundle.file }}"
    checksum: sha256:{{ dcinstall_bundle.id }}
    mode: "0600"
  when: dcinstall_work != 'none'
- name: Install the prerequisites (install.sh --install-prereqs)
  ansible.builtin.command:
    argv: "{{ dcinstall_install_sh + ['--install-prereqs'] + dcinstall_bundle_options }}"
  register: dcinstall_prereqs
  changed_when: "': installed' in dcinstall_prereqs.stdout"
  when: dcinstall_work == 'new' and dcinstall_install_prereqs
- name: Run the preflight checks (install.sh --preflight-only)
  ansible.builtin.command:
    argv: "{{ dcinstall_install_sh + ['--preflight-only'] + dcinstall_bundle_options }}"
  changed_when: false
  when: dcinstall_work == 'new'
)yaml";

// Deploy and health gate of the hosts of one play (or one serial batch): every host installs,
// then every host waits until its health checks pass (a master's need the quorum).
constexpr const char* k_deploy_tasks = R"yaml(---
# Deploy of one host (site.yml): install.sh <role>, then its health gate, as `dcinstall deploy`.
- name: Install the bundle (install.sh <role>)
  ansible.builtin.command:
    argv: "{{ dcinstall_install_sh + dcinstall_bundle_options }}"
  register: dcinstall_install
  changed_when: "'is already installed; nothing to do' not in dcinstall_install.stdout"
- name: Wait until the host is healthy (install.sh --health)
  ansible.builtin.command:
    argv: "{{ dcinstall_install_sh + ['--health'] }}"
  register: dcinstall_health
  until: dcinstall_health.rc == 0
  retries: "{{ dcinstall_health_retries }}"
  delay: 2
  changed_when: false
)yaml";

constexpr const char* k_health_tasks = R"yaml(---
# Postflight of one host (site.yml): install.sh --health until it passes, as `dcinstall postflight`.
- name: Wait until the host is healthy (install.sh --health)
  ansible.builtin.command:
    argv: "{{ dcinstall_install_sh + ['--health'] }}"
  register: dcinstall_health
  until: dcinstall_health.rc == 0
  retries: "{{ dcinstall_health_retries }}"
  delay: 2
  changed_when: false
- name: Record that the host passed postflight
  ansible.builtin.set_fact:
    dcinstall_healthy: true
)yaml";

// Only hosts that hold something of an install get install.sh; it removes /var/lib/dcinstall
// with the pushed files in it.
constexpr const char* k_uninstall_tasks = R"yaml(---
# Uninstall of one host (uninstall.yml): install.sh --uninstall, as `dcinstall uninstall`.
- name: Look for an install
  ansible.builtin.stat:
    path: "{{ item }}"
  loop: [/opt/dcinstall, /etc/dcinstall, /var/lib/dcinstall]
  register: dcinstall_paths
- name: Uninstall
  when: dcinstall_paths.results | selectattr('stat.exists') | list | length > 0
  block:
    - name: Create the directory of the pushed files
      ansible.builtin.file:
        path: "{{ dcinstall_pushed_dir }}"
        state: directory
        mode: "0700"
    - name: Fetch install.sh
      ansible.builtin.get_url:
        url: "{{ dcinstall_url }}/install.sh"
        dest: "{{ dcinstall_pushed_dir }}/install.sh"
        checksum: sha256:{{ dcinstall_install_sh_sha256 }}
        mode: "0700"
    - name: Stop the services and remove the install (install.sh --uninstall)
      ansible.builtin.command:
        argv: "{{ dcinstall_install_sh + ['--uninstall'] }}"
      changed_when: true
    - name: Remove the pushed files
      ansible.builtin.file:
        path: "{{ dcinstall_pushed_dir }}"
        state: absent
)yaml";

struct Play {
  std::string name;
  std::string hosts;
  std::string serial;                  // "" for all hosts at once
  bool masters = false;                // a failing master ends the run (any_errors_fatal)
  std::string tasks_file;              // imported from tasks/, unless inline_tasks is set
  const char* inline_tasks = nullptr;  // the play's own task list, indented for `tasks:`
};

std::string render_play(const Play& play, long long max_fail_percentage) {
  std::string text =
      "- name: " + play.name + "\n  hosts: " + play.hosts + "\n  gather_facts: false\n";
  if (!play.serial.empty()) text += "  serial: " + play.serial + "\n";
  if (play.masters) {
    text += "  any_errors_fatal: true\n";
  } else {
    text += "  max_fail_percentage: " + std::to_string(max_fail_percentage) + "\n";
  }
  text += "  tasks:\n";
  if (play.inline_tasks) {
    text += play.inline_tasks;
  } else {
    text += "    - name: " + play.name + "\n      ansible.builtin.import_tasks: tasks/" +
            play.tasks_file + "\n";
  }
  return text;
}

// On the first master: install.sh --cluster-health fed every host that passed postflight
// ("<role> <address>" lines), polled like the host checks.
constexpr const char* k_cluster_check_tasks =
    R"yaml(    - name: Check the whole cluster (install.sh --cluster-health)
      ansible.builtin.command:
        argv: "{{ dcinstall_install_sh + ['--cluster-health'] }}"
        stdin: "{{ dcinstall_cluster_hosts }}"
        stdin_add_newline: false
      vars:
        dcinstall_cluster_hosts: |-
          {% for host in groups['all'] if hostvars[host].dcinstall_healthy | default(false) %}
          {{ hostvars[host].dcinstall_role }} {{ hostvars[host].dcinstall_address }}
          {% endfor %}
      register: dcinstall_cluster
      until: dcinstall_cluster.rc == 0
      retries: "{{ dcinstall_health_retries }}"
      delay: 2
      changed_when: false
)yaml";

std::string header(const ClusterConfig& config, const std::string& what) {
  return "---\n# " + what + " cluster " + config.cluster_name +
         " (written by `dcinstall genconf`; regenerate rather than edit):\n";
}

}  // namespace

long long agent_max_fail_percentage(const ClusterConfig& config) {
  if (config.agent_failure_budget.percent) return config.agent_failure_budget.value;
  const long long agents = static_cast<long long>(config.hosts_with_role(Role::Agent).size() +
                                                  config.hosts_with_role(Role::PublicAgent).size());
  if (agents == 0) return 0;
  const long long percent = config.agent_failure_budget.value * 100 / agents;
  return percent > 100 ? 100 : percent;
}

std::string agent_serial(const ClusterConfig& config) {
  const BatchSize& batch = config.upgrade_max_unavailable;
  const long long value = batch.value < 1 ? 1 : batch.value;
  return batch.percent ? "\"" + std::to_string(value) + "%\"" : std::to_string(value);
}

std::vector<AnsibleFile> render_ansible_playbooks(const ClusterConfig& config) {
  const long long fail = agent_max_fail_percentage(config);
  const std::string serial = agent_serial(config);
  const std::vector<Play> site = {
      {"Preflight of the masters", "master", "", true, "preflight.yml"},
      {"Preflight of the agents", "agent:public_agent", "", false, "preflight.yml"},
      {"Deploy the new masters together (the quorum forms)", "dcinstall_new_master", "", true,
       "deploy.yml"},
      {"Switch the masters one at a time", "dcinstall_switch_master", "1", true, "deploy.yml"},
      {"Deploy the new agents", "dcinstall_new_agent:dcinstall_new_public_agent", "", false,
       "deploy.yml"},
      {"Switch the agents in batches", "dcinstall_switch_agent", serial, false, "deploy.yml"},
      {"Switch the public agents in batches", "dcinstall_switch_public_agent", serial, false,
       "deploy.yml"},
      {"Postflight of the masters", "master", "", true, "health.yml"},
      {"Postflight of the agents", "agent:public_agent", "", false, "health.yml"},
      {"Cluster check", "master[0]", "", true, "", k_cluster_check_tasks},
  };
  std::string site_text =
      header(config, "Installs, or changes, the") +
      "#   preflight on hosts with nothing installed (hosts at their bundle skip the deploy too);\n"
      "#   deploy: new masters together, then masters running another bundle one at a time, then\n"
      "#   agents (new ones together, others in batches of upgrade_max_unavailable = " +
      serial + ");\n" +
      "#   postflight (install.sh --health) and the cluster check on the first master.\n"
      "# A failing master ends the run; agents fail the run past agent_failure_budget (" +
      std::to_string(fail) + "% of a play's batch).\n";
  for (const Play& play : site) site_text += render_play(play, fail);

  const std::vector<Play> uninstall = {
      {"Uninstall the agents", "agent:public_agent", "", false, "uninstall.yml"},
      {"Uninstall the masters", "master", "", true, "uninstall.yml"},
  };
  std::string uninstall_text =
      header(config, "Removes") +
      "#   install.sh --uninstall on every host that holds an install, agents first; leaves the\n"
      "#   hosts as they were before (no file under /opt/dcinstall, /etc/dcinstall,\n"
      "#   /var/lib/dcinstall).\n";
  for (const Play& play : uninstall) uninstall_text += render_play(play, 100);

  return {{"site.yml", site_text},
          {"uninstall.yml", uninstall_text},
          {"tasks/preflight.yml", k_preflight_tasks},
          {"tasks/deploy.yml", k_deploy_tasks},
          {"tasks/health.yml", k_health_tasks},
          {"tasks/uninstall.yml", k_uninstall_tasks}};
}

}  // namespace dci
