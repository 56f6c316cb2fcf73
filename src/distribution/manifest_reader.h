#pragma once
// Typed reads from a parsed YAML manifest, each failure reported as a Diagnostic at the node's
// file:line:col with the node's dotted path as the key ("roles.master.services[0].restart").
// Internal to src/distribution/: it includes yaml-cpp, whose header needs -Wno-dangling-pointer
// under g++ 12 (see CMakeLists.txt).

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/diagnostic.h"

namespace dci {

// A node and the dotted path that names it in diagnostics.
struct ManifestNode {
  YAML::Node node;
  std::string path;
  SourcePosition at;      // the node's position, or its key's when the node has none (`key:`)
  SourcePosition key_at;  // the position of the map key naming the node (else `at`)
};

class ManifestReader {
 public:
  // `diagnostics` must outlive the reader.
  ManifestReader(std::string file, std::vector<Diagnostic>& diagnostics)
      : m_file(std::move(file)), m_diagnostics(diagnostics) {}

  const std::string& file() const { return m_file; }
  SourcePosition position(const YAML::Node& node) const;
  // A node with its path, positioned at the node (or at `fallback` when it has no position).
  ManifestNode node(const YAML::Node& yaml, std::string path, const SourcePosition& fallback) const;
  void error(const ManifestNode& at, std::string message);
  void error(SourcePosition position, std::string key, std::string message);
  size_t error_count() const { return m_diagnostics.size(); }

  // The entries of a map in document order. Reports (and drops) duplicate keys, keys that are
  // not plain names, and keys not in `allowed` (with a suggestion); reports a node that is not
  // a map and returns nothing. `required` keys that are missing are reported at the map.
  std::vector<std::pair<std::string, ManifestNode>> map_entries(
      const ManifestNode& map, const std::vector<std::string>& allowed,
      const std::vector<std::string>& required = {});

  // Like map_entries, for maps whose keys are names chosen by the author (parameters, env).
  std::vector<std::pair<std::string, ManifestNode>> open_map_entries(const ManifestNode& map);

  // The items of a list (a null node is an empty list).
  std::vector<ManifestNode> list_items(const ManifestNode& list);

  std::optional<std::string> text(const ManifestNode& node);  // any scalar
  std::optional<long long> integer(const ManifestNode& node, long long min, long long max);
  std::optional<double> number(const ManifestNode& node, double min);  // min exclusive
  std::optional<bool> boolean(const ManifestNode& node);
  // Unix permission bits written in octal, e.g. "0755".
  std::optional<unsigned> mode(const ManifestNode& node);
  // A scalar matching `pattern` (ECMAScript), `pattern_doc` being the pattern in words.
  std::optional<std::string> name(const ManifestNode& node, const std::string& pattern,
                                  const std::string& pattern_doc);

  static std::string describe(const YAML::Node& node);

 private:
  std::string m_file;
  std::vector<Diagnostic>& m_diagnostics;
};

}  // namespace dci
