#pragma once
// The state store's sink of the event stream: each finished step becomes a StepRecord (with its
// output), each finished host a host × stage row. Writes are flushed when an event arrives
// k_flush_interval after the last flush, at every StageFinished, and whenever the owner calls
// flush() (the installer does, every k_flush_interval), so a killed installer loses at most
// that much (those hosts are redone; install.sh is idempotent). Skipped
// hosts are not written, so "already at bundle X" never overwrites the row that says so. A host
// uninstalled becomes pending in every other stage.
// Lifetime: the StateStore outlives the recorder. Single-threaded, like the event stream.

#include <chrono>
#include <map>
#include <string>

#include "orchestrator/events.h"
#include "state/state_store.h"

namespace dci {

class StateRecorder final : public EventSink {
 public:
  explicit StateRecorder(StateStore& store) : m_store(store) {}

  void on_event(const Event& event) override;

  // Writes what is pending now. Callers with a loop call it every k_flush_interval so quiet
  // periods are durable too.
  void flush();

  static constexpr std::chrono::milliseconds k_flush_interval{250};

 private:
  StateStore& m_store;
  int64_t m_run_id = 0;
  std::map<std::string, StepRecord> m_open_steps;  // by host + "\n" + step
  std::chrono::steady_clock::time_point m_last_flush = std::chrono::steady_clock::now();
};

}  // namespace dci
