#pragma once
// One host's path through a wave of a rolling change, as a state machine without I/O: the
// runner asks current() which step to run on the host, runs it, and reports with advance().
//
//   drain -> switch -> health -> undrain                      => upgraded
//   drain fails -> undrain                                    => failed (not changed)
//   switch or health fails -> rollback -> rollback-health -> undrain  => rolled back
//   rollback or rollback-health fails                         => rollback failed (left drained)
//   undrain fails after the host is healthy                   => failed
//
// A run killed mid-host resumes with replay() of the steps it recorded: a step that started
// and never finished is run again, except a switch, which becomes a probe (the runner asks the
// host which bundle it runs: at the target, the switch happened and the health gate follows;
// else the switch is run). So a host is never switched twice.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dci {

enum class UpgradeStep { Probe, Drain, Switch, Health, Undrain, Rollback, RollbackHealth };
// "probe", "drain", "switch", "health", "undrain", "rollback", "rollback-health"
std::string_view upgrade_step_name(UpgradeStep step);
std::optional<UpgradeStep> upgrade_step_from_name(std::string_view name);

enum class UpgradeOutcome { Pending, Upgraded, RolledBack, RollbackFailed, Failed };
// "pending", "upgraded", "rolled-back", "rollback-failed", "failed"
std::string_view upgrade_outcome_name(UpgradeOutcome outcome);
std::optional<UpgradeOutcome> upgrade_outcome_from_name(std::string_view name);
// How events and the state name a host's change: "changing" while Pending (in flight), else
// upgrade_outcome_name().
std::string_view host_change_name(UpgradeOutcome outcome);

// A step as the state recorded it: `finished` false means the run died during it.
struct RecordedStep {
  UpgradeStep step = UpgradeStep::Drain;
  bool finished = false;
  bool ok = false;
  std::string error;
};

class HostUpgrade {
 public:
  HostUpgrade() = default;

  // Rebuilds the position from recorded steps (in order). Steps that do not follow the machine
  // (a record from another version) restart the host with a probe.
  void replay(const std::vector<RecordedStep>& steps);

  bool done() const { return m_outcome != UpgradeOutcome::Pending; }
  // Precondition: !done().
  UpgradeStep current() const { return m_step; }
  // The result of current(). For a probe, `ok` means "the host runs the target bundle".
  // `error` (for a failed step) is kept as the host's failure: the check that failed.
  void advance(bool ok, const std::string& error = "");

  UpgradeOutcome outcome() const { return m_outcome; }
  const std::string& error() const { return m_error; }
  // True once a switch ran or a probe found the target: the host's bundle was touched.
  bool switched() const { return m_switched; }

 private:
  void fail(const std::string& error);

  UpgradeStep m_step = UpgradeStep::Drain;
  UpgradeOutcome m_outcome = UpgradeOutcome::Pending;
  bool m_failed = false;  // on the failure path (undrain then ends as failed or rolled back)
  bool m_rolled_back = false;
  bool m_switched = false;
  std::string m_error;
};

}  // namespace dci
