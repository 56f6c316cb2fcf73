#include "api/status_model.h"
#include "util/wall_clock.h"

#include <algorithm>
#include <cctype>

#include <nlohmann/json.hpp>

#include "installer/recorded_failures.h"
#include "orchestrator/event_json.h"
#include "orchestrator/plan.h"
#include "util/strings.h"

namespace dci::api {
namespace {

constexpr size_t k_max_line = 300;  // bytes of a host's last output line kept
constexpr size_t k_max_limit = 1000;

const std::vector<std::string> k_stage_names = [] {
  std::vector<std::string> names;
  for (Stage stage : k_all_stages) names.emplace_back(stage_name(stage));
  return names;
}();

// The cluster check runs on one master, an upgrade on the hosts that change, a prune on hosts
// no longer in the config (and the master that runs their leave steps).
bool holds_every_host(const std::string& stage) {
  return stage != stage_name(Stage::ClusterCheck) && stage != stage_name(Stage::Upgrade) &&
         stage != stage_name(Stage::Prune);
}

// "10.0.0.9:22" < "10.0.0.10:22": runs of digits compare as numbers.
bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit(static_cast<unsigned char>(a[i])) &&
        std::isdigit(static_cast<unsigned char>(b[j]))) {
      size_t i_end = i;
      size_t j_end = j;
      while (i_end < a.size() && std::isdigit(static_cast<unsigned char>(a[i_end]))) ++i_end;
      while (j_end < b.size() && std::isdigit(static_cast<unsigned char>(b[j_end]))) ++j_end;
      size_t i_start = i;
      size_t j_start = j;
      while (i_start + 1 < i_end && a[i_start] == '0') ++i_start;
      while (j_start + 1 < j_end && b[j_start] == '0') ++j_start;
      const size_t i_len = i_end - i_start;
      const size_t j_len = j_end - j_start;
      if (i_len != j_len) return i_len < j_len;
      const int order = a.compare(i_start, i_len, b, j_start, j_len);
      if (order != 0) return order < 0;
      i = i_end;
      j = j_end;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

bool contains_ignoring_case(const std::string& haystack, const std::string& lower_needle) {
  if (lower_needle.empty()) return true;
  const auto it =
      std::search(haystack.begin(), haystack.end(), lower_needle.begin(), lower_needle.end(),
                  [](char h, char n) { return std::tolower(static_cast<unsigned char>(h)) == n; });
  return it != haystack.end();
}

// The last non-empty line of an output chunk, capped; "" when it has none.
std::string last_line_of(const std::string& data) {
  size_t end = data.size();
  while (end > 0) {
    while (end > 0 && (data[end - 1] == '\n' || data[end - 1] == '\r')) --end;
    const size_t start = data.rfind('\n', end == 0 ? 0 : end - 1);
    const size_t begin = start == std::string::npos ? 0 : start + 1;
    std::string line = data.substr(begin, end - begin);
    const auto first = line.find_first_not_of(" \t\r");
    if (first != std::string::npos) {
      line.erase(0, first);
      if (line.size() > k_max_line) line.resize(k_max_line);
      return line;
    }
    if (begin == 0) break;
    end = begin - 1;
  }
  return "";
}

bool counts_as_failed(HostState state) {
  return state == HostState::Failed || state == HostState::Interrupted;
}

std::vector<std::string> split_states(const std::string& text) {
  std::vector<std::string> out;
  for (const std::string& part : split(text, ',')) {
    const std::string_view name = trim(part);
    if (!name.empty()) out.emplace_back(name);
  }
  return out;
}

nlohmann::json empty_counts() {
  return {{"total", 0},  {"pending", 0}, {"running", 0},   {"succeeded", 0},
          {"failed", 0}, {"skipped", 0}, {"cancelled", 0}, {"interrupted", 0}};
}

}  // namespace

StatusModel::StatusModel() {
  (void)reset(nullptr, nullptr);  // no store: nothing to read
}

const std::vector<std::string>& StatusModel::stage_names() {
  return k_stage_names;
}

Status StatusModel::reset(const ClusterConfig* config, const StateStore* store) {
  m_cluster_name.clear();
  m_hosts.clear();
  m_index.clear();
  m_order.clear();
  m_stages.clear();
  m_last_stage.clear();
  if (config) {
    m_cluster_name = config->cluster_name;
    for (const ClusterHost& host : config->hosts) {
      if (m_index.count(host.id())) continue;
      m_index[host.id()] = m_hosts.size();
      m_hosts.push_back({host.id(), host.address, host.role});
    }
  }
  m_order.resize(m_hosts.size());
  for (size_t i = 0; i < m_order.size(); ++i) m_order[i] = i;
  std::sort(m_order.begin(), m_order.end(),
            [this](size_t a, size_t b) { return natural_less(m_hosts[a].id, m_hosts[b].id); });
  for (const std::string& name : k_stage_names) stage(name);
  if (!store) return Ok{};
  int64_t latest = 0;
  for (const std::string& name : k_stage_names) {
    StageView& view = stage(name);
    const auto rows = store->host_stages(name);
    if (!rows) return rows.error();
    for (const HostStageStatus& row : *rows) {
      HostCell* target = cell(name, row.host);
      if (!target) continue;
      target->present = true;
      target->state = row.state;
      target->error = row.error;
      target->cause = recorded_cause(row);
      target->bundle_id = row.bundle_id;
      target->updated_ms = row.updated_ms;
      if (row.updated_ms > latest && row.state != HostState::Pending) {
        latest = row.updated_ms;
        m_last_stage = name;
      }
    }
    view.state = derived_state(view);
  }
  return Ok{};
}

StatusModel::StageView& StatusModel::stage(const std::string& name) {
  auto it = m_stages.find(name);
  if (it == m_stages.end()) {
    StageView view;
    view.all_hosts = holds_every_host(name);
    view.cells.resize(m_hosts.size());
    for (HostCell& c : view.cells) c.present = view.all_hosts;
    it = m_stages.emplace(name, std::move(view)).first;
  }
  return it->second;
}

StatusModel::HostCell* StatusModel::cell(const std::string& stage_name, const std::string& host) {
  const auto it = m_index.find(host);
  if (it == m_index.end()) return nullptr;
  HostCell& found = stage(stage_name).cells[it->second];
  found.present = true;
  return &found;
}

std::string StatusModel::derived_state(const StageView& view) {
  size_t present = 0;
  size_t done = 0;
  size_t recorded = 0;
  bool failed = false;
  bool cancelled = false;
  for (const HostCell& c : view.cells) {
    if (!c.present) continue;
    ++present;
    if (c.updated_ms > 0) ++recorded;
    failed |= counts_as_failed(c.state);
    cancelled |= c.state == HostState::Cancelled;
    done += c.state == HostState::Succeeded || c.state == HostState::Skipped;
  }
  if (recorded == 0) return "not_started";
  if (failed) return "failed";
  if (cancelled) return "cancelled";
  return done == present ? "succeeded" : "not_started";
}

void StatusModel::start_stage(const StageStarted& started) {
  StageView& view = stage(started.stage);
  m_last_stage = started.stage;
  view.phase = started.phase;
  if (view.state == "running") return;  // the next phase of the same stage run
  // A rolling change runs its stage once per wave within one run: the hosts of earlier waves keep
  // their states (and the stage its clock).
  const bool next_wave = started.run_id != 0 && started.run_id == view.run_id;
  view.run_id = started.run_id;
  view.state = "running";
  view.summary.clear();
  if (next_wave) return;
  view.seconds = 0;
  view.started = std::chrono::steady_clock::now();
  for (HostCell& c : view.cells) {
    if (!c.present) continue;
    c.before_run = c.state;
    c.before_error = std::move(c.error);
    c.before_cause = std::move(c.cause);
    c.state = HostState::Pending;
    c.step.clear();
    c.last_line.clear();
    c.error.clear();
    c.cause.clear();
  }
}

void StatusModel::finish_host(const HostFinished& finished) {
  HostCell* c = cell(finished.stage, finished.host);
  if (!c) return;
  const bool keep_success = finished.state == HostState::Skipped && c->before_run &&
                            *c->before_run == HostState::Succeeded;
  // A failed host not selected by a retry (of another cause, another host list) stays failed.
  const bool keep_failure =
      finished.state == HostState::Skipped && c->before_run && counts_as_failed(*c->before_run);
  // A skipped host keeps what it had (e.g. "already at bundle X" after a success), as the state
  // store does.
  c->state = keep_success ? HostState::Succeeded : keep_failure ? *c->before_run : finished.state;
  c->error = keep_failure ? c->before_error : finished.error;
  c->cause = keep_failure ? c->before_cause : finished.cause;
  if (!finished.bundle_id.empty()) c->bundle_id = finished.bundle_id;
  c->updated_ms = now_ms();
  if (finished.stage == "uninstall" && finished.state == HostState::Succeeded) {
    for (const char* other : {"preflight", "deploy", "postflight", "cluster-check"}) {
      const auto it = m_stages.find(other);
      if (it == m_stages.end()) continue;
      HostCell& reset = it->second.cells[m_index.at(finished.host)];
      if (!reset.present) continue;
      reset = HostCell{};
      reset.present = true;
      reset.error = "uninstalled";
      reset.updated_ms = c->updated_ms;
    }
  }
}

void StatusModel::finish_stage(const StageFinished& finished) {
  StageView& view = stage(finished.stage);
  view.state = finished.cancelled ? "cancelled" : finished.ok ? "succeeded" : "failed";
  view.summary = finished.summary;
  view.seconds = finished.seconds;
  view.phase.clear();
  for (HostCell& c : view.cells) {
    c.before_run.reset();
    c.before_error.clear();
    c.before_cause.clear();
  }
}

void StatusModel::on_event(const Event& event) {
  if (const auto* started = std::get_if<StageStarted>(&event)) {
    start_stage(*started);
  } else if (const auto* step = std::get_if<HostStepStarted>(&event)) {
    if (HostCell* c = cell(step->stage, step->host)) {
      c->state = HostState::Running;
      c->step = step->step;
      c->updated_ms = now_ms();
    }
  } else if (const auto* chunk = std::get_if<OutputChunk>(&event)) {
    if (HostCell* c = cell(chunk->stage, chunk->host)) {
      std::string line = last_line_of(chunk->data);
      if (!line.empty()) c->last_line = std::move(line);
    }
  } else if (const auto* step_done = std::get_if<HostStepFinished>(&event)) {
    if (HostCell* c = cell(step_done->stage, step_done->host)) {
      if (!step_done->ok) c->error = step_done->error;
    }
  } else if (const auto* host = std::get_if<HostFinished>(&event)) {
    finish_host(*host);
  } else if (const auto* stage_done = std::get_if<StageFinished>(&event)) {
    finish_stage(*stage_done);
  }
}

void StatusModel::set_run(std::optional<RunInfo> run, bool running) {
  m_run = std::move(run);
  m_running = running;
}

nlohmann::json StatusModel::status_json() const {
  nlohmann::json cluster{{"name", m_cluster_name},
                         {"masters", nlohmann::json::array()},
                         {"agents", nlohmann::json::array()},
                         {"public_agents", nlohmann::json::array()}};
  for (const HostIdentity& host : m_hosts) {
    const char* list = host.role == Role::Master  ? "masters"
                       : host.role == Role::Agent ? "agents"
                                                  : "public_agents";
    cluster[list].push_back(host.address);
  }
  nlohmann::json stages = nlohmann::json::object();
  for (const std::string& name : k_stage_names) {
    const StageView& view = m_stages.at(name);
    std::map<Role, std::map<HostState, int>> counts;
    for (size_t i = 0; i < view.cells.size(); ++i) {
      if (view.cells[i].present) ++counts[m_hosts[i].role][view.cells[i].state];
    }
    nlohmann::json roles = nlohmann::json::object();
    for (Role role : {Role::Master, Role::Agent, Role::PublicAgent}) {
      nlohmann::json row = empty_counts();
      int total = 0;
      for (const auto& [state, count] : counts[role]) {
        total += count;
        // "failed" includes "interrupted" (both are redone by retry_failed).
        if (state == HostState::Interrupted) row["failed"] = row["failed"].get<int>() + count;
        const std::string key(host_state_name(state));
        row[key] = row[key].get<int>() + count;
      }
      row["total"] = total;
      roles[std::string(role_name(role))] = row;
    }
    double seconds = view.seconds;
    if (view.state == "running") {
      seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - view.started).count();
    }
    stages[name] = {{"state", view.state},
                    {"phase", view.phase},
                    {"summary", view.summary},
                    {"seconds", seconds},
                    {"roles", roles}};
  }
  nlohmann::json run = nullptr;
  if (m_run) {
    run = {{"id", m_run->id},
           {"command", m_run->command},
           {"started_ms", m_run->started_ms},
           {"finished_ms", m_run->finished_ms ? nlohmann::json(*m_run->finished_ms) : nullptr},
           {"outcome", m_run->outcome}};
  }
  return {{"running", m_running},
          {"run", run},
          {"cluster", cluster},
          {"stages", stages},
          {"last_stage", m_last_stage}};
}

nlohmann::json StatusModel::host_event_json(const std::string& stage_name,
                                            const std::string& host) const {
  const auto stage_it = m_stages.find(stage_name);
  const auto host_it = m_index.find(host);
  if (stage_it == m_stages.end() || host_it == m_index.end()) return nullptr;
  const HostCell& c = stage_it->second.cells[host_it->second];
  if (!c.present) return nullptr;
  return {{"type", "host"},
          {"stage", stage_name},
          {"host", host},
          {"role", std::string(role_name(m_hosts[host_it->second].role))},
          {"state", std::string(host_state_name(c.state))},
          {"step", c.step},
          {"last_line", c.last_line},
          {"error", c.error},
          {"bundle_id", c.bundle_id},
          {"updated_ms", c.updated_ms}};
}

std::string StatusModel::stage_or_last(const std::string& name) const {
  return !name.empty() ? name : !m_last_stage.empty() ? m_last_stage : "preflight";
}

nlohmann::json StatusModel::failures_json(const std::string& stage_name, size_t limit) const {
  const std::string name = stage_or_last(stage_name);
  nlohmann::json out{
      {"stage", name}, {"total", 0}, {"causes", nlohmann::json::array()}, {"more_causes", 0}};
  const auto stage_it = m_stages.find(name);
  if (stage_it == m_stages.end()) return out;
  FailureGrouper grouper;
  const std::vector<HostCell>& cells = stage_it->second.cells;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (cells[i].present && counts_as_failed(cells[i].state)) {
      grouper.add(m_hosts[i].id, cells[i].cause);
    }
  }
  std::vector<FailureGroup> groups = grouper.groups();
  if (groups.size() > limit) {
    out["more_causes"] = groups.size() - limit;
    groups.resize(limit);
  }
  out["total"] = grouper.total();
  out["causes"] = failure_groups_json(groups);
  return out;
}

std::vector<std::string> StatusModel::hosts_with_cause(const std::string& stage_name,
                                                       const std::string& cause) const {
  std::vector<std::string> out;
  const auto stage_it = m_stages.find(stage_or_last(stage_name));
  if (stage_it == m_stages.end()) return out;
  for (size_t i : m_order) {
    const HostCell& c = stage_it->second.cells[i];
    if (c.present && counts_as_failed(c.state) && c.cause == cause) out.push_back(m_hosts[i].id);
  }
  return out;
}

nlohmann::json StatusModel::hosts_json(const HostQuery& query) const {
  nlohmann::json out{{"total", 0}, {"hosts", nlohmann::json::array()}};
  const std::string stage_name = stage_or_last(query.stage);
  const auto stage_it = m_stages.find(stage_name);
  if (stage_it == m_stages.end()) return out;
  const StageView& view = stage_it->second;
  out["stage"] = stage_name;

  std::vector<HostState> states;
  for (const std::string& name : split_states(query.state)) {
    if (auto state = host_state_from_name(name)) states.push_back(*state);
  }
  const bool bad_state_filter = !query.state.empty() && states.empty();
  std::optional<Role> role;
  if (!query.role.empty()) role = role_from_name(query.role);
  if (bad_state_filter || (!query.role.empty() && !role)) return out;

  std::string needle = query.text;
  std::transform(needle.begin(), needle.end(), needle.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  auto matches = [&](size_t i) {
    const HostCell& c = view.cells[i];
    if (!c.present) return false;
    if (role && m_hosts[i].role != *role) return false;
    if (!query.cause.empty() && (!counts_as_failed(c.state) || c.cause != query.cause)) {
      return false;
    }
    if (!states.empty() && std::find(states.begin(), states.end(), c.state) == states.end()) {
      return false;
    }
    return needle.empty() || contains_ignoring_case(m_hosts[i].id, needle) ||
           contains_ignoring_case(c.step, needle) || contains_ignoring_case(c.last_line, needle) ||
           contains_ignoring_case(c.error, needle);
  };

  const size_t limit = std::min(query.limit, k_max_limit);
  size_t total = 0;
  nlohmann::json& hosts = out["hosts"];
  // Two passes over the sorted order: failed hosts first, then the others.
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i : m_order) {
      if (counts_as_failed(view.cells[i].state) != (pass == 0) || !matches(i)) continue;
      if (total >= query.offset && total < query.offset + limit) {
        const HostCell& c = view.cells[i];
        hosts.push_back({{"host", m_hosts[i].id},
                         {"role", std::string(role_name(m_hosts[i].role))},
                         {"state", std::string(host_state_name(c.state))},
                         {"step", c.step},
                         {"last_line", c.last_line},
                         {"error", c.error},
                         {"cause", c.cause},
                         {"bundle_id", c.bundle_id},
                         {"updated_ms", c.updated_ms}});
      }
      ++total;
    }
  }
  out["total"] = total;
  return out;
}

}  // namespace dci::api
