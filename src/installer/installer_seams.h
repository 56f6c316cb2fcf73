#pragma once
// The side effects an Installer runs on. The composition roots (the CLI's open_installer and
// `dcinstall web`, through api/installer_parts.h) build the real ones: SSH, the SQLite state
// file, the steady and system clocks. Tests pass a FakeTransport, a FakeClock and a fake or
// temporary store. Every reference outlives the Installer.

#include <cstddef>
#include <functional>
#include <memory>

#include "config/cluster_config.h"
#include "state/state_store.h"
#include "transport/clock.h"
#include "transport/transport.h"
#include "util/result.h"
#include "util/wall_clock.h"

namespace dci {

// Makes the transport of one run for the config's SSH settings (called once per run; the
// transport is destroyed when the run ends). The Error is shown as the run's error.
using TransportFactory =
    std::function<Result<std::unique_ptr<transport::Transport>>(const SshSettings& settings)>;

struct InstallerSeams {
  TransportFactory transport;
  StateStore& state;
  transport::Clock& clock;  // monotonic: timeouts, backoffs, the flush interval
  WallClock& wall_clock;    // stamps: run and step start/finish times
  // How many connections may stay open between the stages of one run (the composition root
  // derives it from the open-file limit).
  size_t pool_capacity = 512;
};

}  // namespace dci
