#pragma once
// Wall-clock time as the state file and the API record it.

#include <chrono>
#include <cstdint>

namespace dci {

// Milliseconds since the Unix epoch.
inline int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace dci
