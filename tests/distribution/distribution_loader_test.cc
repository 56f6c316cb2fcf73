#include "distribution/distribution_loader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "config/reference.h"
#include "config/validator.h"
#include "distribution/manifest_parser.h"

namespace dci {
namespace {

namespace fs = std::filesystem;

// The built reference distribution (artifacts included) lives next to the binary.
const std::string k_builtin_dir =
    (fs::path(DCINSTALL_BINARY).parent_path() / "share/dcinstall/distributions").string();

Environment environment_with_builtin_dir() {
  return Environment([](const std::string& name) -> std::optional<std::string> {
    if (name == "DCINSTALL_DISTRIBUTIONS_DIR") return k_builtin_dir;
    if (name == "HOME") return "/nonexistent-home";
    return std::nullopt;
  });
}

TEST(DistributionLoaderTest, ReferenceDistributionLoads) {
  const ManifestResult result = load_manifest(k_builtin_dir + "/reference");
  for (const auto& error : result.errors) ADD_FAILURE() << error.to_string();
  ASSERT_TRUE(result.ok());
  const Distribution& reference = result.distribution;
  EXPECT_EQ(reference.name, "reference");
  ASSERT_EQ(reference.master.services.size(), 1u);
  EXPECT_EQ(reference.master.services[0].name, "etcd");
  ASSERT_EQ(reference.agent.services.size(), 1u);
  EXPECT_EQ(reference.public_agent.services[0].name, "agent");
  EXPECT_EQ(reference.master.requirements.ports.size(), 2u);
  EXPECT_EQ(reference.master.cluster_health.size(), 1u);
}

TEST(DistributionLoaderTest, PrerequisitesKeepTheirOrderAndDefaults) {
  const ManifestResult result = load_manifest(k_builtin_dir + "/reference");
  ASSERT_TRUE(result.ok());
  std::vector<std::string> names;
  for (const PrerequisiteSpec& prerequisite : result.distribution.public_agent.prerequisites) {
    names.push_back(prerequisite.name);
    EXPECT_EQ(prerequisite.check, "prereqs/check.sh");
    EXPECT_EQ(prerequisite.install, "prereqs/install.sh");
    EXPECT_EQ(prerequisite.timeout_s, 300);  // the default
    EXPECT_FALSE(prerequisite.message.empty());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"coreutils", "sed", "hostname"}));
  EXPECT_EQ(result.distribution.master.prerequisites.size(), 3u);

  // The key is optional, and timeout_s is read.
  const std::string manifest =
      "format_version: 1\nname: p\nversion: '1'\nroles:\n  master:\n    files:\n"
      "      - {source: distribution.yaml, target: x.sh}\n    prerequisites:\n"
      "      - {name: x, check: x.sh, install: x.sh, message: m, timeout_s: 12.5}\n"
      "  agent: {}\n  public_agent: {}\n";
  const std::string dir = ::testing::TempDir() + "/prereqs-manifest";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/distribution.yaml") << manifest;
  const ManifestResult parsed = parse_manifest(manifest, "distribution.yaml", dir);
  for (const auto& error : parsed.errors) ADD_FAILURE() << error.to_string();
  ASSERT_EQ(parsed.distribution.master.prerequisites.size(), 1u);
  EXPECT_EQ(parsed.distribution.master.prerequisites[0].timeout_s, 12.5);
  EXPECT_TRUE(parsed.distribution.agent.prerequisites.empty());
}

TEST(DistributionLoaderTest, DrainAndUndrainAreOptionalCheckListsOfTheRole) {
  const std::string manifest =
      "format_version: 1\nname: p\nversion: '1'\nroles:\n  master:\n    files:\n"
      "      - {source: distribution.yaml, target: x.sh}\n    drain:\n"
      "      - {name: leader, run: x.sh, message: m, timeout_s: 20}\n    undrain:\n"
      "      - {name: a, run: x.sh, message: m}\n      - {name: b, run: nowhere.sh, message: m}\n"
      "  agent: {}\n  public_agent: {}\n";
  const std::string dir = ::testing::TempDir() + "/drain-manifest";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/distribution.yaml") << manifest;
  const ManifestResult parsed = parse_manifest(manifest, "distribution.yaml", dir);
  ASSERT_EQ(parsed.distribution.master.drain.size(), 1u);
  EXPECT_EQ(parsed.distribution.master.drain[0].name, "leader");
  EXPECT_EQ(parsed.distribution.master.drain[0].timeout_s, 20);
  EXPECT_EQ(parsed.distribution.master.undrain.size(), 1u);  // the bad one is reported, not kept
  EXPECT_TRUE(parsed.distribution.agent.drain.empty());
  // A run that is no target of the role is an error at its line.
  ASSERT_EQ(parsed.errors.size(), 1u);
  EXPECT_NE(parsed.errors[0].to_string().find("nowhere.sh"), std::string::npos)
      << parsed.errors[0].to_string();
}

TEST(DistributionLoaderTest, LeaveStepsOfAnyRoleRunAMastersTargets) {
  // The agent comes first: its leave steps are checked once the master's targets are known.
  const std::string manifest =
      "format_version: 1\nname: p\nversion: '1'\nroles:\n  agent:\n    files:\n"
      "      - {source: distribution.yaml, target: agent-only.sh}\n    leave:\n"
      "      - {name: deregister, run: leave.sh, message: m, timeout_s: 20}\n"
      "      - {name: own, run: agent-only.sh, message: m}\n"
      "  master:\n    files:\n      - {source: distribution.yaml, target: leave.sh}\n"
      "  public_agent: {}\n";
  const std::string dir = ::testing::TempDir() + "/leave-manifest";
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/distribution.yaml") << manifest;
  const ManifestResult parsed = parse_manifest(manifest, "distribution.yaml", dir);
  ASSERT_EQ(parsed.distribution.agent.leave.size(), 1u);
  EXPECT_EQ(parsed.distribution.agent.leave[0].run, "leave.sh");
  EXPECT_EQ(parsed.distribution.agent.leave[0].timeout_s, 20);
  EXPECT_TRUE(parsed.distribution.master.leave.empty());
  // A script of the agent's own bundle is not on the master that runs the step.
  ASSERT_EQ(parsed.errors.size(), 1u);
  EXPECT_NE(parsed.errors[0].to_string().find(
                "'agent-only.sh' is not a target of the master role's templates"),
            std::string::npos)
      << parsed.errors[0].to_string();
}

TEST(DistributionLoaderTest, ReadsTheDistributionKeyBeforeValidation) {
  EXPECT_EQ(read_distribution_choice("cluster_name: a\n", "c.yaml").value, "reference");
  const DistributionChoice choice =
      read_distribution_choice("cluster_name: a\ndistribution:   ./mine\n", "c.yaml");
  EXPECT_EQ(choice.value, "./mine");
  EXPECT_EQ(choice.position.line, 2);
  EXPECT_EQ(choice.position.column, 17);
  // Not a single value: validation reports it; the schema is the reference one.
  EXPECT_EQ(read_distribution_choice("distribution: [a, b]\n", "c.yaml").value, "reference");
}

TEST(DistributionLoaderTest, TheLineScanAgreesWithAFullParse) {
  struct Case {
    std::string text;
    std::string value;
    int line;
    int column;
  };
  const std::vector<Case> cases = {
      {"a: 1\ndistribution: 'my dir' # mine\nb: 2\n", "my dir", 2, 15},
      {"a: 1\ndistribution: \"x\\ty\"\n", "x\ty", 2, 15},
      {"a: |\n  distribution: nope\ndistribution: yes-this\n", "yes-this", 3, 15},
      {"distribution:\n  ./next-line\n", "./next-line", 2, 3},
      {"distribution: first\n  second\n", "first second", 1, 15},
      {"distribution: one\ndistribution: two\n", "one", 1, 15},
      {"{a: 1, distribution: flow}\n", "flow", 1, 22},
      {"# distribution: commented\na: 1\n", "reference", 0, 0},
      {"---\ndistribution: doc\n", "doc", 2, 15},
  };
  for (const Case& c : cases) {
    const DistributionChoice choice = read_distribution_choice(c.text, "c.yaml");
    EXPECT_EQ(choice.value, c.value) << c.text;
    EXPECT_EQ(choice.position.line, c.line) << c.text;
    EXPECT_EQ(choice.position.column, c.column) << c.text;
  }
}

TEST(DistributionLoaderTest, ParametersMergeIntoTheSchemaUnderTheirOwnHeading) {
  const LoadedDistribution loaded =
      load_distribution(DistributionChoice{}, "config.yaml", environment_with_builtin_dir());
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().to_string();
  const KeySpec* port = loaded.schema.find("etcd_client_port");
  ASSERT_NE(port, nullptr);
  EXPECT_EQ(port->source, "reference");
  EXPECT_EQ(port->default_value.value_or(""), "2379");
  EXPECT_NE(loaded.schema.find("cluster_name"), nullptr);
  const std::string reference = render_reference(loaded.schema);
  EXPECT_NE(reference.find("## Distribution `reference` parameters"), std::string::npos);
  EXPECT_NE(reference.find("| `etcd_peer_port` | integer | `2380` | 1–65535 |"), std::string::npos);
}

TEST(DistributionLoaderTest, ConfigValuesAreValidatedAgainstTheParameters) {
  const LoadedDistribution loaded =
      load_distribution(DistributionChoice{}, "config.yaml", environment_with_builtin_dir());
  const ValidationResult result = validate_config(
      "cluster_name: a\nmaster_list: [10.0.0.1]\nssh_host_key_policy: off\n"
      "etcd_client_port: 0\nagent_attributes: [zone=a, 'bad value']\netcd_peer_prot: 1\n",
      "config.yaml", loaded.schema, environment_with_builtin_dir());
  std::vector<std::string> errors;
  for (const auto& error : result.errors) errors.push_back(error.to_string());
  EXPECT_EQ(errors,
            (std::vector<std::string>{
                "config.yaml:4:19: etcd_client_port: 0 is out of range; expected 1–65535",
                "config.yaml:5:28: agent_attributes: 'bad value' is not valid; expected key=value "
                "(key: letters, digits, '_', '.', '-'; value without spaces, commas or quotes)",
                "config.yaml:6:1: etcd_peer_prot: unknown key 'etcd_peer_prot'; did you mean "
                "'etcd_peer_port'?"}));
}

TEST(DistributionLoaderTest, ABadDistributionIsReportedAtTheConfigKeyAndInItsManifest) {
  const fs::path dir = fs::path(DCINSTALL_SOURCE_DIR) / "tests/distribution/cases/unknown_keys";
  DistributionChoice choice{dir.string(), {"config.yaml", 3, 15}};
  const LoadedDistribution loaded =
      load_distribution(choice, "config.yaml", environment_with_builtin_dir());
  EXPECT_FALSE(loaded.distribution.has_value());
  ASSERT_GE(loaded.errors.size(), 2u);
  EXPECT_EQ(loaded.errors[0].to_string().rfind("config.yaml:3:15: distribution: distribution '", 0),
            0u)
      << loaded.errors[0].to_string();
  EXPECT_NE(
      loaded.errors[1].to_string().find("unknown_keys/distribution.yaml:4:1: parameter: "
                                        "unknown key 'parameter'; did you mean 'parameters'?"),
      std::string::npos)
      << loaded.errors[1].to_string();
  // The installer keys are still there, so the config itself can be validated.
  EXPECT_NE(loaded.schema.find("master_list"), nullptr);
}

TEST(DistributionLoaderTest, AMissingDirectoryIsOneError) {
  DistributionChoice choice{"/nonexistent/dist", {"config.yaml", 2, 15}};
  const LoadedDistribution loaded =
      load_distribution(choice, "config.yaml", environment_with_builtin_dir());
  ASSERT_EQ(loaded.errors.size(), 2u);
  EXPECT_EQ(loaded.errors[1].to_string(),
            "/nonexistent/dist/distribution.yaml: cannot open: No such file or directory (a "
            "distribution directory holds distribution.yaml)");
}

}  // namespace
}  // namespace dci
