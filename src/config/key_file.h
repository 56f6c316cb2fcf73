#pragma once
// What can be told about an SSH private key file without a passphrase: is it one, is it
// encrypted, is it protected.

#include <string>

#include "util/result.h"

namespace dci {

struct KeyFileInfo {
  bool encrypted = false;
  unsigned mode = 0;  // permission bits
};

// Inspects the file at `path` (already expanded). Errors say what is wrong and how to fix it:
// missing, not a regular file, mode wider than 0600, unreadable, not a private key (or a .pub).
Result<KeyFileInfo> inspect_key_file(const std::string& path);

}  // namespace dci
