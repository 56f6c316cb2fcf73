#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace dci {

// Decodes standard base64 (RFC 4648), ignoring whitespace; nullopt on any other invalid input.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace dci
