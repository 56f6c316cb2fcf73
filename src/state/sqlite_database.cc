#include "state/sqlite_database.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dci {

void SqliteDatabase::Closer::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}

namespace {

// The file holds every step's output (and so whatever a host printed): owner-only. It is created
// (or tightened) 0600 before SQLite opens it; SQLite gives the -wal and -shm files it creates
// the database file's mode, and ones left by an earlier version are tightened too.
Status make_owner_only(const std::string& path) {
  if (path.empty() || path.front() == ':') return Ok{};  // ":memory:", a temporary database
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Error{std::string("cannot create state database: ") + std::strerror(errno), path};
  }
  const int status = ::fchmod(fd, 0600);
  const int error = errno;
  ::close(fd);
  if (status != 0) {
    return Error{std::string("cannot make the state database owner-only: ") + std::strerror(error),
                 path};
  }
  for (const char* suffix : {"-wal", "-shm"}) {
    const std::string companion = path + suffix;
    if (::chmod(companion.c_str(), 0600) != 0 && errno != ENOENT) {
      return Error{std::string("cannot make it owner-only: ") + std::strerror(errno), companion};
    }
  }
  return Ok{};
}

}  // namespace

Result<SqliteDatabase> SqliteDatabase::open(const std::string& path) {
  if (auto status = make_owner_only(path); !status) return status.error();
  sqlite3* raw = nullptr;
  const int rc =
      sqlite3_open_v2(path.c_str(), &raw,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<sqlite3, Closer> db(raw);
  if (rc != SQLITE_OK) {
    return Error(std::string("cannot open state database: ") +
                     (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)),
                 path);
  }
  sqlite3_busy_timeout(db.get(), 5000);
  SqliteDatabase database(std::move(db), path);
  if (auto status = database.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;");
      !status) {
    return status.error();
  }
  return database;
}

Status SqliteDatabase::execute(const std::string& sql) {
  char* message = nullptr;
  if (sqlite3_exec(m_db.get(), sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : last_error();
    sqlite3_free(message);
    return Error("state database: " + text, m_path);
  }
  return Ok{};
}

std::string SqliteDatabase::last_error() const {
  return sqlite3_errmsg(m_db.get());
}

}  // namespace dci
