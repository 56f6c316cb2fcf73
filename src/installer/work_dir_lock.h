#pragma once
// One run at a time per work dir: an exclusive flock(2) on <work dir>/run.lock, held for as long
// as the lock object lives (also across processes; a killed holder releases it with its fd).
// Two runs at once would switch the same hosts twice and interleave their state.

#include <optional>
#include <string>

#include "util/result.h"

namespace dci {

class WorkDirLock {
 public:
  // Takes the lock without waiting; when another run holds it, the error names the work dir
  // and that run's pid.
  [[nodiscard]] static Result<WorkDirLock> acquire(const std::string& work_dir);
  // The pid of the run that holds the work dir's lock now, if one does (so `status` can tell a
  // running run from a killed one). A probe: it takes and drops a shared lock, so a run starting
  // in that instant may be refused.
  [[nodiscard]] static std::optional<std::string> holder(const std::string& work_dir);

  WorkDirLock(WorkDirLock&& other) noexcept;
  WorkDirLock& operator=(WorkDirLock&& other) noexcept;
  WorkDirLock(const WorkDirLock&) = delete;
  WorkDirLock& operator=(const WorkDirLock&) = delete;
  ~WorkDirLock();

 private:
  explicit WorkDirLock(int fd) : m_fd(fd) {}
  int m_fd = -1;
};

}  // namespace dci
