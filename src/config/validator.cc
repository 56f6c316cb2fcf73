#include "config/validator.h"

#include <filesystem>
#include <set>

#include "config/installer_rules.h"
#include "config/raw_config.h"
#include "util/strings.h"

namespace dci {
namespace {

class Validator {
 public:
  Validator(const Schema& schema, const std::string& file, ValidationResult& result)
      : m_schema(schema), m_file(file), m_result(result) {}

  void check_entries(const RawConfig& raw) {
    m_failed_keys.insert(raw.rejected_keys.begin(), raw.rejected_keys.end());
    for (const RawEntry& entry : raw.entries) check_entry(entry);
  }

  void apply_required_and_defaults() {
    for (const KeySpec& spec : m_schema.keys()) {
      if (m_result.values.has(spec.key) || m_failed_keys.count(spec.key)) continue;
      if (spec.required) {
        error({m_file, 1, 1}, spec.key, "required key is missing; " + example(spec));
      } else if (spec.default_value) {
        ConfigValue value;
        value.is_list = is_list_type(spec.type);
        value.from_default = true;
        if (!value.is_list || !spec.default_value->empty()) {
          value.items = value.is_list ? split(*spec.default_value, ',')
                                      : std::vector<std::string>{*spec.default_value};
        }
        m_result.values.set(spec.key, std::move(value));
      }
    }
  }

 private:
  static std::string example(const KeySpec& spec) {
    if (spec.key == "master_list") return "add e.g. 'master_list: [10.0.0.1]'";
    if (spec.key == "cluster_name") return "add e.g. 'cluster_name: my-cluster'";
    const std::string rule = describe_rule(spec);
    return "add '" + spec.key + ": ...'" + (rule.empty() ? "" : " (" + rule + ")");
  }

  void error(SourcePosition position, const std::string& key, std::string message) {
    m_result.errors.push_back({Severity::Error, std::move(position), key, std::move(message)});
  }

  void check_entry(const RawEntry& entry) {
    const KeySpec* spec = m_schema.find(entry.key);
    if (!spec) {
      std::string message = "unknown key '" + entry.key + "'";
      const std::string suggestion = closest_match(entry.key, m_schema.key_names());
      message += suggestion.empty() ? "; run 'dcinstall config reference' for the known keys"
                                    : "; did you mean '" + suggestion + "'?";
      error(entry.key_position, entry.key, message);
      return;
    }
    const bool want_list = is_list_type(spec->type);
    if (entry.is_null) {
      if (spec->required) {
        error(entry.value_position, entry.key, "no value given; " + example(*spec));
        m_failed_keys.insert(entry.key);
      } else if (want_list) {
        m_result.values.set(entry.key, ConfigValue{{}, {}, entry.value_position, true, false});
      }
      return;  // a non-list key left empty takes its default
    }
    if (want_list && !entry.is_list) {
      // A secret's value is never quoted in a message (see check_scalar).
      const std::string shown = spec->secret ? "the value (hidden)" : entry.items.front().text;
      error(entry.value_position, entry.key,
            "expected a list (e.g. [" + shown + "] or one '- item' per line), found a single value");
      m_failed_keys.insert(entry.key);
      return;
    }
    if (!want_list && entry.is_list) {
      error(entry.value_position, entry.key,
            "expected a single " + std::string(value_type_name(spec->type)) + ", found a list");
      m_failed_keys.insert(entry.key);
      return;
    }
    ConfigValue value{{}, {}, entry.value_position, entry.is_list, false};
    bool ok = true;
    for (const RawScalar& item : entry.items) {
      if (auto message = check_scalar(*spec, item.text)) {
        error(item.position, entry.key, *message);
        ok = false;
      }
      value.items.push_back(item.text);
      value.item_positions.push_back(item.position);
    }
    if (ok) {
      m_result.values.set(entry.key, std::move(value));
    } else {
      m_failed_keys.insert(entry.key);
    }
  }

  const Schema& m_schema;
  const std::string& m_file;
  ValidationResult& m_result;
  std::set<std::string> m_failed_keys;  // present but invalid: neither "missing" nor defaulted
};

}  // namespace

ValidationResult validate_config(std::string_view text, const std::string& file_name,
                                 const Schema& schema, const Environment& environment) {
  ValidationResult result;
  const RawConfig raw = parse_raw_config(text, file_name, result.errors);
  if (raw.is_map) {
    Validator validator(schema, file_name, result);
    validator.check_entries(raw);
    validator.apply_required_and_defaults();
    const std::string base_dir = std::filesystem::path(file_name).parent_path().string();
    apply_installer_rules(result, file_name, base_dir, environment);
  }
  sort_by_position(result.errors);
  sort_by_position(result.warnings);
  return result;
}

Result<ValidationResult> validate_config_file(const std::string& path, const Schema& schema,
                                              const Environment& environment) {
  auto text = read_text_file(path);
  if (!text) return text.error();
  return validate_config(*text, path, schema, environment);
}

}  // namespace dci
