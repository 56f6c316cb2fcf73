#pragma once
// Diagnostics: what validation says about a config, each pinned to a place in a file.

#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace dci {

// A place in a source file. Line and column are 1-based; 0 means "unknown".
struct SourcePosition {
  std::string file;
  int line = 0;
  int column = 0;
};

enum class Severity { Error, Warning };

struct Diagnostic {
  Severity severity = Severity::Error;
  SourcePosition position;
  std::string key;  // the config key concerned, or "" for file-level problems
  std::string message;

  // "file:line:col: key: message" (parts that are unknown are left out).
  std::string to_string() const;
};

// Stable sort by (line, column): the order in which a reader meets them in the file.
void sort_by_position(std::vector<Diagnostic>& diagnostics);

// {"file","line","column","key","message"}
nlohmann::json to_json(const Diagnostic& diagnostic);

}  // namespace dci
