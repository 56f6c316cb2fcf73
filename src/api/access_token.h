#pragma once
// The access token of one `dcinstall web` process: 32 random bytes (OpenSSL RAND_bytes) as 43
// url-safe base64 characters. Every /api/ request must carry it (cookie or Bearer header).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dci::api {

// The base name of the cookie that carries the token after GET /?token=T; the full name adds
// the port (AccessPolicy::cookie_name).
constexpr std::string_view k_token_cookie = "dcinstall_token";

// A fresh random token. Throws std::runtime_error when the system has no entropy (the server
// must not start with a guessable token).
std::string generate_token();

// Constant-time comparison (the length is not secret).
bool tokens_equal(std::string_view a, std::string_view b);

// The values of every cookie named `name` in a Cookie header ("a=1; b=2; a=3" -> {"1", "3"}), in
// header order. Browsers send same-named cookies of different paths or hosts side by side.
std::vector<std::string> cookie_values(std::string_view cookie_header, std::string_view name);

// The token of "Bearer T" in an Authorization header, if it has that form.
std::optional<std::string> bearer_token(std::string_view authorization_header);

}  // namespace dci::api
