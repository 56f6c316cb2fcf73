#pragma once
// The state store's sink of the event stream: each finished step becomes a StepRecord (with its
// output), each finished host a host × stage row, and every StageFinished a flush. Skipped hosts
// are not written, so "already at bundle X" never overwrites the row that says so.
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

 private:
  StateStore& m_store;
  int64_t m_run_id = 0;
  std::map<std::string, StepRecord> m_open_steps;  // by host + "\n" + step
};

}  // namespace dci
