#pragma once
// `dcinstall support-bundle`: one .tar.gz a person sends to support. It holds the config with
// secrets masked, the expanded config, cluster.json, the state database's last run, host states
// and step logs (as JSON), dcinstall's version and the host facts recorded by preflight. It never
// holds a private key, a passphrase or a secret parameter's value.

#include <string>

#include "state/run_selection.h"
#include "util/result.h"

namespace dci {

class Installer;

// Writes the bundle to `output_path` (temp name + rename). Its steps.jsonl holds the steps of
// `runs` (default: the latest run that recorded a step). The Error names what failed.
Status write_support_bundle(Installer& installer, const std::string& output_path,
                            const RunSelection& runs = {});

}  // namespace dci
