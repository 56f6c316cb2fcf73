#include "distribution/template_names.h"

namespace dci {
namespace {

constexpr std::string_view k_hidden_keys[] = {"master_list", "agent_list", "public_agent_list"};

std::map<std::string, TemplateName> derived_names() {
  using Kind = TemplateValueKind;
  return {
      {"cluster_id", {Kind::Scalar, {}}},
      {"role", {Kind::Scalar, {}}},
      {"is_master", {Kind::Bool, {}}},
      {"is_agent", {Kind::Bool, {}}},
      {"is_public_agent", {Kind::Bool, {}}},
      {"distribution_name", {Kind::Scalar, {}}},
      {"distribution_version", {Kind::Scalar, {}}},
      {"master_count", {Kind::Scalar, {}}},
      {"masters", {Kind::List, {"address", "url_host", "name", "index", "first", "last"}}},
  };
}

}  // namespace

bool is_hidden_from_templates(std::string_view key) {
  for (std::string_view hidden : k_hidden_keys) {
    if (hidden == key) return true;
  }
  return false;
}

bool is_derived_template_name(std::string_view name) {
  static const auto names = derived_names();
  return names.count(std::string(name)) > 0;
}

std::map<std::string, TemplateName> template_names(const Schema& schema) {
  std::map<std::string, TemplateName> names = derived_names();
  for (const KeySpec& spec : schema.keys()) {
    if (is_hidden_from_templates(spec.key)) continue;
    TemplateName name;
    if (spec.type == ValueType::Boolean) name.kind = TemplateValueKind::Bool;
    if (is_list_type(spec.type)) name.kind = TemplateValueKind::List;
    names.emplace(spec.key, name);
  }
  return names;
}

}  // namespace dci
