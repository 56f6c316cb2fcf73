#include "distribution/template_check.h"

#include <gtest/gtest.h>

#include "config/installer_schema.h"

namespace dci {
namespace {

std::vector<std::string> check(const std::string& text) {
  std::vector<Diagnostic> diagnostics;
  check_template(text, {"t.mustache", 1, 1}, template_names(installer_schema()), diagnostics);
  std::vector<std::string> out;
  for (const auto& diagnostic : diagnostics) out.push_back(diagnostic.to_string());
  return out;
}

TEST(TemplateCheckTest, AcceptsTheContextNames) {
  EXPECT_TRUE(check("{{cluster_name}} {{cluster_id}} {{role}} {{master_count}}\n"
                    "{{#masters}}{{name}}={{url_host}}:{{index}}{{^last}},{{/last}}{{/masters}}\n"
                    "{{#is_master}}m{{/is_master}}{{^install_prereqs}}no{{/install_prereqs}}\n"
                    "{{#resolvers}}nameserver {{.}}\n{{/resolvers}}{{! a comment }}{{{ssh_user}}}")
                  .empty());
}

TEST(TemplateCheckTest, SuggestsTheNameMeant) {
  EXPECT_EQ(check("a\n  {{clustr_id}}"),
            std::vector<std::string>{
                "t.mustache:2:3: unknown name 'clustr_id' in template; did you mean 'cluster_id'?"});
}

TEST(TemplateCheckTest, HostListsAreNotInTheContext) {
  EXPECT_EQ(check("{{#agent_list}}{{.}}{{/agent_list}}").size(), 1u);
}

TEST(TemplateCheckTest, BoolsAndListsOnlyAsSections) {
  EXPECT_EQ(check("{{is_master}}{{masters}}"),
            (std::vector<std::string>{
                "t.mustache:1:1: 'is_master' is a bool; use {{#is_master}}...{{/is_master}} or "
                "{{^is_master}}...{{/is_master}}",
                "t.mustache:1:14: 'masters' is a list; use {{#masters}}...{{/masters}}"}));
}

TEST(TemplateCheckTest, FieldsOnlyInsideTheirSection) {
  EXPECT_TRUE(check("{{#masters}}{{address}}{{/masters}}").empty());
  EXPECT_EQ(check("{{address}}").size(), 1u);
  EXPECT_EQ(check("{{.}}").size(), 1u);
}

TEST(TemplateCheckTest, SyntaxErrorsArePositioned) {
  EXPECT_EQ(check("one\n{{#masters}}\n"),
            std::vector<std::string>{"t.mustache:2:1: Mustache syntax: unclosed section \"masters\""});
  EXPECT_EQ(check("x {{role"),
            std::vector<std::string>{"t.mustache:1:3: Mustache syntax: unclosed tag"});
}

TEST(TemplateCheckTest, StartPositionOffsetsInlineTemplates) {
  std::vector<Diagnostic> diagnostics;
  check_template("--x={{nope}}", {"d.yaml", 7, 11}, template_names(installer_schema()),
                 diagnostics);
  ASSERT_EQ(diagnostics.size(), 1u);
  EXPECT_EQ(diagnostics[0].position.line, 7);
  EXPECT_EQ(diagnostics[0].position.column, 15);
}

}  // namespace
}  // namespace dci
