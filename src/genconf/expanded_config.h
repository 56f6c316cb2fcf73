#pragma once
// genconf/expanded-config.yaml: every key of the schema with its effective value and where it
// comes from; secrets masked. For reading, not an input.

#include <string>
#include <string_view>

#include "config/config_values.h"
#include "config/schema.h"

namespace dci {

// What a secret's value is replaced with.
constexpr std::string_view k_masked_secret = "********";

// Flat YAML in schema order: `key: value  # origin`, origin being "<file>:<line>", "default",
// or "not set" (then the value is null). Scalars are double-quoted; lists are block lists.
std::string render_expanded_config(const Schema& schema, const ConfigValues& values,
                                   const std::string& config_file);

}  // namespace dci
