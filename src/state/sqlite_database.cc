#include "state/sqlite_database.h"

#include <sqlite3.h>

namespace dci {

void SqliteDatabase::Closer::operator()(sqlite3* db) const {
  sqlite3_close_v2(db);
}

Result<SqliteDatabase> SqliteDatabase::open(const std::string& path) {
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
