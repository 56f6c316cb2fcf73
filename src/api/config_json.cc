#include "api/config_json.h"

#include <nlohmann/json.hpp>

#include "util/strings.h"

namespace dci::api {
namespace {

std::string api_type_name(ValueType type) {
  switch (type) {
    case ValueType::String:
      return "string";
    case ValueType::Integer:
      return "integer";
    case ValueType::Number:
      return "number";
    case ValueType::Boolean:
      return "boolean";
    case ValueType::StringList:
      return "string_list";
    case ValueType::HostList:
      return "host_list";
    case ValueType::Host:
      return "host";
  }
  return "string";
}

std::string group_of(const KeySpec& spec) {
  if (spec.source != "dcinstall") return "distribution";
  if (spec.key == "master_list" || spec.key == "agent_list" || spec.key == "public_agent_list") {
    return "hosts";
  }
  if (starts_with(spec.key, "ssh_") || spec.key == "connect_timeout_s" ||
      spec.key == "command_timeout_s" || spec.key == "retries") {
    return "ssh";
  }
  return "cluster";
}

nlohmann::json optional_number(const std::optional<double>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

// A scalar as the form wants it: numbers and bools typed when they parse, else the text.
nlohmann::json scalar_json(const KeySpec* spec, const std::string& text) {
  if (spec) {
    long long integer = 0;
    double number = 0;
    if (spec->type == ValueType::Integer && parse_int(text, integer)) return integer;
    if (spec->type == ValueType::Number && parse_number(text, number)) return number;
    if (spec->type == ValueType::Boolean) {
      const std::string lower = to_lower(text);
      if (lower == "true") return true;
      if (lower == "false") return false;
    }
  }
  return text;
}

void replace_all(std::string& text, const std::string& from, const std::string& to) {
  if (from.empty()) return;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
}

}  // namespace

void SecretMask::add(const std::string& secret) {
  if (!secret.empty()) m_secrets.push_back(secret);
}

std::string SecretMask::apply(std::string text) const {
  for (const std::string& secret : m_secrets) {
    replace_all(text, "'" + secret + "'", "'(hidden)'");
    replace_all(text, "\"" + secret + "\"", "\"(hidden)\"");
    if (secret.size() >= 4) replace_all(text, secret, "(hidden)");
  }
  return text;
}

nlohmann::json schema_json(const Schema& schema) {
  nlohmann::json keys = nlohmann::json::array();
  for (const KeySpec& spec : schema.keys()) {
    keys.push_back(
        {{"key", spec.key},
         {"type", api_type_name(spec.type)},
         {"doc", spec.doc},
         {"required", spec.required},
         {"secret", spec.secret},
         // A secret's default is not shown either (it may be a shared placeholder).
         {"default", spec.default_value && !spec.secret ? nlohmann::json(*spec.default_value)
                                                        : nlohmann::json(nullptr)},
         {"default_doc", spec.default_doc},
         {"choices", spec.choices},
         {"min", optional_number(spec.min)},
         {"max", optional_number(spec.max)},
         {"pattern_doc", spec.pattern_doc},
         {"rule_doc", spec.rule_doc},
         {"rule", describe_rule(spec)},
         {"source", spec.source},
         {"group", group_of(spec)}});
  }
  return {{"keys", keys}};
}

bool is_secret_key(const Schema& schema, const std::string& key) {
  if (const KeySpec* spec = schema.find(key)) return spec->secret;
  if (schema.unknown_keys_secret()) return true;
  const std::string closest = closest_match(key, schema.key_names());
  const KeySpec* near = closest.empty() ? nullptr : schema.find(closest);
  return near && near->secret;
}

void add_secrets(const Schema& schema, const RawConfig& raw, SecretMask& mask) {
  for (const RawEntry& entry : raw.entries) {
    if (!is_secret_key(schema, entry.key)) continue;
    for (const RawScalar& item : entry.items) mask.add(item.text);
  }
}

nlohmann::json values_json(const Schema& schema, const RawConfig& raw) {
  nlohmann::json values = nlohmann::json::object();
  nlohmann::json secrets = nlohmann::json::object();
  for (const KeySpec& spec : schema.keys()) {
    if (spec.secret) secrets[spec.key] = "not set";
  }
  for (const RawEntry& entry : raw.entries) {
    if (is_secret_key(schema, entry.key)) {
      secrets[entry.key] = entry.is_null || entry.items.empty() ? "not set" : "set";
      continue;
    }
    if (entry.is_null) continue;
    const KeySpec* spec = schema.find(entry.key);
    if (entry.is_list) {
      nlohmann::json items = nlohmann::json::array();
      for (const RawScalar& item : entry.items) items.push_back(item.text);
      values[entry.key] = items;
    } else if (!entry.items.empty()) {
      values[entry.key] = scalar_json(spec, entry.items.front().text);
    }
  }
  return {{"values", values}, {"secrets", secrets}};
}

nlohmann::json diagnostic_json(const Diagnostic& diagnostic, const SecretMask& mask) {
  return {{"key", diagnostic.key},
          {"line", diagnostic.position.line},
          {"column", diagnostic.position.column},
          {"file", diagnostic.position.file},
          {"severity", diagnostic.severity == Severity::Error ? "error" : "warning"},
          {"message", mask.apply(diagnostic.message)},
          {"text", mask.apply(diagnostic.to_string())}};
}

nlohmann::json diagnostics_json(const std::vector<Diagnostic>& diagnostics,
                                const SecretMask& mask) {
  nlohmann::json out = nlohmann::json::array();
  for (const Diagnostic& diagnostic : diagnostics) out.push_back(diagnostic_json(diagnostic, mask));
  return out;
}

}  // namespace dci::api
