#include "installer/support_bundle.h"

#include <archive.h>
#include <archive_entry.h>

#include <ctime>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "config/raw_config.h"
#include "genconf/expanded_config.h"
#include "installer/installer.h"

#ifndef DCINSTALL_VERSION
#define DCINSTALL_VERSION "unknown"
#endif

namespace dci {
namespace {

struct ArchiveFree {
  void operator()(archive* handle) const { archive_write_free(handle); }
};
struct EntryFree {
  void operator()(archive_entry* entry) const { archive_entry_free(entry); }
};

// Replaces every secret's value and every PEM private key block in `text`.
class Redactor {
 public:
  explicit Redactor(const LoadedConfig& config) {
    for (const KeySpec& spec : config.schema.keys()) {
      if (!spec.secret) continue;
      m_secret_keys.push_back(spec.key);
      const ConfigValue* value = config.result.values.find(spec.key);
      for (const std::string& item : value ? value->items : std::vector<std::string>{}) {
        if (item.size() >= 4) m_values.push_back(item);
      }
    }
    const std::string passphrase_env =
        config.result.valid() ? config.result.values.get_string("ssh_key_passphrase_env") : "";
    if (!passphrase_env.empty()) {
      if (auto passphrase = config.environment.get(passphrase_env);
          passphrase && passphrase->size() >= 4) {
        m_values.push_back(*passphrase);
      }
    }
  }

  std::string redact(std::string text) const {
    static const std::regex k_pem(
        "-----BEGIN [A-Z ]*PRIVATE KEY-----[\\s\\S]*?-----END [A-Z ]*PRIVATE KEY-----");
    text = std::regex_replace(text, k_pem, "[private key removed]");
    for (const std::string& value : m_values) {
      for (size_t at = text.find(value); at != std::string::npos; at = text.find(value, at)) {
        text.replace(at, value.size(), k_masked_secret);
        at += k_masked_secret.size();
      }
    }
    return text;
  }

  // config.yaml with the values of secret keys masked (flat YAML: `key: value` lines, block
  // scalars' indented continuation lines dropped).
  std::string mask_config(const std::string& yaml) const {
    std::istringstream lines(yaml);
    std::string out;
    bool skipping_block = false;
    for (std::string line; std::getline(lines, line);) {
      if (skipping_block && (line.empty() || line[0] == ' ' || line[0] == '\t')) continue;
      skipping_block = false;
      for (const std::string& key : m_secret_keys) {
        if (line.rfind(key, 0) == 0 && line.find(':') == key.size()) {
          const std::string rest = line.substr(key.size() + 1);
          skipping_block =
              rest.find('|') != std::string::npos || rest.find('>') != std::string::npos;
          line = key + ": \"" + std::string(k_masked_secret) + "\"";
        }
      }
      out += line + "\n";
    }
    return redact(out);
  }

 private:
  std::vector<std::string> m_secret_keys;
  std::vector<std::string> m_values;
};

nlohmann::json step_json(const StepRecord& step) {
  nlohmann::json json{{"run_id", step.run_id},
                      {"host", step.host},
                      {"stage", step.stage},
                      {"step", step.step},
                      {"command", step.command},
                      {"started_ms", step.started_ms},
                      {"error", step.error},
                      {"output", step.output},
                      {"output_truncated", step.output_truncated}};
  json["finished_ms"] = step.finished_ms ? nlohmann::json(*step.finished_ms) : nlohmann::json();
  json["exit_code"] = step.exit_code ? nlohmann::json(*step.exit_code) : nlohmann::json();
  return json;
}

nlohmann::json state_json(StateStore& state) {
  nlohmann::json json;
  if (auto run = state.last_run()) {
    json["last_run"] = {{"id", run->id},
                        {"command", run->command},
                        {"started_ms", run->started_ms},
                        {"outcome", run->outcome}};
  }
  for (const char* stage : {"preflight", "deploy", "postflight", "cluster-check", "uninstall"}) {
    nlohmann::json& hosts = json["stages"][stage];
    hosts = nlohmann::json::array();
    for (const HostStageStatus& row : state.host_stages(stage)) {
      hosts.push_back({{"host", row.host},
                       {"role", row.role},
                       {"state", host_state_name(row.state)},
                       {"bundle_id", row.bundle_id},
                       {"error", row.error},
                       {"run_id", row.run_id},
                       {"updated_ms", row.updated_ms}});
    }
  }
  return json;
}

class TarGzWriter {
 public:
  Status open(const std::string& path) {
    m_archive.reset(archive_write_new());
    if (!m_archive || archive_write_add_filter_gzip(m_archive.get()) != ARCHIVE_OK ||
        archive_write_set_format_pax_restricted(m_archive.get()) != ARCHIVE_OK ||
        archive_write_open_filename(m_archive.get(), path.c_str()) != ARCHIVE_OK) {
      return Error{"cannot write " + path + ": " + error_text()};
    }
    return Ok{};
  }

  Status add(const std::string& name, const std::string& content) {
    std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
    archive_entry_set_pathname(entry.get(), ("dcinstall-support/" + name).c_str());
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(content.size()));
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0600);
    archive_entry_set_mtime(entry.get(), std::time(nullptr), 0);
    if (archive_write_header(m_archive.get(), entry.get()) != ARCHIVE_OK ||
        archive_write_data(m_archive.get(), content.data(), content.size()) !=
            static_cast<la_ssize_t>(content.size())) {
      return Error{"cannot add " + name + " to the support bundle: " + error_text()};
    }
    return Ok{};
  }

  Status close() {
    if (archive_write_close(m_archive.get()) != ARCHIVE_OK) {
      return Error{"cannot finish the support bundle: " + error_text()};
    }
    return Ok{};
  }

 private:
  std::string error_text() const {
    const char* text = m_archive ? archive_error_string(m_archive.get()) : nullptr;
    return text ? text : "out of memory";
  }
  std::unique_ptr<archive, ArchiveFree> m_archive;
};

std::string read_or_empty(const std::string& path) {
  auto text = read_text_file(path);
  return text ? *text : "";
}

}  // namespace

Status write_support_bundle(Installer& installer, const std::string& output_path) {
  const LoadedConfig& config = installer.config();
  const Redactor redactor(config);
  std::vector<std::pair<std::string, std::string>> files;
  files.emplace_back("config.yaml", redactor.mask_config(read_or_empty(config.path)));
  if (config.result.valid()) {
    files.emplace_back(
        "expanded-config.yaml",
        redactor.redact(render_expanded_config(config.schema, config.result.values, config.path)));
  }
  nlohmann::json errors = nlohmann::json::array();
  for (const Diagnostic& error : config.result.errors) errors.push_back(to_json(error));
  files.emplace_back("validation.json", redactor.redact(errors.dump(2)));
  const std::string work_dir = installer.options().work_dir;
  files.emplace_back("cluster.json",
                     redactor.redact(read_or_empty(work_dir + "/serve/cluster.json")));
  files.emplace_back("state.json", redactor.redact(state_json(installer.state()).dump(2)));
  std::string steps;
  for (const StepRecord& step : installer.state().steps({})) steps += step_json(step).dump() + "\n";
  files.emplace_back("steps.jsonl", redactor.redact(steps));
  nlohmann::json versions{{"dcinstall", DCINSTALL_VERSION},
                          {"libarchive", archive_version_string()}};
  if (config.distribution) {
    versions["distribution"] = config.distribution->name + " " + config.distribution->version;
  }
  files.emplace_back("versions.json", versions.dump(2));

  const std::string temp = output_path + ".partial";
  TarGzWriter writer;
  Status status = writer.open(temp);
  for (size_t i = 0; status && i < files.size(); ++i) {
    status = writer.add(files[i].first, files[i].second);
  }
  if (status) status = writer.close();
  std::error_code error;
  if (status) {
    std::filesystem::rename(temp, output_path, error);
    if (error)
      status = Error{"cannot move the support bundle to " + output_path + ": " + error.message()};
  }
  if (!status) std::filesystem::remove(temp, error);
  return status;
}

}  // namespace dci
