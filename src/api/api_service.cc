#include "api/api_service.h"

#include <libssh/libssh.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "api/config_document.h"
#include "api/config_json.h"
#include "config/key_file.h"
#include "installer/support_bundle.h"
#include "orchestrator/event_json.h"
#include "util/strings.h"

namespace dci::api {
namespace {

namespace fs = std::filesystem;

constexpr size_t k_max_key_bytes = 64 * 1024;

std::optional<nlohmann::json> parse_body(const std::string& body) {
  auto json = nlohmann::json::parse(body, nullptr, false);
  if (json.is_discarded() || !json.is_object()) return std::nullopt;
  return json;
}

ApiResponse bad_body(const std::string& message) {
  return error_response(400, "bad_request", message);
}

ApiResponse run_going() {
  return error_response(409, "run_in_progress",
                        "a run is going; wait for it to end or cancel it first");
}

// Steps per page of GET /api/v1/logs (each up to CappedOutput's cap of output).
constexpr size_t k_max_log_page = 1000;

bool parse_size(const std::string& text, size_t& out) {
  long long value = 0;
  if (!parse_int(text, value) || value < 0) return false;
  out = static_cast<size_t>(value);
  return true;
}

// "SHA256:..." of a private key's public half, or "" when it cannot be read without a passphrase.
std::string key_fingerprint(const std::string& private_key) {
  ssh_key key = nullptr;
  if (ssh_pki_import_privkey_base64(private_key.c_str(), nullptr, nullptr, nullptr, &key) !=
      SSH_OK) {
    return "";
  }
  unsigned char* hash = nullptr;
  size_t length = 0;
  std::string out;
  if (ssh_get_publickey_hash(key, SSH_PUBLICKEY_HASH_SHA256, &hash, &length) == 0) {
    char* text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length);
    if (text) out = text;
    ssh_string_free_char(text);
    ssh_clean_pubkey_hash(&hash);
  }
  ssh_key_free(key);
  return out;
}

std::string timestamp_for_file() {
  const std::time_t now = std::time(nullptr);
  std::tm local{};
  ::localtime_r(&now, &local);
  char text[32];
  std::strftime(text, sizeof text, "%Y%m%d-%H%M%S", &local);
  return text;
}

Result<std::string> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error("cannot read " + path);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

ApiService::ApiService(transport::Executor executor, InstallerOptions options)
    : m_executor(executor),
      m_options(std::move(options)),
      m_hub(executor,
            [this](const std::string& stage, const std::string& host) {
              return m_model.host_event_json(stage, host);
            }),
      m_runs(executor, m_model, m_log, m_hub, m_rolling) {
  m_runs.on_finished([this] {
    if (m_when_idle) {
      auto done = std::move(m_when_idle);
      m_when_idle = nullptr;
      done();
    }
  });
}

ApiService::~ApiService() = default;

Status ApiService::open() {
  auto text = read_config_text();
  if (!text) return text.error();
  if (!*text) return Ok{};  // no config yet: PUT creates it
  return reload();
}

void ApiService::stop() {
  m_hub.stop();
}

void ApiService::cancel_and_then(std::function<void()> done) {
  if (!m_runs.running()) {
    done();
    return;
  }
  m_when_idle = std::move(done);
  m_runs.cancel();
}

Result<std::optional<std::string>> ApiService::read_config_text() const {
  std::error_code error;
  if (!fs::exists(m_options.config_path, error)) return std::optional<std::string>();
  auto text = read_text_file(m_options.config_path);
  if (!text) return text.error();
  return std::optional<std::string>(std::move(*text));
}

Status ApiService::reload() {
  if (!m_installer) {
    auto opened = InstallerParts::open(m_executor, m_options);
    if (!opened) return opened.error();
    m_parts = std::move(*opened);
    m_installer = &m_parts->installer();
  } else {
    Status reloaded = m_installer->reload_config();
    if (!reloaded) return reloaded;
  }
  return rebuild_model();
}

Status ApiService::rebuild_model() {
  if (!m_installer) return m_model.reset(nullptr, nullptr);
  const LoadedConfig& loaded = m_installer->config();
  Status loaded_rows = Ok{};
  if (loaded.result.valid()) {
    const ClusterConfig cluster = loaded.cluster();
    loaded_rows = m_model.reset(&cluster, &m_installer->state());
  } else {
    loaded_rows = m_model.reset(nullptr, &m_installer->state());
  }
  m_model.set_run(m_installer->state().last_run(), false);
  m_hub.publish({{"type", "config_changed"}});
  return loaded_rows;
}

Status ApiService::write_config(const std::string& text) {
  Status written = write_file_atomically(m_options.config_path, text);
  if (!written) return written;
  return reload();
}

transport::Task<ApiResponse> ApiService::handle(const ApiRequest& request) {
  const std::string& path = request.path;
  const std::string& method = request.method;
  auto route = [&](const char* route_path, const char* route_method) {
    return path == route_path && method == route_method;
  };
  if (route("/api/v1/schema", "GET")) co_return get_schema();
  if (route("/api/v1/config", "GET")) co_return get_config();
  if (route("/api/v1/config", "PUT")) co_return put_config(request);
  if (route("/api/v1/config/validate", "POST")) co_return validate_config(request);
  if (route("/api/v1/ssh-key", "POST")) co_return put_ssh_key(request);
  if (route("/api/v1/runs", "POST")) {
    ApiResponse response = co_await start_run(request);
    co_return response;
  }
  if (route("/api/v1/runs/cancel", "POST")) {
    m_runs.cancel();
    co_return json_response(202, nlohmann::json::object());
  }
  if (route("/api/v1/status", "GET")) co_return get_status();
  if (route("/api/v1/hosts", "GET")) co_return get_hosts(request);
  if (route("/api/v1/failures", "GET")) co_return get_failures(request);
  if (route("/api/v1/plan", "GET")) co_return get_plan(request);
  if (route("/api/v1/upgrade", "GET")) co_return get_upgrade();
  if (route("/api/v1/logs", "GET")) co_return get_logs(request);
  if (route("/api/v1/support-bundle", "GET")) co_return get_support_bundle();
  for (const char* known :
       {"/api/v1/schema", "/api/v1/config", "/api/v1/config/validate", "/api/v1/ssh-key",
        "/api/v1/runs", "/api/v1/runs/cancel", "/api/v1/status", "/api/v1/hosts", "/api/v1/failures",
        "/api/v1/plan", "/api/v1/upgrade", "/api/v1/logs",
        "/api/v1/support-bundle", "/api/v1/events"}) {
    if (path == known) {
      co_return error_response(405, "method_not_allowed", method + " is not supported on " + path);
    }
  }
  co_return error_response(404, "not_found", "no such API path: " + path);
}

ApiResponse ApiService::get_schema() {
  auto text = read_config_text();
  if (text && *text)
    return json_response(200, schema_json(check_config_text(**text, m_options.config_path).schema));
  return json_response(200, schema_json(command_schema()));
}

ApiResponse ApiService::get_config() {
  auto text = read_config_text();
  if (!text) return error_response(500, "config_unreadable", text.error().to_string());
  nlohmann::json out{{"path", m_options.config_path},
                     {"exists", text->has_value()},
                     {"valid", false},
                     {"errors", nlohmann::json::array()},
                     {"warnings", nlohmann::json::array()}};
  if (!*text) {
    const nlohmann::json empty = values_json(command_schema(), RawConfig{});
    out["values"] = empty["values"];
    out["secrets"] = empty["secrets"];
    return json_response(200, out);
  }
  // load_config() is what `dcinstall validate` runs: the same diagnostics, to the byte.
  auto loaded = load_config(m_options.config_path);
  if (!loaded) return error_response(500, "config_unreadable", loaded.error().to_string());
  const RawConfig raw = raw_entries(**text, m_options.config_path);
  SecretMask mask;
  add_secrets(loaded->schema, raw, mask);
  const nlohmann::json values = values_json(loaded->schema, raw);
  out["values"] = values["values"];
  out["secrets"] = values["secrets"];
  out["valid"] = loaded->result.valid();
  out["errors"] = diagnostics_json(loaded->result.errors, mask);
  out["warnings"] = diagnostics_json(loaded->result.warnings, mask);
  return json_response(200, out);
}

namespace {

// Both PUT and validate: the body's values as a config text, checked.
struct ProposedConfig {
  std::string text;
  CheckedConfig checked;
  SecretMask mask;
};

Result<ProposedConfig> propose(const std::string& body, const std::string& config_path,
                               const std::optional<std::string>& current_text) {
  const auto json = parse_body(body);
  if (!json || !json->contains("values")) {
    return Error("the body must be a JSON object {\"values\": {key: value, ...}}");
  }
  const std::string current = current_text.value_or("");
  const Schema schema =
      current_text ? check_config_text(current, config_path).schema : command_schema();
  const RawConfig current_raw = raw_entries(current, config_path);
  auto text = render_config(json->at("values"), schema, current_raw, current);
  if (!text) return text.error();
  ProposedConfig proposed;
  proposed.text = std::move(*text);
  proposed.checked = check_config_text(proposed.text, config_path);
  add_secrets(schema, current_raw, proposed.mask);
  add_secrets(proposed.checked.schema, raw_entries(proposed.text, config_path), proposed.mask);
  return proposed;
}

}  // namespace

ApiResponse ApiService::validate_config(const ApiRequest& request) {
  auto current = read_config_text();
  if (!current) return error_response(500, "config_unreadable", current.error().to_string());
  auto proposed = propose(request.body, m_options.config_path, *current);
  if (!proposed) return bad_body(proposed.error().to_string());
  const ValidationResult& result = proposed->checked.result;
  return json_response(200, {{"valid", result.valid()},
                             {"errors", diagnostics_json(result.errors, proposed->mask)},
                             {"warnings", diagnostics_json(result.warnings, proposed->mask)}});
}

ApiResponse ApiService::put_config(const ApiRequest& request) {
  if (m_runs.running()) return run_going();
  auto current = read_config_text();
  if (!current) return error_response(500, "config_unreadable", current.error().to_string());
  auto proposed = propose(request.body, m_options.config_path, *current);
  if (!proposed) return bad_body(proposed.error().to_string());
  const ValidationResult& result = proposed->checked.result;
  nlohmann::json out{{"valid", result.valid()},
                     {"path", m_options.config_path},
                     {"errors", diagnostics_json(result.errors, proposed->mask)},
                     {"warnings", diagnostics_json(result.warnings, proposed->mask)}};
  if (!result.valid()) {
    return error_response(
        422, "invalid_config",
        "the config has " + std::to_string(result.errors.size()) + " error(s); nothing was written",
        out);
  }
  Status written = write_config(proposed->text);
  if (!written) return error_response(500, "write_failed", written.error().to_string());
  return json_response(200, out);
}

ApiResponse ApiService::put_ssh_key(const ApiRequest& request) {
  if (m_runs.running()) return run_going();
  const auto json = parse_body(request.body);
  if (!json || !json->contains("private_key") || !json->at("private_key").is_string()) {
    return bad_body("the body must be {\"private_key\": \"-----BEGIN ... PRIVATE KEY-----...\"}");
  }
  std::string key = json->at("private_key").get<std::string>();
  if (key.size() > k_max_key_bytes || key.find("-----BEGIN") == std::string::npos ||
      key.find("PRIVATE KEY-----") == std::string::npos) {
    return bad_body("private_key is not a PEM or OpenSSH private key");
  }
  if (key.back() != '\n') key += '\n';
  const fs::path dir = fs::absolute(fs::path(m_options.work_dir) / "ssh");
  std::error_code error;
  fs::create_directories(dir, error);
  ::chmod(dir.c_str(), 0700);
  const std::string key_path = (dir / "id_dcinstall").string();
  // write_file_atomically keeps an existing file's mode; make sure it is 0600.
  Status written = write_file_atomically(key_path, key);
  if (written) ::chmod(key_path.c_str(), 0600);
  if (!written) return error_response(500, "write_failed", written.error().to_string());
  auto info = inspect_key_file(key_path);
  if (!info) {
    ::unlink(key_path.c_str());
    return bad_body(info.error().message);
  }
  const std::string fingerprint = info->encrypted ? "" : key_fingerprint(key);
  if (!info->encrypted && fingerprint.empty()) {
    ::unlink(key_path.c_str());
    return bad_body("private_key could not be read as a private key");
  }

  // Point ssh_key_path at it, keeping every other value (secrets included) as it is.
  auto current = read_config_text();
  if (!current) return error_response(500, "config_unreadable", current.error().to_string());
  const std::string current_text = current->value_or("");
  const Schema schema =
      *current ? check_config_text(current_text, m_options.config_path).schema : command_schema();
  const RawConfig raw = raw_entries(current_text, m_options.config_path);
  nlohmann::json values = values_json(schema, raw)["values"];
  values["ssh_key_path"] = key_path;
  auto text = render_config(values, schema, raw, current_text);
  if (!text) return error_response(500, "write_failed", text.error().to_string());
  Status saved = write_config(*text);
  if (!saved) return error_response(500, "write_failed", saved.error().to_string());
  return json_response(
      200,
      {{"ssh_key_path", key_path}, {"fingerprint", fingerprint}, {"encrypted", info->encrypted}});
}

transport::Task<ApiResponse> ApiService::start_run(const ApiRequest& request) {
  const auto json = parse_body(request.body);
  if (!json || !json->contains("action") || !json->at("action").is_string()) {
    co_return bad_body(
        "the body must be {\"action\": \"preflight\"|\"deploy\"|\"postflight\"|"
        "\"install\"|\"uninstall\"|\"upgrade\"|\"rollback\"|\"prune\", \"retry_failed\": bool, "
        "\"install_prereqs\": bool}");
  }
  const std::string action = json->at("action").get<std::string>();
  const auto stages = stages_of_action(action);
  if (!stages) co_return bad_body("unknown action '" + action + "'");
  for (const char* flag : {"retry_failed", "install_prereqs"}) {
    if (json->contains(flag) && !json->at(flag).is_boolean()) {
      co_return bad_body(std::string("'") + flag + "' must be true or false");
    }
  }
  auto selected = selected_hosts(*json, stages->front());
  if (!selected) co_return bad_body(selected.error().message);
  const bool retry_failed = json->value("retry_failed", false) || !selected->empty();
  std::optional<bool> install_prereqs;
  if (json->contains("install_prereqs")) install_prereqs = json->at("install_prereqs").get<bool>();
  if (m_runs.running()) co_return run_going();
  if (!m_installer) {
    Status opened = open();
    if (!opened) co_return error_response(500, "config_unreadable", opened.error().to_string());
  }
  if (!m_installer) {
    co_return error_response(422, "invalid_config", "there is no config yet; save one first",
                             {{"valid", false}, {"errors", nlohmann::json::array()}});
  }
  Status reloaded = reload();
  if (!reloaded) co_return error_response(500, "config_unreadable", reloaded.error().to_string());
  const LoadedConfig& loaded = m_installer->config();
  if (!loaded.result.valid()) {
    SecretMask mask;
    if (auto text = read_config_text(); text && *text) {
      add_secrets(loaded.schema, raw_entries(**text, m_options.config_path), mask);
    }
    co_return error_response(
        422, "invalid_config", "the config is invalid; fix it before running " + action,
        {{"valid", false}, {"errors", diagnostics_json(loaded.result.errors, mask)}});
  }
  RunRequest run;
  run.command = recorded_command(action, retry_failed, install_prereqs);
  run.stages = *stages;
  run.retry_failed = retry_failed;
  run.only_hosts = std::move(*selected);
  if (json->contains("cause")) {
    run.command += " --cause '" + json->at("cause").get<std::string>() + "'";
  } else if (!run.only_hosts.empty()) {
    run.command += " --hosts " + std::to_string(run.only_hosts.size());
  }
  // Like `dcinstall install`: run again, hosts that passed at their bundle are not touched.
  run.skip_succeeded = action == "install";
  run.install_prereqs = install_prereqs;
  if (action == "upgrade") run.kind = RunKind::Upgrade;
  if (action == "rollback") run.kind = RunKind::Rollback;
  if (action == "prune") run.kind = RunKind::Prune;
  Installer& installer = *m_installer;
  if (run.kind != RunKind::Stages) {
    // The Upgrade screen shows the waves still to come: the plan this run is about to execute.
    // (A plan that cannot be made fails the run the same way, which then says why.)
    if (auto plan = installer.rolling_plan(run.kind == RunKind::Rollback)) m_rolling.expect(*plan);
  }
  auto started = co_await m_runs.start(installer, run);
  if (!started) co_return error_response(422, "run_failed", started.error().to_string());
  co_return json_response(202, {{"run_id", *started}});
}

Result<std::vector<std::string>> ApiService::selected_hosts(const nlohmann::json& body,
                                                            Stage first_stage) const {
  std::vector<std::string> hosts;
  if (body.contains("hosts")) {
    const nlohmann::json& list = body.at("hosts");
    if (!list.is_array() || list.empty()) return Error("'hosts' must be a list of host ids");
    for (const nlohmann::json& host : list) {
      if (!host.is_string()) return Error("'hosts' must be a list of host ids");
      hosts.push_back(host.get<std::string>());
    }
  }
  if (!body.contains("cause")) return hosts;
  if (!hosts.empty()) return Error("give 'hosts' or 'cause', not both");
  if (!body.at("cause").is_string() || (body.contains("stage") && !body.at("stage").is_string())) {
    return Error("'cause' and 'stage' must be strings");
  }
  const std::string stage = body.value("stage", std::string(stage_name(first_stage)));
  const std::string cause = body.at("cause").get<std::string>();
  hosts = m_model.hosts_with_cause(stage, cause);
  if (hosts.empty()) return Error("no host failed in " + stage + " with the cause '" + cause + "'");
  return hosts;
}

ApiResponse ApiService::get_status() {
  nlohmann::json status = m_model.status_json();
  status["event_id"] = m_hub.current_id();
  return json_response(200, status);
}

ApiResponse ApiService::get_hosts(const ApiRequest& request) {
  HostQuery query;
  query.stage = request.param("stage");
  query.role = request.param("role");
  query.state = request.param("state");
  query.text = request.param("q");
  query.cause = request.param("cause");
  if (!parse_size(request.param("offset", "0"), query.offset) ||
      !parse_size(request.param("limit", "100"), query.limit)) {
    return bad_body("offset and limit must be non-negative integers");
  }
  return json_response(200, m_model.hosts_json(query));
}

ApiResponse ApiService::get_failures(const ApiRequest& request) {
  size_t limit = 0;
  if (!parse_size(request.param("limit", "100"), limit)) {
    return bad_body("limit must be a non-negative integer");
  }
  return json_response(200, m_model.failures_json(request.param("stage"), limit));
}

ApiResponse ApiService::get_logs(const ApiRequest& request) {
  StepFilter filter;
  filter.host = request.param("host");
  filter.stage = request.param("stage");
  RunSelection runs;
  if (const std::string run = request.param("run_id"); run == "all") {
    runs.all_runs = true;
  } else if (!run.empty()) {
    long long id = 0;
    if (!parse_int(run, id)) return bad_body("run_id must be an integer or all");
    runs.run_id = id;
  }
  size_t limit = 0;
  if (!parse_size(request.param("offset", "0"), filter.offset) ||
      !parse_size(request.param("limit", "100"), limit) || limit > k_max_log_page) {
    return bad_body("offset and limit must be non-negative integers, limit at most " +
                    std::to_string(k_max_log_page));
  }
  filter.limit = limit;
  return json_response(
      200, m_log.steps_json(m_installer ? &m_installer->state() : nullptr, filter, runs));
}

ApiResponse ApiService::get_plan(const ApiRequest& request) {
  const std::string action = request.param("action", "upgrade");
  if (action != "upgrade" && action != "rollback" && action != "prune") {
    return bad_body("unknown action '" + action + "' (upgrade, rollback or prune)");
  }
  if (m_runs.running()) return run_going();
  if (!m_installer) {
    return error_response(404, "no_config", "there is no config yet, so nothing to " + action);
  }
  if (action == "prune") {
    auto removed = m_installer->prune_plan();
    if (!removed) return error_response(422, "invalid_config", removed.error().to_string());
    return json_response(200, prune_plan_json(*removed));
  }
  auto plan = m_installer->rolling_plan(action == "rollback");
  if (!plan) return error_response(422, "invalid_config", plan.error().to_string());
  return json_response(200, rolling_plan_json(*plan));
}

ApiResponse ApiService::get_upgrade() {
  nlohmann::json view = m_rolling.json();
  view["event_id"] = m_hub.current_id();
  return json_response(200, view);
}

ApiResponse ApiService::get_support_bundle() {
  if (!m_installer) {
    return error_response(404, "no_config", "there is no config yet, so nothing to bundle");
  }
  std::error_code error;
  fs::create_directories(m_options.work_dir, error);
  const std::string temp =
      (fs::path(m_options.work_dir) / (".support-bundle-" + std::to_string(::getpid()) + ".tar.gz"))
          .string();
  Status written = write_support_bundle(*m_installer, temp);
  if (!written) return error_response(500, "support_bundle_failed", written.error().to_string());
  auto bytes = read_whole_file(temp);
  ::unlink(temp.c_str());
  if (!bytes) return error_response(500, "support_bundle_failed", bytes.error().to_string());
  ApiResponse response;
  response.content_type = "application/gzip";
  response.body = std::move(*bytes);
  response.headers.emplace_back("Content-Disposition", "attachment; filename=\"dcinstall-support-" +
                                                           timestamp_for_file() + ".tar.gz\"");
  return response;
}

}  // namespace dci::api
