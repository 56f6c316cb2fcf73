#include "config/key_file.h"

#include <sys/stat.h>

#include <cstdio>

#include "config/raw_config.h"
#include "util/base64.h"
#include "util/strings.h"

namespace dci {
namespace {

constexpr std::string_view k_openssh_begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
constexpr std::string_view k_openssh_end = "-----END OPENSSH PRIVATE KEY-----";

// The OpenSSH key format: "openssh-key-v1\0", then a uint32-length-prefixed cipher name, "none"
// when the key is not encrypted.
Result<bool> openssh_key_is_encrypted(std::string_view text) {
  const size_t begin = text.find(k_openssh_begin);
  const size_t end = text.find(k_openssh_end);
  if (end == std::string_view::npos || end < begin) return Error{"truncated OpenSSH private key"};
  const auto blob = base64_decode(
      text.substr(begin + k_openssh_begin.size(), end - begin - k_openssh_begin.size()));
  constexpr std::string_view magic{"openssh-key-v1\0", 15};
  if (!blob || blob->size() < magic.size() + 4 || blob->compare(0, magic.size(), magic) != 0) {
    return Error{"corrupt OpenSSH private key (bad base64 or header)"};
  }
  const auto* length_bytes = reinterpret_cast<const unsigned char*>(blob->data() + magic.size());
  const size_t length = (size_t{length_bytes[0]} << 24) | (size_t{length_bytes[1]} << 16) |
                        (size_t{length_bytes[2]} << 8) | size_t{length_bytes[3]};
  if (blob->size() < magic.size() + 4 + length) return Error{"corrupt OpenSSH private key"};
  return blob->substr(magic.size() + 4, length) != "none";
}

std::string octal(unsigned mode) {
  char text[8];
  std::snprintf(text, sizeof text, "%04o", mode);
  return text;
}

}  // namespace

Result<KeyFileInfo> inspect_key_file(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) return Error{"key file '" + path + "' does not exist"};
  if (!S_ISREG(info.st_mode)) return Error{"'" + path + "' is not a regular file"};
  KeyFileInfo key;
  key.mode = info.st_mode & 07777;
  if ((key.mode & 0177) != 0) {
    return Error{"key file '" + path + "' has mode " + octal(key.mode) +
                 ", too open for a private key; run: chmod 600 " + path};
  }
  auto text = read_text_file(path);
  if (!text) return Error{"cannot read key file '" + path + "': " + text.error().message};
  const std::string_view content = trim(*text);
  if (starts_with(content, "ssh-") || starts_with(content, "ecdsa-")) {
    return Error{"'" + path + "' is a public key; give the private key (the file without .pub)"};
  }
  if (starts_with(content, k_openssh_begin)) {
    auto encrypted = openssh_key_is_encrypted(content);
    if (!encrypted) return Error{"'" + path + "': " + encrypted.error().message};
    key.encrypted = *encrypted;
    return key;
  }
  // PEM keys (RSA, EC, DSA, PKCS#8).
  if (starts_with(content, "-----BEGIN ") &&
      content.find("PRIVATE KEY-----") != std::string::npos) {
    key.encrypted = content.find("ENCRYPTED") != std::string_view::npos;
    return key;
  }
  return Error{"'" + path +
               "' is not a private key; expected an OpenSSH or PEM private key "
               "(-----BEGIN ... PRIVATE KEY-----)"};
}

}  // namespace dci
