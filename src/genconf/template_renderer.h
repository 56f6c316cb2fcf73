#pragma once
// Renders a distribution's Mustache templates for one role, with the context described in
// docs/distribution-format.md ("Template context"): the validated config's values (minus the
// host lists) and the derived values (cluster_id, role, masters, ...). Output is not escaped.

#include <memory>
#include <string>
#include <string_view>

#include "config/cluster_config.h"
#include "config/schema.h"
#include "distribution/distribution.h"
#include "util/result.h"

namespace dci {

class TemplateRenderer {
 public:
  // Builds the context once. `config` was validated against `schema`. Nothing is kept by
  // reference.
  TemplateRenderer(const ClusterConfig& config, const Schema& schema,
                   const Distribution& distribution, const std::string& cluster_id, Role role);
  ~TemplateRenderer();
  TemplateRenderer(const TemplateRenderer&) = delete;
  TemplateRenderer& operator=(const TemplateRenderer&) = delete;

  // The rendered text; the Error (naming `what`) only for a template the manifest check let
  // through but kainjow cannot render.
  Result<std::string> render(std::string_view text, const std::string& what) const;

  // True when what `text` renders to depends on the value of a `secret` parameter (it renders
  // differently with every secret value changed), so the output must be treated as a secret.
  // Precondition: render(text, ...) succeeded.
  bool uses_secret(std::string_view text) const;

 private:
  struct Context;
  std::unique_ptr<Context> m_context;
};

}  // namespace dci
