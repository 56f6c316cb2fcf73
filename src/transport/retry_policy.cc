#include "transport/retry_policy.h"

#include <algorithm>
#include <cmath>

namespace dci::transport {

Duration RetryPolicy::backoff(int attempts, std::mt19937_64& random) const {
  const double base = to_seconds(initial_backoff) * std::pow(multiplier, std::max(0, attempts - 1));
  const double capped = std::min(base, to_seconds(max_backoff));
  const double low = capped * (1.0 - std::clamp(jitter, 0.0, 1.0));
  std::uniform_real_distribution<double> draw(low, capped);
  return seconds_to_duration(capped > low ? draw(random) : capped);
}

}  // namespace dci::transport
