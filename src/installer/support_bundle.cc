#include "installer/support_bundle.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
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
#include "installer/recorded_failures.h"
#include "installer/redactor.h"
#include "installer/support_bundle_steps.h"
#include "orchestrator/event_json.h"

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

// Host output may be invalid or cut UTF-8: bad bytes become U+FFFD instead of throwing.
std::string dump_lenient(const nlohmann::json& json, int indent) {
  return json.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

nlohmann::json state_json(StateStore& state, const Redactor& redactor) {
  nlohmann::json json;
  if (auto run = state.last_run()) {
    json["last_run"] = {{"id", run->id},
                        {"command", run->command},
                        {"started_ms", run->started_ms},
                        {"outcome", run->outcome}};
  }
  for (Stage each : k_all_stages) {
    const std::string stage(stage_name(each));
    nlohmann::json& hosts = json["stages"][stage];
    hosts = nlohmann::json::array();
    const auto read = state.host_stages(stage);
    if (!read) {  // the bundle is wanted most when the state is damaged: it says what failed
      json["read_errors"].push_back(read.error().to_string());
      continue;
    }
    const std::vector<HostStageStatus>& rows = *read;
    for (const HostStageStatus& row : rows) {
      hosts.push_back({{"host", row.host},
                       {"role", row.role},
                       {"state", host_state_name(row.state)},
                       {"bundle_id", row.bundle_id},
                       {"error", redactor.redact(row.error)},
                       {"cause", redactor.redact(recorded_cause(row))},
                       {"run_id", row.run_id},
                       {"updated_ms", row.updated_ms}});
    }
    // What a reader looks at first: the failures of each stage grouped by cause.
    std::vector<FailureGroup> groups = recorded_failure_groups(rows);
    for (FailureGroup& group : groups) group.cause = redactor.redact(std::move(group.cause));
    json["failures_by_cause"][stage] = failure_groups_json(groups);
  }
  json["host_bundles"] = nlohmann::json::array();
  auto bundles = state.host_bundles();
  if (!bundles) {
    json["read_errors"].push_back(bundles.error().to_string());
    return json;
  }
  for (HostBundle row : *bundles) {
    row.change_error = redactor.redact(std::move(row.change_error));
    json["host_bundles"].push_back(host_bundle_json(row));
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
    if (!write_header(name, content.size()) ||
        archive_write_data(m_archive.get(), content.data(), content.size()) !=
            static_cast<la_ssize_t>(content.size())) {
      return Error{"cannot add " + name + " to the support bundle: " + error_text()};
    }
    return Ok{};
  }

  // Adds the file at `path` as `name`, copied in blocks (it may be large).
  Status add_file(const std::string& name, const std::string& path) {
    std::error_code error;
    const auto size = std::filesystem::file_size(path, error);
    std::ifstream in(path, std::ios::binary);
    if (error || !in) return Error{"cannot read " + path + " for the support bundle"};
    if (!write_header(name, size)) {
      return Error{"cannot add " + name + " to the support bundle: " + error_text()};
    }
    std::string block(64 * 1024, '\0');
    for (uintmax_t left = size; left > 0;) {
      const auto want = static_cast<std::streamsize>(std::min<uintmax_t>(left, block.size()));
      if (!in.read(block.data(), want) ||
          archive_write_data(m_archive.get(), block.data(), static_cast<size_t>(want)) != want) {
        return Error{"cannot add " + name + " to the support bundle: " + error_text()};
      }
      left -= static_cast<uintmax_t>(want);
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
  bool write_header(const std::string& name, uintmax_t size) {
    std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
    archive_entry_set_pathname(entry.get(), ("dcinstall-support/" + name).c_str());
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0600);
    archive_entry_set_mtime(entry.get(), std::time(nullptr), 0);
    return archive_write_header(m_archive.get(), entry.get()) == ARCHIVE_OK;
  }

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

Status write_support_bundle(Installer& installer, const std::string& output_path,
                            const RunSelection& runs) {
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
  for (Diagnostic error : config.result.errors) {
    error.message = redactor.redact(error.message);
    errors.push_back(to_json(error));
  }
  files.emplace_back("validation.json", dump_lenient(errors, 2));
  const std::string work_dir = installer.options().work_dir;
  files.emplace_back("cluster.json",
                     redactor.redact(read_or_empty(work_dir + "/serve/cluster.json")));
  files.emplace_back("state.json", dump_lenient(state_json(installer.state(), redactor), 2));
  // The steps are streamed from the store to a file beside the bundle, then into the archive.
  const std::string steps_path = output_path + ".steps.partial";
  std::error_code error;
  Status status = [&]() -> Status {
    std::ofstream steps(steps_path, std::ios::binary | std::ios::trunc);
    if (!steps) return Error{"cannot write " + steps_path};
    std::filesystem::permissions(
        steps_path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
        error);
    return write_support_steps(installer.state(), select_runs(installer.state(), runs), redactor,
                               steps);
  }();
  nlohmann::json versions{{"dcinstall", DCINSTALL_VERSION},
                          {"libarchive", archive_version_string()}};
  if (config.distribution) {
    versions["distribution"] = config.distribution->name + " " + config.distribution->version;
  }
  files.emplace_back("versions.json", versions.dump(2));

  const std::string temp = output_path + ".partial";
  TarGzWriter writer;
  if (status) status = writer.open(temp);
  for (size_t i = 0; status && i < files.size(); ++i) {
    status = writer.add(files[i].first, files[i].second);
  }
  if (status) status = writer.add_file("steps.jsonl", steps_path);
  if (status) status = writer.close();
  std::filesystem::remove(steps_path, error);
  if (status) {
    std::filesystem::rename(temp, output_path, error);
    if (error)
      status = Error{"cannot move the support bundle to " + output_path + ": " + error.message()};
  }
  if (!status) std::filesystem::remove(temp, error);
  return status;
}

}  // namespace dci
