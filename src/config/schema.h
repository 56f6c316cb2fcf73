#pragma once
// The config schema: ONE table of keys (type, default, rule, doc). The installer's own keys come
// from installer_schema(); a distribution adds its parameters with Schema::add, so validation and
// the generated reference cover both.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace dci {

enum class ValueType { String, Integer, Number, Boolean, StringList, HostList, Host };

// "string", "integer", ... as written in docs and manifests.
std::string_view value_type_name(ValueType type);
std::optional<ValueType> value_type_from_name(std::string_view name);
bool is_list_type(ValueType type);

// Extra per-value rule: returns an error message ("what is wrong; what would be right"), or
// nullopt when the value is acceptable. Called on the scalar, or on each item of a list.
using ValueCheck = std::function<std::optional<std::string>(std::string_view value)>;

struct KeySpec {
  std::string key;
  ValueType type = ValueType::String;
  std::string doc;
  bool required = false;
  bool secret = false;                       // masked in every output
  std::optional<std::string> default_value;  // textual; for lists, items joined with ','
  std::string default_doc;                   // when the default is computed, how
  std::optional<double> min;                 // Integer/Number: inclusive range
  std::optional<double> max;
  std::vector<std::string> choices;  // String: the only accepted values
  std::string pattern;               // String: ECMAScript regex for the whole value
  std::string pattern_doc;           // the pattern in words, used in errors and docs
  ValueCheck check;                  // anything the fields above cannot say
  std::string rule_doc;              // `check` in words, for the reference
  std::string source = "dcinstall";  // "dcinstall" or the distribution's name
};

class Schema {
 public:
  // Fails when the key is already in the schema (a distribution may not redefine a key).
  Status add(KeySpec spec);

  const KeySpec* find(std::string_view key) const;
  const std::vector<KeySpec>& keys() const { return m_keys; }
  std::vector<std::string> key_names() const;

  // Fail closed: when the distribution did not load, its parameters (secret ones included) are
  // unknown to the schema, so every key the schema does not hold counts as secret everywhere
  // (API values, redaction, logs).
  void set_unknown_keys_secret(bool secret) { m_unknown_keys_secret = secret; }
  bool unknown_keys_secret() const { return m_unknown_keys_secret; }
  // True for a secret key, and for any unknown key while unknown_keys_secret().
  bool is_secret(std::string_view key) const;

 private:
  std::vector<KeySpec> m_keys;
  bool m_unknown_keys_secret = false;
};

// Checks one scalar against the spec's type, range, choices, pattern and check (not list shape,
// not cross-key rules). Returns the error message, or nullopt when it is acceptable.
std::optional<std::string> check_scalar(const KeySpec& spec, std::string_view value);

// The rule of a key in words: "1–65535", "one of: strict, accept-new, off", ...
std::string describe_rule(const KeySpec& spec);

}  // namespace dci
