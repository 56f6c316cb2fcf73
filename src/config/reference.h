#pragma once

#include <string>

#include "config/schema.h"

namespace dci {

// The Markdown config reference generated from the schema (docs/config-reference.md is this
// output for the installer keys plus the reference distribution's parameters).
std::string render_reference(const Schema& schema);

}  // namespace dci
