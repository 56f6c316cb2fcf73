#pragma once
// RAII prepared statement. Bind parameters are 1-based as in SQLite; columns are 0-based.
// Lifetime: must not outlive the SqliteDatabase it was prepared on.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "state/sqlite_database.h"
#include "util/result.h"

struct sqlite3_stmt;

namespace dci {

class SqliteStatement {
 public:
  static Result<SqliteStatement> prepare(SqliteDatabase& db, const std::string& sql);

  SqliteStatement& bind(int index, int64_t value);
  SqliteStatement& bind(int index, std::string_view text);
  SqliteStatement& bind_null(int index);
  SqliteStatement& bind(int index, const std::optional<int64_t>& value);

  // Advances: true while a row is available, false when done. Errors end the iteration and are
  // kept in error().
  bool step();
  // Runs a statement that returns no rows, then resets it for reuse.
  Status run();
  void reset();

  int64_t column_int(int column) const;
  std::optional<int64_t> column_optional_int(int column) const;
  std::string column_text(int column) const;

  const std::optional<Error>& error() const { return m_error; }

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* statement) const;
  };
  SqliteStatement(SqliteDatabase& db, std::unique_ptr<sqlite3_stmt, Finalizer> statement)
      : m_db(&db), m_statement(std::move(statement)) {}

  SqliteDatabase* m_db;
  std::unique_ptr<sqlite3_stmt, Finalizer> m_statement;
  std::optional<Error> m_error;
};

}  // namespace dci
