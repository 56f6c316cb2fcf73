#pragma once
// `dcinstall support-bundle`: one .tar.gz a person sends to support. It holds the config with
// secrets masked, the expanded config, cluster.json, the state database's runs, host states and
// step logs (as JSON), dcinstall's version and the host facts recorded by preflight. It never
// holds a private key, a passphrase or a secret parameter's value.

#include <string>

#include "util/result.h"

namespace dci {

class Installer;

// Writes the bundle to `output_path` (temp name + rename). The Error names what failed.
Status write_support_bundle(Installer& installer, const std::string& output_path);

}  // namespace dci
