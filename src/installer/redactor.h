#pragma once
// Removes secrets from text that leaves dcinstall (support bundle, API responses, the event
// stream): the value of every secret key of the config (and of every unknown key while the
// distribution failed to load: fail closed, see Schema::unknown_keys_secret), the SSH key
// passphrase, and PEM private key blocks.
//
// Contract: redact() is applied to each string *before* it is serialised (JSON escaping would
// hide a value from a plain search). Values of 4 or more characters are replaced wherever they
// occur; shorter ones only where they stand alone (not inside a longer word). A multi-line value
// is also replaced line by line, and its JSON-escaped form is replaced too (for text that is
// already JSON, e.g. cluster.json).

#include <string>
#include <string_view>
#include <vector>

#include "installer/config_loading.h"

namespace dci {

class Redactor {
 public:
  Redactor() = default;
  // Reads the secret values from `config` and from `config_text` (the config file as written:
  // what unknown keys hold is only there).
  Redactor(const LoadedConfig& config, std::string_view config_text);
  // The same, reading config.path (a missing or unreadable file gives no raw values).
  explicit Redactor(const LoadedConfig& config);

  std::string redact(std::string text) const;
  // `text` with every PEM private key block replaced (an unterminated one to the end of text).
  // Linear in the size of `text`, for output of any length.
  static std::string without_private_keys(std::string text);

  // config.yaml with the value of every secret key replaced (the key's continuation lines,
  // block scalars and '- item' lines dropped), then redact()ed.
  std::string mask_config(std::string_view yaml) const;

  const std::vector<std::string>& secret_keys() const { return m_secret_keys; }

 private:
  void add_value(const std::string& value);

  std::vector<std::string> m_secret_keys;
  std::vector<std::string> m_values;  // longest first
};

}  // namespace dci
