#include "api/config_document.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "api/config_json.h"
#include "config/installer_schema.h"

namespace dci::api {
namespace {

Schema schema_with_secret() {
  Schema schema = installer_schema();
  KeySpec secret;
  secret.key = "db_password";
  secret.secret = true;
  secret.source = "test";
  EXPECT_TRUE(schema.add(secret).ok());
  return schema;
}

TEST(ConfigDocumentTest, WritesAMegabyteValue) {
  // The plain-scalar check was a std::regex, which recursed per character: a 60 KiB value
  // overflowed the stack of `dcinstall web` (POST /api/v1/config/validate).
  const std::string long_value(1024 * 1024, 'x');
  auto text = render_config({{"cluster_name", long_value}}, installer_schema(), RawConfig{}, "");
  ASSERT_TRUE(text.ok()) << text.error().to_string();
  EXPECT_NE(text->find("cluster_name: " + long_value + "\n"), std::string::npos);
}

TEST(ConfigDocumentTest, WritesScalarsPlainWhenSafeAndQuotedOtherwise) {
  const Schema schema = installer_schema();
  const nlohmann::json values = {{"cluster_name", "demo"},
                                 {"ssh_port", 2222},
                                 {"install_prereqs", true},
                                 {"ssh_user", "null"},
                                 {"bootstrap_url", "http://10.0.0.1:8080/x y"},
                                 {"master_list", {"10.0.0.1", "ops@10.0.0.2:2222", "[::1]:22"}},
                                 {"agent_list", nlohmann::json::array()},
                                 {"resolvers", nullptr}};
  auto text = render_config(values, schema, RawConfig{}, "");
  ASSERT_TRUE(text.ok()) << text.error().to_string();
  EXPECT_NE(text->find("cluster_name: demo\n"), std::string::npos);
  EXPECT_NE(text->find("ssh_port: 2222\n"), std::string::npos);
  EXPECT_NE(text->find("ssh_user: \"null\"\n"), std::string::npos);
  EXPECT_NE(text->find("  - \"[::1]:22\"\n"), std::string::npos);
  EXPECT_NE(text->find("agent_list: []\n"), std::string::npos);
  EXPECT_EQ(text->find("resolvers"), std::string::npos);
  const RawConfig raw = raw_entries(*text, "c.yaml");
  ASSERT_NE(raw.find("bootstrap_url"), nullptr);
  EXPECT_EQ(raw.find("bootstrap_url")->items.at(0).text, "http://10.0.0.1:8080/x y");
  EXPECT_EQ(raw.find("master_list")->items.at(1).text, "ops@10.0.0.2:2222");
  EXPECT_EQ(raw.find("ssh_user")->items.at(0).text, "null");
}

TEST(ConfigDocumentTest, AnAbsentOrEmptySecretKeepsItsValueAndNullRemovesIt) {
  const Schema schema = schema_with_secret();
  const std::string current = "# keep me\ncluster_name: a\ndb_password: \"hunter2 two\"\n";
  const RawConfig raw = raw_entries(current, "c.yaml");
  for (const nlohmann::json& values :
       {nlohmann::json{{"cluster_name", "b"}},
        nlohmann::json{{"cluster_name", "b"}, {"db_password", ""}}}) {
    auto text = render_config(values, schema, raw, current);
    ASSERT_TRUE(text.ok());
    EXPECT_EQ(text->rfind("# keep me\n", 0), 0u);
    EXPECT_NE(text->find("db_password: \"hunter2 two\""), std::string::npos);
  }
  auto removed = render_config({{"db_password", nullptr}}, schema, raw, current);
  EXPECT_EQ(removed->find("db_password"), std::string::npos);
}

TEST(ConfigDocumentTest, RejectsBodiesThatAreNotFlatValues) {
  const Schema schema = installer_schema();
  EXPECT_FALSE(render_config(nlohmann::json::array(), schema, RawConfig{}, "").ok());
  EXPECT_FALSE(render_config({{"a", {{"nested", 1}}}}, schema, RawConfig{}, "").ok());
  EXPECT_FALSE(render_config({{"bad key: x", 1}}, schema, RawConfig{}, "").ok());
}

TEST(ConfigJsonTest, SecretsAreNeverValuesAndMisspelledSecretsCount) {
  const Schema schema = schema_with_secret();
  const RawConfig raw =
      raw_entries("cluster_name: a\ndb_password: hunter2\ndb_pasword: other99\n", "c.yaml");
  const nlohmann::json json = values_json(schema, raw);
  EXPECT_EQ(json["values"].size(), 1u);
  EXPECT_EQ(json["secrets"]["db_password"], "set");
  EXPECT_EQ(json["secrets"]["db_pasword"], "set");
  SecretMask mask;
  add_secrets(schema, raw, mask);
  EXPECT_EQ(mask.apply("'hunter2' is bad; other99 too"), "'(hidden)' is bad; (hidden) too");
}

}  // namespace
}  // namespace dci::api
