#include "api/config_document.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <regex>

#include <nlohmann/json.hpp>

#include "api/config_json.h"
#include "config/environment.h"
#include "installer/config_loading.h"
#include "util/strings.h"

namespace dci::api {
namespace {

bool valid_key_name(const std::string& key) {
  static const std::regex k_key("[A-Za-z_][A-Za-z0-9_.-]{0,127}");
  return std::regex_match(key, k_key);
}

// A YAML scalar for `text`: plain when that reads back as the same text, else double-quoted
// (JSON string syntax is valid YAML double-quoted syntax).
// A plain scan: std::regex recurses per character and overflows the stack on long values.
bool is_plain_scalar(const std::string& text) {
  const auto plain_char = [](char c, bool first) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '/') return true;
    return !first && std::string_view("./@:+=~-").find(c) != std::string_view::npos;
  };
  if (text.empty() || text.back() == ':') return false;
  for (size_t i = 0; i < text.size(); ++i) {
    if (!plain_char(text[i], i == 0)) return false;
  }
  return true;
}

std::string yaml_scalar(const std::string& text) {
  const std::string lower = to_lower(text);
  const bool null_like = lower == "null" || lower == "~";
  if (!null_like && is_plain_scalar(text)) return text;
  return nlohmann::json(text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::string> scalar_text(const std::string& key, const nlohmann::json& value) {
  if (value.is_string()) return yaml_scalar(value.get<std::string>());
  if (value.is_boolean()) return std::string(value.get<bool>() ? "true" : "false");
  if (value.is_number()) return value.dump();
  return Error("'" + key + "' must be a string, number, boolean, list or null");
}

std::string leading_comments(const std::string& text) {
  std::string out;
  for (const std::string& line : split(text, '\n')) {
    const std::string_view trimmed = trim(line);
    if (!trimmed.empty() && trimmed.front() != '#') break;
    if (trimmed.empty() && out.empty()) continue;
    out += line + "\n";
  }
  return out;
}

std::string raw_entry_text(const RawEntry& entry) {
  if (!entry.is_list) {
    return entry.key + ": " + (entry.items.empty() ? "" : yaml_scalar(entry.items.front().text)) +
           "\n";
  }
  std::string out = entry.key + ":" + (entry.items.empty() ? " []" : "") + "\n";
  for (const RawScalar& item : entry.items) out += "  - " + yaml_scalar(item.text) + "\n";
  return out;
}

}  // namespace

CheckedConfig check_config_text(const std::string& text, const std::string& path) {
  LoadedConfig loaded = load_config_text(text, path);
  return {std::move(loaded.schema), std::move(loaded.result)};
}

RawConfig raw_entries(const std::string& text, const std::string& path) {
  std::vector<Diagnostic> ignored;
  return parse_raw_config(text, path, ignored);
}

Result<std::string> render_config(const nlohmann::json& values, const Schema& schema,
                                  const RawConfig& current, const std::string& current_text) {
  if (!values.is_object()) return Error("\"values\" must be an object of config keys");
  std::string text = leading_comments(current_text);
  if (text.empty())
    text = "# dcinstall config (docs/config-reference.md), written by dcinstall web\n";
  // Schema keys in schema order, then other keys in the body's order (nlohmann sorts them).
  std::vector<std::string> order;
  for (const KeySpec& spec : schema.keys()) {
    if (values.contains(spec.key) || spec.secret) order.push_back(spec.key);
  }
  for (const auto& [key, value] : values.items()) {
    if (!schema.find(key)) order.push_back(key);
  }
  for (const RawEntry& entry : current.entries) {
    if (!schema.find(entry.key) && !values.contains(entry.key) &&
        is_secret_key(schema, entry.key)) {
      order.push_back(entry.key);
    }
  }
  for (const std::string& key : order) {
    if (!valid_key_name(key)) return Error("'" + key + "' is not a config key name");
    const auto it = values.find(key);
    if (it == values.end()) {
      // An absent secret keeps its current value.
      if (const RawEntry* entry = current.find(key); entry && !entry->is_null) {
        text += raw_entry_text(*entry);
      }
      continue;
    }
    const nlohmann::json& value = *it;
    if (value.is_null()) continue;
    // A secret sent as "" (a password field left empty) keeps its current value too.
    if (value.is_string() && value.get<std::string>().empty() && is_secret_key(schema, key)) {
      if (const RawEntry* entry = current.find(key); entry && !entry->is_null) {
        text += raw_entry_text(*entry);
      }
      continue;
    }
    if (value.is_array()) {
      text += key + ":" + (value.empty() ? " []" : "") + "\n";
      for (const nlohmann::json& item : value) {
        auto item_text = scalar_text(key, item);
        if (!item_text || item.is_array() || item.is_object()) {
          return Error("the items of '" + key + "' must be strings, numbers or booleans");
        }
        text += "  - " + *item_text + "\n";
      }
      continue;
    }
    auto scalar = scalar_text(key, value);
    if (!scalar) return scalar.error();
    text += key + ": " + *scalar + "\n";
  }
  return text;
}

Status write_file_atomically(const std::string& path, const std::string& text) {
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string temp = (dir / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  const int fd = ::mkstemp(temp.data());
  if (fd < 0)
    return Error(std::string("cannot create a temporary file: ") + std::strerror(errno), path);
  struct stat existing {};
  const mode_t mode = ::stat(path.c_str(), &existing) == 0 ? (existing.st_mode & 07777) : 0600;
  bool ok = ::fchmod(fd, mode) == 0;
  size_t written = 0;
  while (ok && written < text.size()) {
    const ssize_t n = ::write(fd, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) written += static_cast<size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  const int saved_errno = errno;
  ::close(fd);
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(ok ? errno : saved_errno);
    ::unlink(temp.c_str());
    return Error("cannot write the config: " + reason, path);
  }
  return Ok{};
}

}  // namespace dci::api
