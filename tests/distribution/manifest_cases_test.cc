// Table-driven manifest error tests: every tests/distribution/cases/NAME/ holds a bad
// distribution.yaml (and the files it names); its diagnostics must equal NAME/expected line for
// line. Paths in diagnostics are relative to the case directory.
//
// DCINSTALL_UPDATE_GOLDEN=1 rewrites the expected files from the actual output instead of
// comparing: review `git diff tests/distribution/cases` line by line before committing.

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "distribution/manifest_parser.h"

namespace dci {
namespace {

namespace fs = std::filesystem;

const fs::path k_cases_dir = fs::path(DCINSTALL_SOURCE_DIR) / "tests/distribution/cases";

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

std::vector<std::string> case_names() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(k_cases_dir)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

class ManifestCasesTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ManifestCasesTest, DiagnosticsMatchExpected) {
  const fs::path dir = k_cases_dir / GetParam();
  const std::string text = read_file(dir / "distribution.yaml");
  const ManifestResult result = parse_manifest(text, "distribution.yaml", dir.string());
  std::string actual;
  for (const Diagnostic& error : result.errors) {
    std::string line = error.to_string();
    // The absolute case directory appears in "not found in <dir>" messages.
    const std::string absolute = fs::absolute(dir).lexically_normal().string();
    for (size_t at = line.find(absolute); at != std::string::npos; at = line.find(absolute)) {
      line.replace(at, absolute.size(), "<case>");
    }
    actual += line + "\n";
  }
  EXPECT_FALSE(result.ok()) << "a bad manifest must not load";
  if (std::getenv("DCINSTALL_UPDATE_GOLDEN")) {
    std::ofstream(dir / "expected") << actual;
    return;
  }
  EXPECT_EQ(read_file(dir / "expected"), actual);
}

INSTANTIATE_TEST_SUITE_P(Cases, ManifestCasesTest, ::testing::ValuesIn(case_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace dci
