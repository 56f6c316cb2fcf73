#include "config/environment.h"

#include <cstdlib>
#include <filesystem>

namespace dci {

Environment Environment::from_process() {
  return Environment([](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  });
}

std::string Environment::expand_path(const std::string& path, const std::string& base_dir) const {
  std::string expanded = path;
  if (path == "~" || path.rfind("~/", 0) == 0) expanded = get("HOME").value_or("") + path.substr(1);
  std::filesystem::path result(expanded);
  if (result.is_relative() && !base_dir.empty()) result = std::filesystem::path(base_dir) / result;
  return result.lexically_normal().string();
}

}  // namespace dci
