#include "genconf/template_renderer.h"

#include <kainjow/mustache.hpp>

#include "distribution/template_names.h"
#include "util/strings.h"

namespace dci {

namespace mustache = kainjow::mustache;

struct TemplateRenderer::Context {
  mustache::data data;
  // `data` with every secret value changed (see secret_changed).
  mustache::data secrets_changed;
};

namespace {

mustache::data value_data(const KeySpec& spec, const ConfigValue& value) {
  if (spec.type == ValueType::Boolean) {
    const bool on = !value.items.empty() && to_lower(value.items.front()) == "true";
    return mustache::data(on ? mustache::data::type::bool_true : mustache::data::type::bool_false);
  }
  if (is_list_type(spec.type)) {
    mustache::data list(mustache::data::type::list);
    for (const std::string& item : value.items) list.push_back(mustache::data(item));
    return list;
  }
  return mustache::data(value.items.empty() ? std::string() : value.items.front());
}

// A value that renders differently from `value` wherever `value` is rendered: each text gets a
// byte appended, a boolean is flipped.
ConfigValue secret_changed(const KeySpec& spec, ConfigValue value) {
  if (spec.type == ValueType::Boolean) {
    const bool on = !value.items.empty() && to_lower(value.items.front()) == "true";
    value.items = {on ? "false" : "true"};
    return value;
  }
  if (value.items.empty() && !is_list_type(spec.type)) value.items.emplace_back();
  for (std::string& item : value.items) item += '\x01';
  return value;
}

std::string render_with(std::string_view text, const mustache::data& data) {
  mustache::mustache compiled{std::string(text)};
  compiled.set_custom_escape([](const std::string& raw) { return raw; });
  return compiled.render(data);
}

mustache::data flag(bool on) {
  return mustache::data(on ? mustache::data::type::bool_true : mustache::data::type::bool_false);
}

}  // namespace

TemplateRenderer::TemplateRenderer(const ClusterConfig& config, const Schema& schema,
                                   const Distribution& distribution,
                                   const std::string& cluster_id, Role role)
    : m_context(std::make_unique<Context>()) {
  mustache::data& data = m_context->data;
  for (const KeySpec& spec : schema.keys()) {
    if (is_hidden_from_templates(spec.key)) continue;
    const ConfigValue* value = config.values.find(spec.key);
    if (value) data.set(spec.key, value_data(spec, *value));
  }
  data.set("cluster_id", cluster_id);
  data.set("role", std::string(role_name(role)));
  data.set("is_master", flag(role == Role::Master));
  data.set("is_agent", flag(role == Role::Agent));
  data.set("is_public_agent", flag(role == Role::PublicAgent));
  data.set("distribution_name", distribution.name);
  data.set("distribution_version", distribution.version);

  const auto masters = config.hosts_with_role(Role::Master);
  data.set("master_count", std::to_string(masters.size()));
  mustache::data list(mustache::data::type::list);
  for (size_t i = 0; i < masters.size(); ++i) {
    const std::string& address = masters[i]->address;
    mustache::data master;
    master.set("address", address);
    master.set("url_host", address.find(':') != std::string::npos ? "[" + address + "]" : address);
    master.set("index", std::to_string(i + 1));
    master.set("name", "master-" + std::to_string(i + 1));
    master.set("first", flag(i == 0));
    master.set("last", flag(i + 1 == masters.size()));
    list.push_back(master);
  }
  data.set("masters", list);

  m_context->secrets_changed = mustache::data(data);
  for (const KeySpec& spec : schema.keys()) {
    const ConfigValue* value = config.values.find(spec.key);
    if (!value || !schema.is_secret(spec.key) || is_hidden_from_templates(spec.key)) continue;
    m_context->secrets_changed.set(spec.key, value_data(spec, secret_changed(spec, *value)));
  }
}

TemplateRenderer::~TemplateRenderer() = default;

Result<std::string> TemplateRenderer::render(std::string_view text, const std::string& what) const {
  mustache::mustache compiled{std::string(text)};
  compiled.set_custom_escape([](const std::string& raw) { return raw; });
  if (!compiled.is_valid()) return Error{"Mustache: " + compiled.error_message(), what};
  std::string out = compiled.render(m_context->data);
  if (!compiled.is_valid()) return Error{"Mustache: " + compiled.error_message(), what};
  return out;
}

bool TemplateRenderer::uses_secret(std::string_view text) const {
  return render_with(text, m_context->data) != render_with(text, m_context->secrets_changed);
}

}  // namespace dci
