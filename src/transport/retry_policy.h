#pragma once
// When and how long to wait before trying a host again: transient failures only, at most
// `retries` times, exponential backoff with jitter so a thousand hosts refused at once do not
// all come back in the same millisecond.

#include <random>

#include "transport/asio.h"
#include "transport/transport_error.h"

namespace dci::transport {

struct RetryPolicy {
  int retries = 2;  // retries after the first attempt
  Duration initial_backoff = std::chrono::milliseconds(500);
  double multiplier = 2.0;
  Duration max_backoff = std::chrono::seconds(30);
  double jitter = 0.5;  // the delay is drawn from [d * (1 - jitter), d]

  // Whether to try again after `attempts` attempts (>= 1) ended with `error`.
  bool should_retry(const TransportError& error, int attempts) const {
    return error.transient() && attempts <= retries;
  }

  // The delay before attempt `attempts + 1`, given `attempts` (>= 1) attempts so far.
  Duration backoff(int attempts, std::mt19937_64& random) const;
};

}  // namespace dci::transport
