#pragma once
// An event sink in front of another: every text a host or a check produced (output chunks, step
// commands, step and host errors, a stage's failures and summary) goes through `redactor` before
// the next sink sees it. The installer puts it in front of the state recorder and the caller's
// sink, so the state store, the terminal, the GUI's log, SSE and status all get redacted text.
//
// Limit: a secret split across two output chunks is not found in either (each chunk is redacted
// on its own, as it arrives).
//
// Lifetime: `next` and `redactor` outlive the sink.

#include "installer/redactor.h"
#include "orchestrator/events.h"

namespace dci {

// `finished` with its failures' errors and its summary redacted.
void redact_stage_finished(StageFinished& finished, const Redactor& redactor);

class RedactingSink final : public EventSink {
 public:
  RedactingSink(EventSink& next, const Redactor& redactor) : m_next(next), m_redactor(redactor) {}
  void on_event(const Event& event) override;

 private:
  EventSink& m_next;
  const Redactor& m_redactor;
};

}  // namespace dci
