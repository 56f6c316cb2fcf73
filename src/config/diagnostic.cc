#include "config/diagnostic.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace dci {

std::string Diagnostic::to_string() const {
  std::string out = position.file;
  if (position.line > 0) {
    out += ":" + std::to_string(position.line);
    if (position.column > 0) out += ":" + std::to_string(position.column);
  }
  if (!out.empty()) out += ": ";
  if (!key.empty()) out += key + ": ";
  if (severity == Severity::Warning) out += "warning: ";
  return out + message;
}

void sort_by_position(std::vector<Diagnostic>& diagnostics) {
  std::stable_sort(diagnostics.begin(), diagnostics.end(),
                   [](const Diagnostic& a, const Diagnostic& b) {
                     if (a.position.line != b.position.line) {
                       return a.position.line < b.position.line;
                     }
                     return a.position.column < b.position.column;
                   });
}

nlohmann::json to_json(const Diagnostic& diagnostic) {
  return {{"file", diagnostic.position.file},
          {"line", diagnostic.position.line},
          {"column", diagnostic.position.column},
          {"key", diagnostic.key},
          {"message", diagnostic.message}};
}

}  // namespace dci
