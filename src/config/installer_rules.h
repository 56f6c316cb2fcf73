#pragma once

#include <string>

#include "config/environment.h"
#include "config/validator.h"

namespace dci {

// The rules that span several installer keys, applied after each key passed its own checks:
// quorum size, no host twice, key file and passphrase, the ssh_use_agent default, and warnings
// (host key checking off, missing known_hosts). Keys that failed their own checks are absent
// from result.values and their rules are skipped, so one mistake gives one error.
void apply_installer_rules(ValidationResult& result, const std::string& file,
                           const std::string& base_dir, const Environment& environment);

}  // namespace dci
