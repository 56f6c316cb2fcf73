#include "installer/redacting_sink.h"

#include <utility>

namespace dci {
namespace {

struct EventRedaction {
  const Redactor& redactor;

  void text(std::string& value) const {
    if (!value.empty()) value = redactor.redact(std::move(value));
  }
  void operator()(StageStarted&) const {}
  void operator()(HostStepStarted& started) const { text(started.command); }
  void operator()(OutputChunk& chunk) const { text(chunk.data); }
  void operator()(HostStepFinished& finished) const { text(finished.error); }
  void operator()(HostFinished& finished) const {
    text(finished.error);
    text(finished.cause);
  }
  void operator()(HostChanged& changed) const { text(changed.error); }
  void operator()(StageFinished& finished) const { redact_stage_finished(finished, redactor); }
};

}  // namespace

void redact_stage_finished(StageFinished& finished, const Redactor& redactor) {
  const EventRedaction redaction{redactor};
  for (HostFailure& failure : finished.failures) {
    redaction.text(failure.error);
    redaction.text(failure.cause);
  }
  for (FailureGroup& group : finished.causes) redaction.text(group.cause);
  redaction.text(finished.summary);
}

void RedactingSink::on_event(const Event& event) {
  Event copy = event;
  std::visit(EventRedaction{m_redactor}, copy);
  m_next.on_event(copy);
}

}  // namespace dci
