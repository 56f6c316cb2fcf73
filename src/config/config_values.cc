#include "config/config_values.h"

#include "util/strings.h"

namespace dci {

const ConfigValue* ConfigValues::find(const std::string& key) const {
  const auto it = m_values.find(key);
  return it == m_values.end() ? nullptr : &it->second;
}

std::string ConfigValues::get_string(const std::string& key) const {
  const ConfigValue* value = find(key);
  return value && !value->items.empty() ? value->items.front() : std::string();
}

long long ConfigValues::get_int(const std::string& key) const {
  long long out = 0;
  parse_int(get_string(key), out);
  return out;
}

double ConfigValues::get_number(const std::string& key) const {
  double out = 0;
  parse_number(get_string(key), out);
  return out;
}

bool ConfigValues::get_bool(const std::string& key) const {
  return to_lower(get_string(key)) == "true";
}

std::vector<std::string> ConfigValues::get_list(const std::string& key) const {
  const ConfigValue* value = find(key);
  return value ? value->items : std::vector<std::string>();
}

}  // namespace dci
