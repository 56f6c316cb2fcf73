#pragma once
// The names a distribution's Mustache templates may use: the contract between the manifest
// (checked when it is loaded) and genconf (which builds the context). Documented in
// docs/distribution-format.md, "Template context".

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/schema.h"

namespace dci {

enum class TemplateValueKind {
  Scalar,  // {{name}} renders it; {{#name}} is true when it is not empty
  Bool,    // only {{#name}} / {{^name}}
  List,    // only {{#name}}...{{/name}}; items are `fields` (or {{.}} for a list of text)
};

struct TemplateName {
  TemplateValueKind kind = TemplateValueKind::Scalar;
  std::vector<std::string> fields;  // of each item of a List of objects; empty for text items
};

// Config keys that are not in the context: the host lists (use `masters`; agent lists are left
// out so that adding an agent never changes a bundle).
bool is_hidden_from_templates(std::string_view key);

// Every name of the context for a config validated against `schema`: the config keys (minus the
// hidden ones) and the derived values (cluster_id, role, masters, ...).
std::map<std::string, TemplateName> template_names(const Schema& schema);

// Names a distribution parameter may not take (derived values of the context).
bool is_derived_template_name(std::string_view name);

}  // namespace dci
