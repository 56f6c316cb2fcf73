#pragma once
// The effective values of a validated config: what the user wrote, or the default.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/diagnostic.h"

namespace dci {

struct ConfigValue {
  std::vector<std::string> items;              // a scalar has exactly one item
  std::vector<SourcePosition> item_positions;  // parallel to items; empty for defaults
  SourcePosition position;                     // of the value; line 0 for defaults
  bool is_list = false;
  bool from_default = false;
};

class ConfigValues {
 public:
  void set(const std::string& key, ConfigValue value) { m_values[key] = std::move(value); }
  const ConfigValue* find(const std::string& key) const;
  bool has(const std::string& key) const { return find(key) != nullptr; }

  // Typed reads. Preconditions: the key passed validation with the matching type. A key that is
  // not set reads as "" / 0 / false / {}.
  std::string get_string(const std::string& key) const;
  long long get_int(const std::string& key) const;
  double get_number(const std::string& key) const;
  bool get_bool(const std::string& key) const;
  std::vector<std::string> get_list(const std::string& key) const;

  const std::map<std::string, ConfigValue>& all() const { return m_values; }

 private:
  std::map<std::string, ConfigValue> m_values;
};

}  // namespace dci
