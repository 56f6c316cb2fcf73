#pragma once
// distribution.yaml to a Distribution, checking every rule of docs/distribution-format.md:
// structure, names, parameter specs (defaults must pass their own rule), that every source file
// exists, that templates parse and use only names of the template context, that checks run
// files of their role. Every problem is reported at once as file:line:col, like config errors.

#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.h"
#include "distribution/distribution.h"

namespace dci {

// The manifest's file name inside a distribution directory.
constexpr std::string_view k_manifest_file_name = "distribution.yaml";

struct ManifestResult {
  Distribution distribution;       // complete only when ok()
  std::vector<Diagnostic> errors;  // sorted by file, then position
  bool ok() const { return errors.empty(); }
};

// Parses `text`, the manifest at `file` (the name used in diagnostics) of the distribution in
// `directory` (where sources are looked up). Never throws.
ManifestResult parse_manifest(std::string_view text, const std::string& file,
                              const std::string& directory);

// Reads and parses <directory>/distribution.yaml; a missing or unreadable manifest is one error.
ManifestResult load_manifest(const std::string& directory);

}  // namespace dci
