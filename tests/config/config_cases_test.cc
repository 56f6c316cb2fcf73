// Table-driven validation tests: every tests/config/cases/NAME.yaml is validated and its
// diagnostics must equal NAME.expected line for line (errors first, then warnings).
//
// In both files @KEYS@ stands for a folder of SSH keys made at start (plain, encrypted, wide,
// plain.pub, notakey). A leading "# env: NAME=value ..." line sets the environment the case sees;
// otherwise it sees only HOME (with an existing ~/.ssh/known_hosts).
//
// DCINSTALL_UPDATE_GOLDEN=1 rewrites the .expected files from the actual output instead of
// comparing: review `git diff tests/config/cases` line by line before committing.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "config/installer_schema.h"
#include "config/validator.h"
#include "test_support/temp_dir.h"
#include "util/strings.h"

namespace dci {
namespace {

namespace fs = std::filesystem;

const fs::path k_cases_dir = fs::path(DCINSTALL_SOURCE_DIR) / "tests/config/cases";

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

class ConfigCasesTest : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    s_dir = std::make_unique<TempDir>("config-cases");
    const fs::path keys = s_dir->path() / "keys";
    fs::create_directories(keys);
    fs::create_directories(s_dir->path() / "home/.ssh");
    std::ofstream(s_dir->path() / "home/.ssh/known_hosts") << "";
    const std::string k = keys.string();
    const std::string script = "set -e; ssh-keygen -q -t ed25519 -N '' -C test -f " + k +
                               "/plain; " + "ssh-keygen -q -t ed25519 -N secret -C test -f " + k +
                               "/encrypted; " + "cp " + k + "/plain " + k + "/wide; chmod 644 " +
                               k + "/wide; " + "echo 'just text' > " + k + "/notakey; chmod 600 " +
                               k + "/notakey " + k + "/plain.pub";
    ASSERT_EQ(std::system(script.c_str()), 0) << "ssh-keygen (openssh-client) is needed";
  }
  static void TearDownTestSuite() { s_dir.reset(); }

  static std::unique_ptr<TempDir> s_dir;
};
std::unique_ptr<TempDir> ConfigCasesTest::s_dir;

TEST_P(ConfigCasesTest, DiagnosticsMatchExpected) {
  const std::string name = GetParam();
  const std::string keys = (s_dir->path() / "keys").string();
  const std::string text = replace_all(read_file(k_cases_dir / (name + ".yaml")), "@KEYS@", keys);
  const std::string expected =
      replace_all(read_file(k_cases_dir / (name + ".expected")), "@KEYS@", keys);

  std::map<std::string, std::string> env = {{"HOME", (s_dir->path() / "home").string()}};
  if (starts_with(text, "# env:")) {
    const std::string line = text.substr(6, text.find('\n') - 6);
    for (const auto& pair : split(std::string(trim(line)), ' ')) {
      const size_t eq = pair.find('=');
      if (eq != std::string::npos) env[pair.substr(0, eq)] = pair.substr(eq + 1);
    }
  }
  const Environment environment([&env](const std::string& key) -> std::optional<std::string> {
    const auto it = env.find(key);
    if (it == env.end()) return std::nullopt;
    return it->second;
  });

  const ValidationResult result =
      validate_config(text, "config.yaml", installer_schema(), environment);
  std::string actual;
  for (const auto& error : result.errors) actual += error.to_string() + "\n";
  for (const auto& warning : result.warnings) actual += warning.to_string() + "\n";
  if (std::getenv("DCINSTALL_UPDATE_GOLDEN")) {
    std::ofstream(k_cases_dir / (name + ".expected")) << replace_all(actual, keys, "@KEYS@");
    return;
  }
  EXPECT_EQ(actual, expected) << "case " << name;
  EXPECT_EQ(result.valid(), result.errors.empty());
}

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(k_cases_dir)) {
    if (entry.path().extension() == ".yaml") names.push_back(entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Cases, ConfigCasesTest, ::testing::ValuesIn(case_names()),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST(ConfigCasesCount, HasAtLeastThirtyCases) {
  EXPECT_GE(case_names().size(), 30u);
}

}  // namespace
}  // namespace dci
