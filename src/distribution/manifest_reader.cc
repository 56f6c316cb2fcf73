#include "distribution/manifest_reader.h"

#include <regex>
#include <unordered_map>

#include "util/strings.h"

namespace dci {
namespace {

std::string format_bound(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

}  // namespace

SourcePosition ManifestReader::position(const YAML::Node& node) const {
  const YAML::Mark mark = node.Mark();  // 0-based; -1 when the node has no text of its own
  if (mark.line < 0) return {m_file, 0, 0};
  return {m_file, mark.line + 1, mark.column + 1};
}

ManifestNode ManifestReader::node(const YAML::Node& yaml, std::string path,
                                  const SourcePosition& fallback) const {
  SourcePosition at = position(yaml);
  if (at.line == 0) at = fallback;
  return {yaml, std::move(path), at, fallback};
}

void ManifestReader::error(const ManifestNode& at, std::string message) {
  error(at.at, at.path, std::move(message));
}

void ManifestReader::error(SourcePosition position, std::string key, std::string message) {
  if (position.line == 0) position = {m_file, 1, 1};
  m_diagnostics.push_back({Severity::Error, std::move(position), std::move(key), std::move(message)});
}

std::string ManifestReader::describe(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "nothing";
  if (node.IsSequence()) return "a list";
  if (node.IsMap()) return "a map";
  return "'" + node.Scalar() + "'";
}

std::vector<std::pair<std::string, ManifestNode>> ManifestReader::open_map_entries(
    const ManifestNode& map) {
  std::vector<std::pair<std::string, ManifestNode>> entries;
  if (map.node.IsNull()) return entries;
  if (!map.node.IsMap()) {
    error(map, "expected a map, found " + describe(map.node));
    return entries;
  }
  std::unordered_map<std::string, int> first_line;
  for (auto it = map.node.begin(); it != map.node.end(); ++it) {
    // A copy: `it->` returns a temporary whose `first` ends with the statement (yaml-cpp).
    const YAML::Node key = it->first;
    const std::string prefix = map.path.empty() ? "" : map.path + ".";
    if (!key.IsScalar()) {
      error(position(key), map.path, "keys must be plain names, found " + describe(key));
      continue;
    }
    const std::string name = key.Scalar();
    const SourcePosition key_position = position(key);
    const auto [seen, inserted] = first_line.emplace(name, key_position.line);
    if (!inserted) {
      error(key_position, prefix + name,
            "duplicate key; already set at line " + std::to_string(seen->second) +
                " (each key may appear once)");
      continue;
    }
    entries.emplace_back(name, node(it->second, prefix + name, key_position));
  }
  return entries;
}

std::vector<std::pair<std::string, ManifestNode>> ManifestReader::map_entries(
    const ManifestNode& map, const std::vector<std::string>& allowed,
    const std::vector<std::string>& required) {
  if (!map.node.IsMap()) {
    error(map, "expected a map with keys " + join(allowed, ", ") + ", found " + describe(map.node));
    return {};
  }
  auto entries = open_map_entries(map);
  for (const auto& name : required) {
    bool found = false;
    for (const auto& entry : entries) found = found || entry.first == name;
    if (!found) error(map, "required key '" + name + "' is missing");
  }
  std::vector<std::pair<std::string, ManifestNode>> known;
  for (auto& entry : entries) {
    bool found = false;
    for (const auto& name : allowed) found = found || name == entry.first;
    if (found) {
      known.push_back(std::move(entry));
      continue;
    }
    const std::string suggestion = closest_match(entry.first, allowed);
    error(entry.second.key_at, entry.second.path,
          "unknown key '" + entry.first + "'; " +
              (suggestion.empty() ? "expected one of: " + join(allowed, ", ")
                                  : "did you mean '" + suggestion + "'?"));
  }
  return known;
}

std::vector<ManifestNode> ManifestReader::list_items(const ManifestNode& list) {
  std::vector<ManifestNode> items;
  if (list.node.IsNull()) return items;
  if (!list.node.IsSequence()) {
    error(list, "expected a list, found " + describe(list.node));
    return items;
  }
  size_t index = 0;
  for (const YAML::Node& item : list.node) {
    items.push_back(node(item, list.path + "[" + std::to_string(index++) + "]", list.at));
  }
  return items;
}

std::optional<std::string> ManifestReader::text(const ManifestNode& node) {
  if (!node.node.IsScalar()) {
    error(node, "expected a single value, found " + describe(node.node));
    return std::nullopt;
  }
  return node.node.Scalar();
}

std::optional<long long> ManifestReader::integer(const ManifestNode& node, long long min,
                                                 long long max) {
  auto value = text(node);
  if (!value) return std::nullopt;
  long long number = 0;
  if (!parse_int(*value, number)) {
    error(node, "'" + *value + "' is not a whole number");
    return std::nullopt;
  }
  if (number < min || number > max) {
    error(node, "'" + *value + "' is out of range; expected " + std::to_string(min) + "–" +
                    std::to_string(max));
    return std::nullopt;
  }
  return number;
}

std::optional<double> ManifestReader::number(const ManifestNode& node, double min) {
  auto value = text(node);
  if (!value) return std::nullopt;
  double number = 0;
  if (!parse_number(*value, number) || number <= min) {
    error(node, "'" + *value + "' is not a number greater than " + format_bound(min));
    return std::nullopt;
  }
  return number;
}

std::optional<bool> ManifestReader::boolean(const ManifestNode& node) {
  auto value = text(node);
  if (!value) return std::nullopt;
  const std::string lower = to_lower(*value);
  if (lower == "true") return true;
  if (lower == "false") return false;
  error(node, "'" + *value + "' is not a bool; use true or false");
  return std::nullopt;
}

std::optional<unsigned> ManifestReader::mode(const ManifestNode& node) {
  auto value = text(node);
  if (!value) return std::nullopt;
  static const std::regex octal("0?[0-7]{3}");
  if (!std::regex_match(*value, octal)) {
    error(node, "'" + *value + "' is not a file mode; expected octal such as \"0644\" or \"0755\"");
    return std::nullopt;
  }
  return static_cast<unsigned>(std::stoul(*value, nullptr, 8));
}

std::optional<std::string> ManifestReader::name(const ManifestNode& node,
                                                const std::string& pattern,
                                                const std::string& pattern_doc) {
  auto value = text(node);
  if (!value) return std::nullopt;
  if (!std::regex_match(*value, std::regex(pattern))) {
    error(node, "'" + *value + "' is not valid; expected " + pattern_doc);
    return std::nullopt;
  }
  return value;
}

}  // namespace dci
