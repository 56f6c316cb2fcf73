#include "state/sqlite_state_store.h"
#include "util/wall_clock.h"

#include <sqlite3.h>

#include <chrono>

#include "state/sqlite_statement.h"

namespace dci {
namespace {

// Migration N brings the file from schema N-1 to N. Append only; never edit a shipped one.
const char* const k_migrations[] = {
    // 1: runs, host x stage status, steps with output.
    R"sql(
      CREATE TABLE runs (
        id INTEGER PRIMARY KEY,
        command TEXT NOT NULL,
        started_ms INTEGER NOT NULL,
        finished_ms INTEGER,
        outcome TEXT NOT NULL DEFAULT ''
      );
      CREATE TABLE host_stages (
        host TEXT NOT NULL,
        stage TEXT NOT NULL,
        role TEXT NOT NULL,
        state TEXT NOT NULL,
        bundle_id TEXT NOT NULL DEFAULT '',
        error TEXT NOT NULL DEFAULT '',
        run_id INTEGER NOT NULL,
        updated_ms INTEGER NOT NULL,
        PRIMARY KEY (host, stage)
      ) WITHOUT ROWID;
      CREATE TABLE steps (
        id INTEGER PRIMARY KEY,
        run_id INTEGER NOT NULL,
        host TEXT NOT NULL,
        stage TEXT NOT NULL,
        step TEXT NOT NULL,
        command TEXT NOT NULL,
        started_ms INTEGER NOT NULL,
        finished_ms INTEGER,
        exit_code INTEGER,
        error TEXT NOT NULL DEFAULT '',
        output BLOB NOT NULL DEFAULT '',
        output_truncated INTEGER NOT NULL DEFAULT 0
      );
      CREATE INDEX steps_by_host_stage ON steps (host, stage, run_id);
    )sql",
    // 2: what each host runs and its last rolling change (hosts deployed before are known to
    // run the bundle of their successful deploy); what each bundle was rendered from.
    R"sql(
      CREATE TABLE host_bundles (
        host TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        running TEXT NOT NULL,
        previous TEXT NOT NULL DEFAULT '',
        change_run_id INTEGER NOT NULL DEFAULT 0,
        change_kind TEXT NOT NULL DEFAULT '',
        change_from TEXT NOT NULL DEFAULT '',
        change_to TEXT NOT NULL DEFAULT '',
        change_outcome TEXT NOT NULL DEFAULT '',
        change_error TEXT NOT NULL DEFAULT '',
        change_step TEXT NOT NULL DEFAULT '',
        updated_ms INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE bundle_inputs (
        id TEXT PRIMARY KEY,
        inputs TEXT NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO host_bundles (host, role, running, updated_ms)
        SELECT host, role, bundle_id, updated_ms FROM host_stages
        WHERE stage = 'deploy' AND state = 'succeeded';
    )sql",
    // 3: the cause key of each failed host (failures grouped by cause). Rows written before
    // have '' (readers derive the cause from the error).
    R"sql(
      ALTER TABLE host_stages ADD COLUMN cause TEXT NOT NULL DEFAULT '';
      CREATE INDEX host_stages_by_cause ON host_stages (stage, state, cause);
    )sql",
};
constexpr int k_migration_count = sizeof(k_migrations) / sizeof(k_migrations[0]);
static_assert(k_migration_count == SqliteStateStore::k_schema_version);

Result<int64_t> query_int(SqliteDatabase& db, const std::string& sql) {
  auto statement = SqliteStatement::prepare(db, sql);
  if (!statement) return statement.error();
  if (!statement->step()) {
    if (statement->error()) return *statement->error();
    return Error("state database: no result for: " + sql, db.path());
  }
  return statement->column_int(0);
}

}  // namespace

Result<SqliteStateStore> SqliteStateStore::open(const std::string& path) {
  auto db = SqliteDatabase::open(path);
  if (!db) return db.error();
  SqliteStateStore store(std::move(*db));
  if (auto status = store.migrate(); !status) return status.error();
  return store;
}

SqliteStateStore::~SqliteStateStore() {
  if (m_db.handle()) (void)flush();  // best effort; callers that care call flush() themselves
}

Status SqliteStateStore::migrate() {
  auto version = query_int(m_db, "PRAGMA user_version");
  if (!version) return version.error();
  if (*version > k_schema_version) {
    return Error("state file has schema version " + std::to_string(*version) +
                     ", newer than this dcinstall understands (" +
                     std::to_string(k_schema_version) + "); use a newer dcinstall",
                 m_db.path());
  }
  for (int next = static_cast<int>(*version) + 1; next <= k_schema_version; ++next) {
    const std::string sql = std::string("BEGIN IMMEDIATE;") + k_migrations[next - 1] +
                            "PRAGMA user_version = " + std::to_string(next) + "; COMMIT;";
    if (auto status = m_db.execute(sql); !status) {
      (void)m_db.execute("ROLLBACK;");  // the error returned is the failed statement's
      return status;
    }
  }
  return Ok{};
}

Result<int64_t> SqliteStateStore::begin_run(const std::string& command) {
  if (auto status = flush(); !status) return status.error();
  const int64_t now = now_ms();
  if (auto status = m_db.execute(
          "BEGIN IMMEDIATE;"
          "UPDATE host_stages SET state = 'interrupted', error = 'the installer stopped while "
          "this host was running; it will be checked and redone' WHERE state = 'running';"
          "UPDATE runs SET outcome = 'interrupted', finished_ms = " +
          std::to_string(now) + " WHERE finished_ms IS NULL; COMMIT;");
      !status) {
    (void)m_db.execute("ROLLBACK;");  // the error returned is the failed statement's
    return status.error();
  }
  auto insert =
      SqliteStatement::prepare(m_db, "INSERT INTO runs (command, started_ms) VALUES (?, ?)");
  if (!insert) return insert.error();
  if (auto status = insert->bind(1, command).bind(2, now).run(); !status) return status.error();
  return static_cast<int64_t>(sqlite3_last_insert_rowid(m_db.handle()));
}

Status SqliteStateStore::finish_run(int64_t run_id, const std::string& outcome) {
  if (auto status = flush(); !status) return status;
  auto update =
      SqliteStatement::prepare(m_db, "UPDATE runs SET finished_ms = ?, outcome = ? WHERE id = ?");
  if (!update) return update.error();
  return update->bind(1, now_ms()).bind(2, outcome).bind(3, run_id).run();
}

void SqliteStateStore::set_host_stage(const HostStageStatus& status) {
  m_pending_hosts.push_back({status, false});
  flush_when_full();
}

void SqliteStateStore::clear_host_stage(const std::string& host, const std::string& stage) {
  HostStageStatus key;
  key.host = host;
  key.stage = stage;
  m_pending_hosts.push_back({std::move(key), true});
  flush_when_full();
}

void SqliteStateStore::set_host_bundle(const HostBundle& bundle) {
  m_pending_bundles.push_back({bundle, false});
  flush_when_full();
}

void SqliteStateStore::clear_host_bundle(const std::string& host) {
  HostBundle key;
  key.host = host;
  m_pending_bundles.push_back({std::move(key), true});
  flush_when_full();
}

void SqliteStateStore::add_step(StepRecord step) {
  m_pending_steps.push_back(std::move(step));
  flush_when_full();
}

void SqliteStateStore::flush_when_full() {
  if (pending_records() >= k_auto_flush_records) (void)flush();
}

Status SqliteStateStore::flush() {
  if (pending_records() == 0) return Ok{};
  if (auto status = m_db.execute("BEGIN IMMEDIATE;"); !status) return status;
  auto fail = [this](Error error) -> Status {
    (void)m_db.execute("ROLLBACK;");  // the error returned is the failed statement's
    return error;
  };
  auto upsert = SqliteStatement::prepare(
      m_db,
      "INSERT INTO host_stages (host, stage, role, state, bundle_id, error, run_id, updated_ms, "
      "cause) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (host, stage) DO UPDATE SET "
      "role = excluded.role, state = excluded.state, bundle_id = excluded.bundle_id, "
      "error = excluded.error, run_id = excluded.run_id, updated_ms = excluded.updated_ms, "
      "cause = excluded.cause");
  if (!upsert) return fail(upsert.error());
  auto remove =
      SqliteStatement::prepare(m_db, "DELETE FROM host_stages WHERE host = ? AND stage = ?");
  if (!remove) return fail(remove.error());
  for (const auto& [host, clear] : m_pending_hosts) {
    if (clear) {
      if (auto status = remove->bind(1, host.host).bind(2, host.stage).run(); !status) {
        return fail(status.error());
      }
      continue;
    }
    upsert->bind(1, host.host).bind(2, host.stage).bind(3, host.role);
    upsert->bind(4, host_state_name(host.state)).bind(5, host.bundle_id).bind(6, host.error);
    upsert->bind(7, host.run_id).bind(8, host.updated_ms ? host.updated_ms : now_ms());
    upsert->bind(9, host.cause);
    if (auto status = upsert->run(); !status) return fail(status.error());
  }
  auto insert = SqliteStatement::prepare(
      m_db,
      "INSERT INTO steps (run_id, host, stage, step, command, started_ms, finished_ms, exit_code, "
      "error, output, output_truncated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!insert) return fail(insert.error());
  for (const StepRecord& step : m_pending_steps) {
    insert->bind(1, step.run_id).bind(2, step.host).bind(3, step.stage).bind(4, step.step);
    insert->bind(5, step.command).bind(6, step.started_ms).bind(7, step.finished_ms);
    insert->bind(8, step.exit_code).bind(9, step.error).bind(10, step.output);
    insert->bind(11, int64_t{step.output_truncated ? 1 : 0});
    if (auto status = insert->run(); !status) return fail(status.error());
  }
  auto put_bundle = SqliteStatement::prepare(
      m_db,
      "INSERT OR REPLACE INTO host_bundles (host, role, running, previous, change_run_id, "
      "change_kind, change_from, change_to, change_outcome, change_error, change_step, "
      "updated_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  if (!put_bundle) return fail(put_bundle.error());
  auto remove_bundle = SqliteStatement::prepare(m_db, "DELETE FROM host_bundles WHERE host = ?");
  if (!remove_bundle) return fail(remove_bundle.error());
  for (const auto& [row, clear] : m_pending_bundles) {
    if (clear) {
      if (auto status = remove_bundle->bind(1, row.host).run(); !status) {
        return fail(status.error());
      }
      continue;
    }
    put_bundle->bind(1, row.host).bind(2, row.role).bind(3, row.running).bind(4, row.previous);
    put_bundle->bind(5, row.change_run_id).bind(6, row.change_kind).bind(7, row.change_from);
    put_bundle->bind(8, row.change_to).bind(9, row.change_outcome).bind(10, row.change_error);
    put_bundle->bind(11, row.change_step).bind(12, row.updated_ms ? row.updated_ms : now_ms());
    if (auto status = put_bundle->run(); !status) return fail(status.error());
  }
  auto put_inputs = SqliteStatement::prepare(
      m_db, "INSERT OR REPLACE INTO bundle_inputs (id, inputs) VALUES (?, ?)");
  if (!put_inputs) return fail(put_inputs.error());
  for (const auto& [id, inputs] : m_pending_inputs) {
    if (auto status = put_inputs->bind(1, id).bind(2, inputs).run(); !status) {
      return fail(status.error());
    }
  }
  if (auto status = m_db.execute("COMMIT;"); !status) return fail(status.error());
  m_pending_inputs.clear();
  m_pending_hosts.clear();
  m_pending_steps.clear();
  m_pending_bundles.clear();
  return Ok{};
}

std::optional<RunInfo> SqliteStateStore::last_run() const {
  auto query = SqliteStatement::prepare(
      m_db,
      "SELECT id, command, started_ms, finished_ms, outcome FROM runs ORDER BY id DESC "
      "LIMIT 1");
  if (!query || !query->step()) return std::nullopt;
  return RunInfo{query->column_int(0), query->column_text(1), query->column_int(2),
                 query->column_optional_int(3), query->column_text(4)};
}

Result<std::vector<HostStageStatus>> SqliteStateStore::host_stages(const std::string& stage) const {
  std::vector<HostStageStatus> out;
  auto query = SqliteStatement::prepare(
      m_db,
      "SELECT host, role, state, bundle_id, error, run_id, updated_ms, cause FROM host_stages "
      "WHERE stage = ? ORDER BY host");
  if (!query) return query.error();
  query->bind(1, stage);
  while (query->step()) {
    out.push_back({query->column_text(0), query->column_text(1), stage,
                   host_state_from_name(query->column_text(2)).value_or(HostState::Pending),
                   query->column_text(3), query->column_text(4), query->column_int(5),
                   query->column_int(6), query->column_text(7)});
  }
  if (query->error()) return *query->error();
  return out;
}

void SqliteStateStore::set_bundle_inputs(const std::string& bundle_id, const std::string& inputs) {
  m_pending_inputs.emplace_back(bundle_id, inputs);
  flush_when_full();
}

Result<std::string> SqliteStateStore::bundle_inputs(const std::string& bundle_id) const {
  auto query = SqliteStatement::prepare(m_db, "SELECT inputs FROM bundle_inputs WHERE id = ?");
  if (!query) return query.error();
  query->bind(1, bundle_id);
  if (query->step()) return query->column_text(0);
  if (query->error()) return *query->error();
  return std::string();
}

Result<std::vector<HostBundle>> SqliteStateStore::host_bundles() const {
  std::vector<HostBundle> out;
  auto query = SqliteStatement::prepare(
      m_db,
      "SELECT host, role, running, previous, change_run_id, change_kind, change_from, "
      "change_to, change_outcome, change_error, change_step, updated_ms FROM host_bundles "
      "ORDER BY host");
  if (!query) return query.error();
  while (query->step()) {
    out.push_back({query->column_text(0), query->column_text(1), query->column_text(2),
                   query->column_text(3), query->column_int(4), query->column_text(5),
                   query->column_text(6), query->column_text(7), query->column_text(8),
                   query->column_text(9), query->column_text(10), query->column_int(11)});
  }
  if (query->error()) return *query->error();
  return out;
}

namespace {

// The WHERE clause of a StepFilter: ?1 host, ?2 stage, ?3 run, ?4 step, ?5 after id.
constexpr const char* k_step_where =
    " FROM steps WHERE (?1 = '' OR host = ?1) AND (?2 = '' OR stage = ?2) AND (?3 IS NULL OR "
    "run_id = ?3) AND (?4 = '' OR step = ?4) AND id > ?5";

void bind_filter(SqliteStatement& statement, const StepFilter& filter,
                 std::optional<int64_t> run_id) {
  statement.bind(1, filter.host).bind(2, filter.stage).bind(3, run_id);
  statement.bind(4, filter.step).bind(5, filter.after_id);
}

}  // namespace

Status SqliteStateStore::for_each_step(const StepFilter& filter, const StepVisitor& visit) const {
  auto query = SqliteStatement::prepare(
      m_db, std::string("SELECT run_id, host, stage, step, command, started_ms, finished_ms, "
                        "exit_code, error, output, output_truncated, id") +
                k_step_where + " ORDER BY id LIMIT ?6 OFFSET ?7");
  if (!query) return query.error();
  bind_filter(*query, filter, filter.run_id);
  query->bind(6, filter.limit ? static_cast<int64_t>(*filter.limit) : int64_t{-1});
  query->bind(7, static_cast<int64_t>(filter.offset));
  while (query->step()) {
    const StepRecord step{
        query->column_int(0),          query->column_text(1),         query->column_text(2),
        query->column_text(3),         query->column_text(4),         query->column_int(5),
        query->column_optional_int(6), query->column_optional_int(7), query->column_text(8),
        query->column_text(9),         query->column_int(10) != 0,    query->column_int(11)};
    if (!visit(step)) return Ok{};
  }
  if (query->error()) return *query->error();
  return Ok{};
}

int64_t SqliteStateStore::count_steps(const StepFilter& filter) const {
  auto query = SqliteStatement::prepare(m_db, std::string("SELECT COUNT(*)") + k_step_where);
  if (!query) return 0;
  bind_filter(*query, filter, filter.run_id);
  return query->step() ? query->column_int(0) : 0;
}

std::optional<int64_t> SqliteStateStore::latest_step_run(const StepFilter& filter) const {
  auto query = SqliteStatement::prepare(m_db, std::string("SELECT MAX(run_id)") + k_step_where);
  if (!query) return std::nullopt;
  bind_filter(*query, filter, std::nullopt);
  return query->step() ? query->column_optional_int(0) : std::nullopt;
}

Result<PruneSummary> SqliteStateStore::prune_runs_before(int64_t run_id) {
  if (auto status = flush(); !status) return status.error();
  PruneSummary summary;
  if (auto status = m_db.execute("BEGIN IMMEDIATE;"); !status) return status.error();
  auto fail = [this](Error error) -> Result<PruneSummary> {
    (void)m_db.execute("ROLLBACK;");  // the error returned is the failed statement's
    return error;
  };
  // A run still going (finished_ms NULL) is kept: its installer may write to it.
  auto runs = SqliteStatement::prepare(
      m_db, "SELECT id FROM runs WHERE id < ? AND finished_ms IS NOT NULL ORDER BY id");
  if (!runs) return fail(runs.error());
  runs->bind(1, run_id);
  while (runs->step()) summary.runs.push_back(runs->column_int(0));
  if (runs->error()) return fail(*runs->error());
  auto counted = SqliteStatement::prepare(
      m_db,
      "SELECT COUNT(*), COALESCE(SUM(LENGTH(output)), 0) FROM steps WHERE run_id IN (SELECT id "
      "FROM runs WHERE id < ?1 AND finished_ms IS NOT NULL)");
  if (!counted) return fail(counted.error());
  counted->bind(1, run_id);
  if (counted->step()) {
    summary.steps = counted->column_int(0);
    summary.output_bytes = counted->column_int(1);
  }
  for (const char* sql :
       {"DELETE FROM steps WHERE run_id IN (SELECT id FROM runs WHERE id < ?1 AND finished_ms IS "
        "NOT NULL)",
        "DELETE FROM runs WHERE id < ?1 AND finished_ms IS NOT NULL"}) {
    auto remove = SqliteStatement::prepare(m_db, sql);
    if (!remove) return fail(remove.error());
    if (auto status = remove->bind(1, run_id).run(); !status) return fail(status.error());
  }
  if (auto status = m_db.execute("COMMIT;"); !status) return fail(status.error());
  return summary;
}

}  // namespace dci
