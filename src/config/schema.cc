#include "config/schema.h"

#include <cmath>
#include <regex>

#include "config/host_address.h"
#include "util/strings.h"

namespace dci {
namespace {

// The longest value matched against a KeySpec pattern (every pattern is for short names).
constexpr size_t k_max_pattern_input = 4096;

// 'value', or its start and its length when it is too long to repeat in a message.
std::string quote_abbreviated(std::string_view value) {
  constexpr size_t k_shown = 60;
  if (value.size() <= k_shown + 20) return "'" + std::string(value) + "'";
  size_t cut = k_shown;
  while (cut > 0 && (static_cast<unsigned char>(value[cut]) & 0xC0) == 0x80) --cut;  // UTF-8
  return "'" + std::string(value.substr(0, cut)) + "…' (" + std::to_string(value.size()) +
         " characters)";
}

struct TypeName {
  ValueType type;
  std::string_view name;
};
constexpr TypeName k_type_names[] = {
    {ValueType::String, "string"},   {ValueType::Integer, "integer"},
    {ValueType::Number, "number"},   {ValueType::Boolean, "bool"},
    {ValueType::StringList, "list"}, {ValueType::HostList, "host list"},
    {ValueType::Host, "host"},
};

std::string format_number(double value) {
  if (std::floor(value) == value && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<long long>(value));
  }
  std::string text = std::to_string(value);
  while (!text.empty() && text.back() == '0') text.pop_back();
  return text;
}

std::string range_text(const KeySpec& spec) {
  if (spec.min && spec.max) return format_number(*spec.min) + "–" + format_number(*spec.max);
  if (spec.min) return "at least " + format_number(*spec.min);
  if (spec.max) return "at most " + format_number(*spec.max);
  return "";
}

std::optional<std::string> check_range(const KeySpec& spec, double value,
                                       const std::string& shown) {
  if ((spec.min && value < *spec.min) || (spec.max && value > *spec.max)) {
    return shown + " is out of range; expected " + range_text(spec);
  }
  return std::nullopt;
}

}  // namespace

std::string_view value_type_name(ValueType type) {
  for (const auto& entry : k_type_names) {
    if (entry.type == type) return entry.name;
  }
  return "?";
}

std::optional<ValueType> value_type_from_name(std::string_view name) {
  for (const auto& entry : k_type_names) {
    if (entry.name == name) return entry.type;
  }
  return std::nullopt;
}

bool is_list_type(ValueType type) {
  return type == ValueType::StringList || type == ValueType::HostList;
}

Status Schema::add(KeySpec spec) {
  if (find(spec.key)) return Error{"key '" + spec.key + "' is already defined"};
  m_keys.push_back(std::move(spec));
  return Ok{};
}

const KeySpec* Schema::find(std::string_view key) const {
  for (const auto& spec : m_keys) {
    if (spec.key == key) return &spec;
  }
  return nullptr;
}

std::vector<std::string> Schema::key_names() const {
  std::vector<std::string> names;
  names.reserve(m_keys.size());
  for (const auto& spec : m_keys) names.push_back(spec.key);
  return names;
}

bool Schema::is_secret(std::string_view key) const {
  const KeySpec* spec = find(key);
  return spec ? spec->secret : m_unknown_keys_secret;
}

std::optional<std::string> check_scalar(const KeySpec& spec, std::string_view value) {
  // A secret's value never appears in a message: messages reach terminals, logs and the API.
  // A long one is shortened there.
  const std::string quoted = spec.secret ? "the value (hidden)" : quote_abbreviated(value);
  const std::string number_text = spec.secret ? quoted : std::string(value);
  switch (spec.type) {
    case ValueType::Integer: {
      long long number = 0;
      if (!parse_int(value, number)) return quoted + " is not a whole number";
      if (auto error = check_range(spec, static_cast<double>(number), number_text)) return error;
      break;
    }
    case ValueType::Number: {
      double number = 0;
      if (!parse_number(value, number)) return quoted + " is not a number";
      if (auto error = check_range(spec, number, number_text)) return error;
      break;
    }
    case ValueType::Boolean: {
      const std::string lower = to_lower(value);
      if (lower != "true" && lower != "false") return quoted + " is not a bool; use true or false";
      break;
    }
    case ValueType::Host:
    case ValueType::HostList: {
      auto host = parse_host_address(value);
      if (!host) return spec.secret ? quoted + " is not a host address" : host.error().message;
      break;
    }
    case ValueType::String:
    case ValueType::StringList:
      if (!spec.choices.empty()) {
        bool found = false;
        for (const auto& choice : spec.choices) found = found || choice == value;
        if (!found) {
          std::string message =
              quoted + " is not allowed; expected one of: " + join(spec.choices, ", ");
          const std::string suggestion = spec.secret ? "" : closest_match(value, spec.choices);
          if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
          return message;
        }
      }
      // std::regex recurses per character: longer input could exhaust the stack.
      if (!spec.pattern.empty() && value.size() > k_max_pattern_input) {
        return quoted + " is " + std::to_string(value.size()) + " characters long; at most " +
               std::to_string(k_max_pattern_input) + " here";
      }
      if (!spec.pattern.empty() &&
          !std::regex_match(value.begin(), value.end(), std::regex(spec.pattern))) {
        return quoted + " is not valid; expected " +
               (spec.pattern_doc.empty() ? "text matching " + spec.pattern : spec.pattern_doc);
      }
      break;
  }
  if (spec.check) {
    std::optional<std::string> message = spec.check(value);
    if (message && spec.secret) return quoted + " is not valid";
    return message;
  }
  return std::nullopt;
}

std::string describe_rule(const KeySpec& spec) {
  std::vector<std::string> parts;
  if (spec.min || spec.max) parts.push_back(range_text(spec));
  if (!spec.choices.empty()) parts.push_back("one of: " + join(spec.choices, ", "));
  if (!spec.pattern_doc.empty()) parts.push_back(spec.pattern_doc);
  if (!spec.rule_doc.empty()) parts.push_back(spec.rule_doc);
  return join(parts, "; ");
}

}  // namespace dci
