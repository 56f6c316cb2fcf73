// libFuzzer target: any bytes as config.yaml must give a ValidationResult, never a crash, hang or
// uncaught exception. Build and run with `make fuzz`.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "config/installer_schema.h"
#include "config/validator.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const dci::Schema schema = dci::installer_schema();
  static const dci::Environment environment(
      [](const std::string&) -> std::optional<std::string> { return std::nullopt; });
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto result = dci::validate_config(text, "config.yaml", schema, environment);
  for (const auto& error : result.errors) {
    if (error.message.empty()) __builtin_trap();  // every error must say something
  }
  return 0;
}
