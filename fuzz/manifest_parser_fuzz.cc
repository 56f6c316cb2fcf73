// libFuzzer target: any bytes as distribution.yaml must give a ManifestResult, never a crash,
// hang or uncaught exception; every error says something. Sources (templates, files) are looked
// up in $DCINSTALL_FUZZ_DISTRIBUTION_DIR (`make fuzz FUZZ_TARGET=manifest_parser_fuzz` points it
// at distributions/reference, so template checks run too); unset, in the current directory.
// The parser only reads clean relative paths inside that directory.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "distribution/manifest_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string directory = [] {
    const char* dir = std::getenv("DCINSTALL_FUZZ_DISTRIBUTION_DIR");
    return std::string(dir && *dir ? dir : ".");
  }();
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const dci::ManifestResult result =
      dci::parse_manifest(text, directory + "/distribution.yaml", directory);
  for (const auto& error : result.errors) {
    if (error.message.empty()) __builtin_trap();  // every error must say something
  }
  return 0;
}
