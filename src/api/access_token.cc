#include "api/access_token.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

#include "util/strings.h"

namespace dci::api {
namespace {

constexpr std::string_view k_url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// base64url without padding.
std::string base64url(const unsigned char* data, size_t size) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (size_t i = 0; i < size; ++i) {
    buffer = (buffer << 8) | data[i];
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += k_url_alphabet[(buffer >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += k_url_alphabet[(buffer << (6 - bits)) & 0x3f];
  return out;
}

}  // namespace

std::string generate_token() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("cannot generate a random access token (OpenSSL RAND_bytes failed)");
  }
  return base64url(bytes.data(), bytes.size());
}

bool tokens_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size() || a.empty()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

std::vector<std::string> cookie_values(std::string_view cookie_header, std::string_view name) {
  std::vector<std::string> values;
  for (const std::string& part : split(cookie_header, ';')) {
    const std::string_view pair = trim(part);
    const size_t equals = pair.find('=');
    if (equals == std::string_view::npos) continue;
    if (trim(pair.substr(0, equals)) == name) values.emplace_back(trim(pair.substr(equals + 1)));
  }
  return values;
}

std::optional<std::string> bearer_token(std::string_view authorization_header) {
  const std::string_view value = trim(authorization_header);
  constexpr std::string_view k_prefix = "Bearer ";
  if (value.size() <= k_prefix.size() || to_lower(value.substr(0, k_prefix.size())) != "bearer ") {
    return std::nullopt;
  }
  return std::string(trim(value.substr(k_prefix.size())));
}

}  // namespace dci::api
