#pragma once
// Runs the same work on many hosts: at most `parallelism` hosts connecting or working at once,
// connect retried with backoff and jitter after transient failures (the work too, when it is
// idempotent), every host's outcome reported. This is the engine of `dcinstall exec/copy` and the
// per-stage loop the orchestrator builds on.
//
// Lifetime: the Transport, the Clock and the FanOut outlive run(); run() must be awaited on the
// io_context thread the Transport uses.

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "transport/clock.h"
#include "transport/concurrency_limit.h"
#include "transport/retry_policy.h"
#include "transport/transport.h"

namespace dci::transport {

enum class HostStatus {
  Ok,
  Failed,       // connected, but the work failed (non-zero exit, auth or host key refused...)
  Unreachable,  // never connected: refused, timed out, no route, unknown name
};

struct HostReport {
  HostStatus status = HostStatus::Unreachable;
  std::optional<TransportError> error;  // why, when not Ok (empty when the work said "failed")
  int attempts = 0;                     // connection attempts
  double seconds = 0;                   // from the first attempt to the end
};

struct FanOutOptions {
  size_t parallelism = 200;
  RetryPolicy retry;
  bool retry_work = false;  // also retry the work after a transient failure (idempotent work only)
  uint64_t seed = 0;        // for the jitter; 0 = from std::random_device
};

// The per-host work once connected: true = this host is ok, false = it ran and failed (the work
// reported why); an error = it could not run. `index` is the host's position in run()'s list.
using HostWork = std::function<Task<Outcome<bool>>(Session& session, size_t index)>;
// Called when a host's report is final (may be empty).
using HostDone = std::function<void(size_t index, const HostReport& report)>;

class FanOut {
 public:
  FanOut(Transport& transport, Clock& clock, FanOutOptions options);

  // One report per host, in the order of `hosts`.
  Task<std::vector<HostReport>> run(std::vector<HostTarget> hosts, HostWork work,
                                    HostDone done = {});

  // The most hosts that were ever connecting or working at once (for tests and benchmarks).
  size_t peak_in_flight() const { return m_limit.peak(); }

 private:
  Task<HostReport> run_host(const HostTarget& host, size_t index, const HostWork& work);

  Transport& m_transport;
  Clock& m_clock;
  FanOutOptions m_options;
  ConcurrencyLimit m_limit;
  std::mt19937_64 m_random;
};

}  // namespace dci::transport
