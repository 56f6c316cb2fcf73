#include "installer/redacting_sink.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "installer/config_loading.h"
#include "orchestrator/event_json.h"

namespace dci {
namespace {

const std::string k_secret = "hunter2-secret";

// A distribution that does not load: its unknown key vendor_password counts as secret.
Redactor secret_redactor() {
  const std::string text =
      "distribution: /nonexistent/dcinstall-distribution\nvendor_password: " + k_secret + "\n";
  return Redactor(load_config_text(text, "/nonexistent/config.yaml"), text);
}

class RecordingSink final : public EventSink {
 public:
  void on_event(const Event& event) override { events.push_back(event); }
  std::vector<Event> events;
};

TEST(RedactingSink, RedactsEveryHostTextOfEveryEvent) {
  const Redactor redactor = secret_redactor();
  RecordingSink recorded;
  RedactingSink sink(recorded, redactor);
  const std::string said = "token=" + k_secret;
  sink.on_event(StageStarted{"preflight", 7, {}, ""});
  sink.on_event(HostStepStarted{"preflight", "10.0.0.1", Role::Master, "check", "echo " + said});
  sink.on_event(OutputChunk{"preflight", "10.0.0.1", "check", false, said + "\n"});
  sink.on_event(OutputChunk{"preflight", "10.0.0.1", "check", true, "stderr " + said});
  sink.on_event(
      HostStepFinished{"preflight", "10.0.0.1", Role::Master, "check", 1, said, 0.1, false});
  sink.on_event(HostFinished{"preflight", "10.0.0.1", Role::Master, HostState::Failed, said, ""});
  StageFinished finished;
  finished.stage = "preflight";
  finished.failures.push_back({"10.0.0.1", Role::Master, said});
  finished.summary = "1 master failed: " + said;
  sink.on_event(finished);

  ASSERT_EQ(recorded.events.size(), 7u);
  for (const Event& event : recorded.events) {
    const std::string json = to_json(event).dump();
    EXPECT_EQ(json.find(k_secret), std::string::npos) << json;
  }
  const auto& chunk = std::get<OutputChunk>(recorded.events[2]);
  EXPECT_EQ(chunk.data.rfind("token=", 0), 0u) << chunk.data;  // the rest of the text stays
  EXPECT_EQ(std::get<StageStarted>(recorded.events[0]).run_id, 7);
}

TEST(RedactingSink, RedactsAStageOutcome) {
  const Redactor redactor = secret_redactor();
  StageFinished finished;
  finished.failures.push_back({"10.0.0.1", Role::Agent, "echoed " + k_secret});
  finished.summary = "failed: " + k_secret;
  redact_stage_finished(finished, redactor);
  EXPECT_EQ(finished.failures[0].error.find(k_secret), std::string::npos);
  EXPECT_EQ(finished.summary.find(k_secret), std::string::npos);
  EXPECT_EQ(finished.summary.rfind("failed: ", 0), 0u);
}

}  // namespace
}  // namespace dci
