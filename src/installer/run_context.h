#pragma once
// What the stages, the rolling change and the membership steps of one Installer run share
// (private to the installer's .cc files). Every member outlives the run.

#include "genconf/genconf.h"
#include "installer/installer.h"
#include "installer/redactor.h"
#include "installer/stage_programs.h"
#include "orchestrator/stage_runner.h"
#include "transport/session_pool.h"

namespace dci {

// A run's error when a state read failed (exit 2): it stops before planning from rows it could
// not read, so no further host is touched.
inline std::string state_unreadable_error(const Error& error) {
  return "cannot read the state store (" + error.to_string() +
         "); nothing more was changed. Fix or move the file, then run it again";
}

struct Installer::RunContext {
  RunOutcome& outcome;
  const GenconfResult& generated;
  const StageFiles& files;
  StageSettings& settings;
  const StageRunnerOptions& runner_options;
  transport::SessionPool& pool;
  EventSink& events;
  const Redactor& redactor;

  void state_unreadable(const Error& error) { outcome.error = state_unreadable_error(error); }
};

}  // namespace dci
