#include "config/raw_config.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "util/strings.h"

namespace dci {
namespace {

SourcePosition position_of(const YAML::Mark& mark, const std::string& file) {
  // yaml-cpp marks are 0-based, and -1 when the node has no text of its own.
  if (mark.line < 0) return {file, 0, 0};
  return {file, mark.line + 1, mark.column + 1};
}

// The line/column of byte `offset` in `text`.
SourcePosition position_of_offset(std::string_view text, size_t offset, const std::string& file) {
  SourcePosition position{file, 1, 1};
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++position.line;
      position.column = 1;
    } else {
      ++position.column;
    }
  }
  return position;
}

// Walks the YAML event stream (never building nodes) to count documents, at most three. yaml-cpp
// 0.7's LoadAll loops forever, allocating, on some malformed input (e.g. a leading ','): the parser
// then yields empty documents without consuming anything, which is seen here as a second document
// starting where the first did.
class DocumentScanner : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark& mark) override { m_starts.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

  // Throws YAML::Exception on a syntax error.
  void scan(const std::string& text) {
    std::istringstream in(text);
    YAML::Parser parser(in);
    while (m_starts.size() < 3 && parser.HandleNextDocument(*this)) {
    }
  }

  size_t documents() const { return m_starts.size(); }
  const YAML::Mark& start(size_t document) const { return m_starts.at(document); }
  bool stuck() const { return m_starts.size() >= 2 && m_starts[1].pos == m_starts[0].pos; }

 private:
  std::vector<YAML::Mark> m_starts;
};

class Parser {
 public:
  Parser(const std::string& file, std::vector<Diagnostic>& diagnostics)
      : m_file(file), m_diagnostics(diagnostics) {}

  RawConfig parse(std::string_view text) {
    RawConfig config;
    config.file = m_file;
    if (const size_t offset = first_unprintable_offset(text); offset != std::string_view::npos) {
      const auto byte = static_cast<unsigned char>(text[offset]);
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02x", byte);
      error(position_of_offset(text, offset, m_file), "",
            std::string("not a text file: byte ") + hex +
                " is not printable UTF-8; config.yaml must be a YAML text file");
      return config;
    }
    const std::string content(text);
    DocumentScanner scanner;
    YAML::Node root;
    try {
      scanner.scan(content);
      if (scanner.stuck()) {
        const size_t at = static_cast<size_t>(scanner.start(0).pos);
        error(position_of(scanner.start(0), m_file), "",
              "YAML syntax error: unexpected '" + content.substr(at, 1) + "'");
        return config;
      }
      root = YAML::Load(content);
    } catch (const YAML::Exception& e) {
      error(position_of(e.mark, m_file), "", "YAML syntax error: " + e.msg);
      return config;
    } catch (const std::exception& e) {
      error({m_file, 1, 1}, "", std::string("cannot parse YAML: ") + e.what());
      return config;
    }
    if (scanner.documents() == 0 || (scanner.documents() == 1 && root.IsNull())) {
      error({m_file, 1, 1}, "",
            "file is empty; expected a map of keys such as 'cluster_name: my-cluster' and "
            "'master_list: [10.0.0.1]'");
      return config;
    }
    if (scanner.documents() > 1) {
      error(position_of(scanner.start(1), m_file), "",
            "more than one YAML document ('---'); config.yaml holds exactly one map of keys");
    }
    if (!root.IsMap()) {
      error(position_of(root.Mark(), m_file), "",
            "expected a map of keys at the top level (e.g. 'cluster_name: my-cluster'), found " +
                describe(root));
      return config;
    }
    config.is_map = true;
    read_map(root, config);
    return config;
  }

 private:
  static std::string describe(const YAML::Node& node) {
    if (node.IsSequence()) return "a list";
    if (node.IsMap()) return "a map";
    if (node.IsNull()) return "nothing";
    return "a plain value";
  }

  void error(SourcePosition position, const std::string& key, std::string message) {
    m_diagnostics.push_back({Severity::Error, std::move(position), key, std::move(message)});
  }

  void read_map(const YAML::Node& root, RawConfig& config) {
    std::unordered_map<std::string, int> first_line;
    for (auto it = root.begin(); it != root.end(); ++it) {
      // Copies: `*it` is a temporary pair, so references into it would dangle.
      const YAML::Node key_node = it->first;
      const YAML::Node value = it->second;
      const SourcePosition key_position = position_of(key_node.Mark(), m_file);
      if (!key_node.IsScalar()) {
        error(key_position, "", "keys must be plain names, found " + describe(key_node));
        continue;
      }
      const std::string key = key_node.Scalar();
      const auto [seen, inserted] = first_line.emplace(key, key_position.line);
      if (!inserted) {
        error(key_position, key,
              "duplicate key; already set at line " + std::to_string(seen->second) +
                  " (each key may appear once)");
        continue;
      }
      RawEntry entry;
      entry.key = key;
      entry.key_position = key_position;
      entry.value_position = position_of(value.Mark(), m_file);
      if (entry.value_position.line == 0) entry.value_position = key_position;
      if (read_value(value, entry)) {
        config.entries.push_back(std::move(entry));
      } else {
        config.rejected_keys.push_back(key);
      }
    }
  }

  // Fills entry from `value`; false (after reporting) when the value's shape is not allowed.
  bool read_value(const YAML::Node& value, RawEntry& entry) {
    if (value.IsNull()) {
      entry.is_null = true;
      return true;
    }
    if (value.IsMap()) {
      error(entry.value_position, entry.key,
            "nested maps are not allowed; config.yaml is flat: each key takes one value or a "
            "list of values");
      return false;
    }
    if (value.IsScalar()) {
      entry.items.push_back({value.Scalar(), entry.value_position});
      return true;
    }
    entry.is_list = true;
    bool all_scalars = true;
    for (YAML::const_iterator it = value.begin(); it != value.end(); ++it) {
      const YAML::Node item = *it;
      SourcePosition item_position = position_of(item.Mark(), m_file);
      if (item_position.line == 0) item_position = entry.value_position;
      if (item.IsScalar()) {
        entry.items.push_back({item.Scalar(), item_position});
      } else if (item.IsNull()) {
        error(item_position, entry.key, "empty list item; remove it or give a value");
        all_scalars = false;
      } else {
        error(item_position, entry.key,
              "list items must be plain values, found " + describe(item) +
                  " (nested lists and maps are not allowed)");
        all_scalars = false;
      }
    }
    return all_scalars;
  }

  const std::string& m_file;
  std::vector<Diagnostic>& m_diagnostics;
};

}  // namespace

const RawEntry* RawConfig::find(std::string_view key) const {
  for (const auto& entry : entries) {
    if (entry.key == key) return &entry;
  }
  return nullptr;
}

RawConfig parse_raw_config(std::string_view text, const std::string& file_name,
                           std::vector<Diagnostic>& diagnostics) {
  return Parser(file_name, diagnostics).parse(text);
}

Result<std::string> read_text_file(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return Error{"is a directory, not a file", path};
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{std::string("cannot open: ") + std::strerror(errno), path};
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return Error{std::string("cannot read: ") + std::strerror(errno), path};
  return content.str();
}

}  // namespace dci
