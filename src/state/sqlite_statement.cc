#include "state/sqlite_statement.h"

#include <sqlite3.h>

namespace dci {

void SqliteStatement::Finalizer::operator()(sqlite3_stmt* statement) const {
  sqlite3_finalize(statement);
}

Result<SqliteStatement> SqliteStatement::prepare(SqliteDatabase& db, const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db.handle(), sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr) !=
      SQLITE_OK) {
    return Error("state database: " + db.last_error() + " in: " + sql, db.path());
  }
  return SqliteStatement(db, std::unique_ptr<sqlite3_stmt, Finalizer>(raw));
}

SqliteStatement& SqliteStatement::bind(int index, int64_t value) {
  sqlite3_bind_int64(m_statement.get(), index, value);
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, std::string_view text) {
  sqlite3_bind_text(m_statement.get(), index, text.data(), static_cast<int>(text.size()),
                    SQLITE_TRANSIENT);
  return *this;
}

SqliteStatement& SqliteStatement::bind_null(int index) {
  sqlite3_bind_null(m_statement.get(), index);
  return *this;
}

SqliteStatement& SqliteStatement::bind(int index, const std::optional<int64_t>& value) {
  return value ? bind(index, *value) : bind_null(index);
}

bool SqliteStatement::step() {
  const int rc = sqlite3_step(m_statement.get());
  if (rc == SQLITE_ROW) return true;
  if (rc != SQLITE_DONE) m_error = Error("state database: " + m_db->last_error(), m_db->path());
  return false;
}

Status SqliteStatement::run() {
  m_error.reset();
  step();
  reset();
  if (m_error) return *m_error;
  return Ok{};
}

void SqliteStatement::reset() {
  sqlite3_reset(m_statement.get());
  sqlite3_clear_bindings(m_statement.get());
}

int64_t SqliteStatement::column_int(int column) const {
  return sqlite3_column_int64(m_statement.get(), column);
}

std::optional<int64_t> SqliteStatement::column_optional_int(int column) const {
  if (sqlite3_column_type(m_statement.get(), column) == SQLITE_NULL) return std::nullopt;
  return column_int(column);
}

std::string SqliteStatement::column_text(int column) const {
  const auto* text = sqlite3_column_text(m_statement.get(), column);
  const int size = sqlite3_column_bytes(m_statement.get(), column);
  return text ? std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size))
              : std::string();
}

}  // namespace dci
