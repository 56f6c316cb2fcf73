#pragma once
// Checks a Mustache template before anything is rendered: syntax (as kainjow parses it) and
// names (every tag names something of the template context, used the way its kind allows).

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.h"
#include "distribution/template_names.h"

namespace dci {

// Checks `text`. Problems are appended to `diagnostics`, positioned within the text starting at
// `start` (line/column of its first character; a template file starts at 1:1). Partials and
// set-delimiter tags are not supported and are reported.
void check_template(std::string_view text, const SourcePosition& start,
                    const std::map<std::string, TemplateName>& names,
                    std::vector<Diagnostic>& diagnostics);

}  // namespace dci
