#include "test_support/test_store.h"

namespace dci {

void TestStore::kill() {
  m_pending.clear();
  m_dead = true;
}

Result<int64_t> TestStore::begin_run(const std::string& command) {
  if (auto flushed = flush(); !flushed) return flushed.error();
  return m_inner.begin_run(command);
}

Status TestStore::finish_run(int64_t run_id, const std::string& outcome) {
  if (auto flushed = flush(); !flushed) return flushed;
  if (m_dead) return Ok{};
  return m_inner.finish_run(run_id, outcome);
}

void TestStore::set_host_stage(const HostStageStatus& status) {
  hold([status](StateStore& store) { store.set_host_stage(status); });
}

void TestStore::clear_host_stage(const std::string& host, const std::string& stage) {
  hold([host, stage](StateStore& store) { store.clear_host_stage(host, stage); });
}

void TestStore::set_host_bundle(const HostBundle& bundle) {
  hold([bundle](StateStore& store) { store.set_host_bundle(bundle); });
}

void TestStore::clear_host_bundle(const std::string& host) {
  hold([host](StateStore& store) { store.clear_host_bundle(host); });
}

void TestStore::set_bundle_inputs(const std::string& bundle_id, const std::string& inputs) {
  hold([bundle_id, inputs](StateStore& store) { store.set_bundle_inputs(bundle_id, inputs); });
}

void TestStore::add_step(StepRecord step) {
  hold([step = std::move(step)](StateStore& store) { store.add_step(step); });
}

Status TestStore::flush() {
  if (fail_flushes && !m_pending.empty()) return Error("database or disk is full", "state.db");
  if (m_dead) return Ok{};
  for (const auto& write : m_pending) write(m_inner);
  m_pending.clear();
  return m_inner.flush();
}

void TestStore::hold(std::function<void(StateStore&)> write) {
  if (!m_dead) m_pending.push_back(std::move(write));
}

}  // namespace dci
