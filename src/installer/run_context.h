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

struct Installer::RunContext {
  RunOutcome& outcome;
  const GenconfResult& generated;
  const StageFiles& files;
  StageSettings& settings;
  const StageRunnerOptions& runner_options;
  transport::SessionPool& pool;
  EventSink& events;
  const Redactor& redactor;
};

}  // namespace dci
