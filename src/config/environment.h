#pragma once
// The process environment as validation sees it, so tests can set it without touching the real
// one.

#include <functional>
#include <optional>
#include <string>

namespace dci {

class Environment {
 public:
  using Lookup = std::function<std::optional<std::string>(const std::string& name)>;

  explicit Environment(Lookup lookup) : m_lookup(std::move(lookup)) {}
  static Environment from_process();

  std::optional<std::string> get(const std::string& name) const { return m_lookup(name); }

  // `path` with a leading ~ replaced by $HOME, and made absolute against `base_dir` when relative.
  std::string expand_path(const std::string& path, const std::string& base_dir) const;

 private:
  Lookup m_lookup;
};

}  // namespace dci
