#pragma once
// The config as the API shows it: the schema for the generated form, the values a file holds
// (secret keys as "set"/"not set" only) and diagnostics. Nothing here ever puts the value of a
// secret key, or anything that looks like one, into JSON.

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "config/diagnostic.h"
#include "config/raw_config.h"
#include "config/schema.h"

namespace dci::api {

// Removes known secret values from text meant for a response ("'hunter2' is not ..." becomes
// "'(hidden)' is not ..."). Values of 1–3 characters are only masked when quoted.
class SecretMask {
 public:
  void add(const std::string& secret);
  std::string apply(std::string text) const;

 private:
  std::vector<std::string> m_secrets;
};

// {"keys": [{"key", "type", "doc", "required", "secret", "default", "choices", "min", "max",
// "pattern_doc", "rule_doc", "source", "group"}]}
nlohmann::json schema_json(const Schema& schema);

// True when `key` is a secret in `schema`, or an unknown key whose closest schema key is one
// (a misspelled secret is still a secret).
bool is_secret_key(const Schema& schema, const std::string& key);

// The secret values `raw` holds, for a SecretMask.
void add_secrets(const Schema& schema, const RawConfig& raw, SecretMask& mask);

// {"values": {key: string|number|bool|[string]}, "secrets": {key: "set"|"not set"}} from what the
// file says (not defaults), every secret key of the schema listed in "secrets".
nlohmann::json values_json(const Schema& schema, const RawConfig& raw);

// {"key", "line", "column", "message", "text", "file", "severity"}; `text` is exactly the line
// `dcinstall validate` prints (Diagnostic::to_string()), then masked.
nlohmann::json diagnostic_json(const Diagnostic& diagnostic, const SecretMask& mask);
nlohmann::json diagnostics_json(const std::vector<Diagnostic>& diagnostics, const SecretMask& mask);

}  // namespace dci::api
