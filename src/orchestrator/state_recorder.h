#pragma once
// The state store's sink of the event stream: each finished step becomes a StepRecord (with its
// output, capped while it arrives by CappedOutput), each finished host a host × stage row. Writes
// are flushed when an event arrives k_flush_interval after the last flush, at every StageFinished,
// and whenever the owner calls flush() (the installer does, every k_flush_interval), so a killed
// installer loses at most that much (those hosts are redone; install.sh is idempotent). Skipped
// hosts are not written, so "already at bundle X" never overwrites the row that says so. A host
// uninstalled becomes pending in every other stage.
// What each host runs (HostBundle): a successful deploy sets it (the bundle it ran before
// becomes the previous one), a rolling change's HostChanged events move it (upgraded: to the
// new bundle; rolled back or failed: the old one; rollback failed: unknown, to be probed), a
// successful uninstall forgets it.
// A flush that fails is kept (failure()); the owner fails the run with it (a full disk or a
// locked state.db must not report success).
// Stamps come from `wall_clock`, the flush pacing from `clock` (both injected).
// Lifetime: the StateStore and the clocks outlive the recorder. Single-threaded, like the event
// stream.

#include <chrono>
#include <map>
#include <string>

#include <optional>

#include "orchestrator/events.h"
#include "state/capped_output.h"
#include "state/state_store.h"
#include "transport/clock.h"
#include "util/wall_clock.h"

namespace dci {

class StateRecorder final : public EventSink {
 public:
  // `bundles`: the store's HostBundle rows, read by the caller (the recorder keeps them up to
  // date from the events).
  StateRecorder(StateStore& store, std::vector<HostBundle> bundles, const WallClock& wall_clock,
                const transport::Clock& clock);

  void on_event(const Event& event) override;

  // Writes what is pending now. Callers with a loop call it every k_flush_interval so quiet
  // periods are durable too. Returns the store's flush result (also kept in failure()).
  Status flush();

  // The first flush that failed, if any.
  const std::optional<Error>& failure() const { return m_failure; }

  // Output bytes held for the steps still running (each at most CappedOutput's cap).
  size_t buffered_output_bytes() const;

  static constexpr std::chrono::milliseconds k_flush_interval{250};

 private:
  StateStore& m_store;
  const WallClock& m_wall_clock;
  const transport::Clock& m_clock;
  int64_t m_run_id = 0;
  struct OpenStep {
    StepRecord record;
    CappedOutput output;
  };
  std::map<std::string, OpenStep> m_open_steps;  // by host + "\n" + step
  std::map<std::string, HostBundle> m_bundles;   // by host, as the store has them
  void record_deployed(const HostFinished& host);
  void record_change(const HostChanged& change);
  transport::TimePoint m_last_flush;
  std::optional<Error> m_failure;
};

}  // namespace dci
