#include "installer/work_dir_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "util/strings.h"

namespace dci {

namespace {

// The pid a holder wrote into the lock file ("" when there is none).
std::string recorded_pid(int fd) {
  char holder[32] = {};
  const ssize_t got = ::pread(fd, holder, sizeof(holder) - 1, 0);
  return got > 0 ? std::string(trim(std::string_view(holder, static_cast<size_t>(got)))) : "";
}

}  // namespace

Result<WorkDirLock> WorkDirLock::acquire(const std::string& work_dir) {
  const std::string path = work_dir + "/run.lock";
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Error{"cannot open " + path + ": " + std::strerror(errno)};
  WorkDirLock lock(fd);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int why = errno;
    const std::string pid = recorded_pid(fd);
    if (why == EWOULDBLOCK) {
      return Error{"another dcinstall run is using the work dir " + work_dir +
                   (pid.empty() ? "" : " (pid " + pid + ")") +
                   ": wait for it to end, or stop it, then run again"};
    }
    return Error{"cannot lock " + path + ": " + std::strerror(why)};
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) < 0) {
    return Error{"cannot write " + path + ": " + std::strerror(errno)};
  }
  return lock;
}

std::optional<std::string> WorkDirLock::holder(const std::string& work_dir) {
  const std::string path = work_dir + "/run.lock";
  WorkDirLock probe(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (probe.m_fd < 0) return std::nullopt;                               // no run ever took it
  if (::flock(probe.m_fd, LOCK_SH | LOCK_NB) == 0) return std::nullopt;  // released by the close
  if (errno != EWOULDBLOCK) return std::nullopt;
  return recorded_pid(probe.m_fd);
}

WorkDirLock::WorkDirLock(WorkDirLock&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}

WorkDirLock& WorkDirLock::operator=(WorkDirLock&& other) noexcept {
  if (this != &other) {
    if (m_fd >= 0) ::close(m_fd);
    m_fd = std::exchange(other.m_fd, -1);
  }
  return *this;
}

WorkDirLock::~WorkDirLock() {
  if (m_fd >= 0) ::close(m_fd);  // closing the last fd releases the flock
}

}  // namespace dci
