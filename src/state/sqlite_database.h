#pragma once
// RAII owner of one sqlite3 connection. Not thread-safe: one owner thread (the event loop).

#include <memory>
#include <string>

#include "util/result.h"

struct sqlite3;

namespace dci {

class SqliteDatabase {
 public:
  // Opens (creating if needed) the database file, in WAL mode with a busy timeout, so a second
  // dcinstall process (status, logs) can read while an install writes. The file and its -wal
  // and -shm files are made 0600 (they hold every step's output).
  static Result<SqliteDatabase> open(const std::string& path);

  // Runs one or more statements that return no rows.
  Status execute(const std::string& sql);

  sqlite3* handle() const { return m_db.get(); }
  const std::string& path() const { return m_path; }
  std::string last_error() const;

 private:
  struct Closer {
    void operator()(sqlite3* db) const;
  };
  SqliteDatabase(std::unique_ptr<sqlite3, Closer> db, std::string path)
      : m_db(std::move(db)), m_path(std::move(path)) {}

  std::unique_ptr<sqlite3, Closer> m_db;
  std::string m_path;
};

}  // namespace dci
