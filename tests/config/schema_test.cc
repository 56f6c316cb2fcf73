#include "config/schema.h"

#include <gtest/gtest.h>

#include "config/installer_schema.h"
#include "config/reference.h"

namespace dci {
namespace {

TEST(SchemaTest, InstallerSchemaHasEveryDocumentedKeyOnce) {
  const Schema schema = installer_schema();
  for (const char* key : {"cluster_name",
                          "master_list",
                          "agent_list",
                          "public_agent_list",
                          "ssh_user",
                          "ssh_port",
                          "ssh_key_path",
                          "ssh_key_passphrase_env",
                          "ssh_use_agent",
                          "ssh_host_key_policy",
                          "ssh_known_hosts_path",
                          "ssh_jump_host",
                          "ssh_sudo",
                          "ssh_parallelism",
                          "connect_timeout_s",
                          "command_timeout_s",
                          "retries",
                          "agent_failure_budget",
                          "install_prereqs",
                          "bootstrap_url",
                          "resolvers",
                          "distribution"}) {
    EXPECT_NE(schema.find(key), nullptr) << key;
  }
  for (const KeySpec& spec : schema.keys()) {
    EXPECT_FALSE(spec.doc.empty()) << spec.key << " has no doc";
    EXPECT_FALSE(spec.required && spec.default_value) << spec.key << " is required with a default";
  }
}

TEST(SchemaTest, DefaultsPassTheirOwnRules) {
  const Schema schema = installer_schema();
  for (const KeySpec& spec : schema.keys()) {
    if (!spec.default_value || spec.default_value->empty()) continue;
    EXPECT_EQ(check_scalar(spec, *spec.default_value), std::nullopt) << spec.key;
  }
}

TEST(SchemaTest, AddRefusesToRedefineAKey) {
  Schema schema = installer_schema();
  KeySpec clash;
  clash.key = "ssh_port";
  clash.doc = "again";
  EXPECT_FALSE(schema.add(clash));
  KeySpec fresh;
  fresh.key = "etcd_client_port";
  fresh.doc = "new";
  fresh.source = "reference";
  EXPECT_TRUE(schema.add(fresh));
  EXPECT_EQ(schema.find("etcd_client_port")->source, "reference");
}

TEST(SchemaTest, CheckScalarAppliesTypeRangeChoicesAndPattern) {
  const Schema schema = installer_schema();
  EXPECT_EQ(check_scalar(*schema.find("ssh_port"), "22"), std::nullopt);
  EXPECT_EQ(*check_scalar(*schema.find("ssh_port"), "70000"),
            "70000 is out of range; expected 1–65535");
  EXPECT_EQ(*check_scalar(*schema.find("ssh_parallelism"), "many"), "'many' is not a whole number");
  EXPECT_EQ(*check_scalar(*schema.find("install_prereqs"), "yes"),
            "'yes' is not a bool; use true or false");
  EXPECT_EQ(*check_scalar(*schema.find("ssh_sudo"), "alway"),
            "'alway' is not allowed; expected one of: auto, always, never (did you mean "
            "'always'?)");
  EXPECT_NE(check_scalar(*schema.find("cluster_name"), "Upper"), std::nullopt);
  EXPECT_EQ(check_scalar(*schema.find("agent_failure_budget"), "5%"), std::nullopt);
  EXPECT_NE(check_scalar(*schema.find("agent_failure_budget"), "101%"), std::nullopt);
}

TEST(SchemaTest, CheckScalarBoundsPatternInputAndShortensLongValues) {
  const Schema schema = installer_schema();
  // std::regex recursed per character: a 60 KiB cluster_name crashed `dcinstall web`.
  const std::string huge(900 * 1024, 'x');
  const std::optional<std::string> error = check_scalar(*schema.find("cluster_name"), huge);
  ASSERT_TRUE(error);
  EXPECT_EQ(*error, "'" + std::string(60, 'x') + "…' (921600 characters) is 921600 characters "
                    "long; at most 4096 here");
  const std::optional<std::string> url_error =
      check_scalar(*schema.find("bootstrap_url"), "http://" + huge);
  ASSERT_TRUE(url_error);
  EXPECT_NE(url_error->find("at most 4096"), std::string::npos) << *url_error;
  // A multi-byte character is never cut in the shortened quote.
  const std::string accents = std::string(59, 'a') + "é" + std::string(100, 'b');
  const std::optional<std::string> accent_error =
      check_scalar(*schema.find("cluster_name"), accents);
  ASSERT_TRUE(accent_error);
  EXPECT_EQ(accent_error->substr(0, 64), "'" + std::string(59, 'a') + "…'");
}

TEST(SchemaTest, CheckScalarNeverQuotesASecretValue) {
  KeySpec spec;
  spec.key = "db_password";
  spec.type = ValueType::String;
  spec.secret = true;
  spec.pattern = "[a-z]{12,}";
  spec.pattern_doc = "at least 12 lower-case letters";
  const std::optional<std::string> pattern_error = check_scalar(spec, "Hunter2-secret");
  ASSERT_TRUE(pattern_error);
  EXPECT_EQ(*pattern_error,
            "the value (hidden) is not valid; expected at least 12 lower-case letters");

  spec.pattern.clear();
  spec.choices = {"alpha-secret", "beta-secret"};
  const std::optional<std::string> choice_error = check_scalar(spec, "alpha-secreT");
  ASSERT_TRUE(choice_error);
  EXPECT_EQ(choice_error->find("alpha-secreT"), std::string::npos) << *choice_error;
  EXPECT_EQ(choice_error->find("did you mean"), std::string::npos) << *choice_error;

  spec.choices.clear();
  spec.type = ValueType::Integer;
  spec.max = 10;
  const std::optional<std::string> range_error = check_scalar(spec, "424242");
  ASSERT_TRUE(range_error);
  EXPECT_EQ(range_error->find("424242"), std::string::npos) << *range_error;

  spec.check = [](std::string_view value) -> std::optional<std::string> {
    return "'" + std::string(value) + "' is weak";
  };
  spec.max.reset();
  const std::optional<std::string> check_error = check_scalar(spec, "7");
  ASSERT_TRUE(check_error);
  EXPECT_EQ(*check_error, "the value (hidden) is not valid");
}

TEST(SchemaTest, ReferenceListsEveryKeyWithItsDefault) {
  const Schema schema = installer_schema();
  const std::string reference = render_reference(schema);
  for (const KeySpec& spec : schema.keys()) {
    EXPECT_NE(reference.find("| `" + spec.key + "` |"), std::string::npos) << spec.key;
  }
  EXPECT_NE(reference.find("| `ssh_port` | integer | `22` | 1–65535 |"), std::string::npos);
  EXPECT_NE(reference.find("true when SSH_AUTH_SOCK is set"), std::string::npos);
}

}  // namespace
}  // namespace dci
