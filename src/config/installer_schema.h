#pragma once

#include "config/schema.h"

namespace dci {

// The installer's own keys. Rules that span several keys (quorum size, duplicate hosts, key
// files) live in installer_rules.h; their wording is in each key's rule_doc.
Schema installer_schema();

}  // namespace dci
