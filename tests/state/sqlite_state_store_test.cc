#include "state/sqlite_state_store.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/stat.h>

#include <csignal>
#include <filesystem>
#include <fstream>

#include "state/sqlite_statement.h"
#include "test_support/temp_dir.h"

namespace dci {
namespace {

class SqliteStateStoreTest : public ::testing::Test {
 protected:
  SqliteStateStore open() {
    auto store = SqliteStateStore::open(m_path);
    EXPECT_TRUE(store) << store.error().to_string();
    return std::move(*store);
  }

  HostStageStatus host(const std::string& id, HostState state, int64_t run_id) {
    return {id, "agent", "deploy", state, "bundle-1", "", run_id, 0};
  }

  TempDir m_dir{"state"};
  std::string m_path = (m_dir.path() / "state.db").string();
};

TEST_F(SqliteStateStoreTest, CreatesFileAtCurrentSchemaVersion) {
  { open(); }
  auto db = SqliteDatabase::open(m_path);
  ASSERT_TRUE(db);
  auto query = SqliteStatement::prepare(*db, "PRAGMA user_version");
  ASSERT_TRUE(query);
  ASSERT_TRUE(query->step());
  EXPECT_EQ(query->column_int(0), SqliteStateStore::k_schema_version);
}

TEST_F(SqliteStateStoreTest, RefusesAFileFromANewerDcinstall) {
  {
    auto db = SqliteDatabase::open(m_path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->execute("PRAGMA user_version = 99"));
  }
  auto store = SqliteStateStore::open(m_path);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("schema version 99, newer"), std::string::npos);
}

TEST_F(SqliteStateStoreTest, AReadThatFailsIsAnErrorNamingTheFileNotNoRows) {
  SqliteStateStore store = open();
  store.set_host_stage(host("a:22", HostState::Succeeded, 1));
  ASSERT_TRUE(store.flush());
  ASSERT_EQ(store.host_stages("deploy").value().size(), 1u);
  {
    auto db = SqliteDatabase::open(m_path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->execute("DROP TABLE host_stages; DROP TABLE host_bundles;"));
    ASSERT_TRUE(db->execute("DROP TABLE bundle_inputs;"));
  }
  for (const Error& error : {store.host_stages("deploy").error(), store.host_bundles().error(),
                             store.bundle_inputs("x").error()}) {
    EXPECT_EQ(error.where, m_path);
    EXPECT_NE(error.message.find("no such table"), std::string::npos) << error.message;
  }
}

TEST_F(SqliteStateStoreTest, AVersionOneFileGainsWhatItsDeployedHostsRun) {
  {
    SqliteStateStore store = open();
    const int64_t run = *store.begin_run("deploy");
    store.set_host_stage(host("10.0.0.1:22", HostState::Succeeded, run));
    store.set_host_stage(host("10.0.0.2:22", HostState::Failed, run));
    ASSERT_TRUE(store.flush());
  }
  {  // back to how version 1 left it: no host_bundles table
    auto db = SqliteDatabase::open(m_path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->execute(
        "DROP TABLE host_bundles; DROP TABLE bundle_inputs; DROP INDEX host_stages_by_cause; "
        "ALTER TABLE host_stages DROP COLUMN cause; PRAGMA user_version = 1"));
  }
  SqliteStateStore store = open();
  const auto rows = store.host_bundles().value();
  ASSERT_EQ(rows.size(), 1u);  // the failed deploy runs nothing known
  EXPECT_EQ(rows[0].host, "10.0.0.1:22");
  EXPECT_EQ(rows[0].running, "bundle-1");
  EXPECT_EQ(rows[0].change_outcome, "");
}

TEST_F(SqliteStateStoreTest, AVersionTwoFileGainsAnEmptyCauseAndKeepsItsRows) {
  {
    SqliteStateStore store = open();
    ASSERT_TRUE(store.begin_run("preflight"));
    ASSERT_TRUE(store.flush());
  }
  {  // back to how version 2 left it: host_stages without the cause column, rows in it
    auto db = SqliteDatabase::open(m_path);
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->execute(
        "DROP INDEX host_stages_by_cause; ALTER TABLE host_stages DROP COLUMN cause; "
        "INSERT INTO host_stages (host, stage, role, state, error, run_id, updated_ms) VALUES "
        "('10.0.0.1:22', 'preflight', 'agent', 'failed', 'requirements-cpus: needs 4 CPUs', 1, "
        "5), ('10.0.0.2:22', 'preflight', 'agent', 'succeeded', '', 1, 5); "
        "PRAGMA user_version = 2"));
  }
  SqliteStateStore store = open();
  auto rows = store.host_stages("preflight").value();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].state, HostState::Failed);
  EXPECT_EQ(rows[0].error, "requirements-cpus: needs 4 CPUs");
  EXPECT_EQ(rows[0].cause, "");
  // Written at version 3, the cause is kept.
  HostStageStatus failed = rows[0];
  failed.cause = "check requirements-cpus: needs N CPUs";
  store.set_host_stage(failed);
  ASSERT_TRUE(store.flush());
  EXPECT_EQ(store.host_stages("preflight").value()[0].cause,
            "check requirements-cpus: needs N CPUs");
  auto db = SqliteDatabase::open(m_path);
  ASSERT_TRUE(db);
  auto version = SqliteStatement::prepare(*db, "PRAGMA user_version");
  ASSERT_TRUE(version && version->step());
  EXPECT_EQ(version->column_int(0), 3);
}

TEST_F(SqliteStateStoreTest, HostBundleRowsAreWrittenWholeAndCleared) {
  SqliteStateStore store = open();
  HostBundle row{"10.0.0.1:22", "master", "b2", "b1", 7, "upgrade", "b1", "b2",
                 "rolled-back", "health: etcd down", "", 5};
  store.set_host_bundle(row);
  EXPECT_TRUE(store.host_bundles().value().empty());  // buffered until the flush
  ASSERT_TRUE(store.flush());
  auto rows = store.host_bundles().value();
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].previous, "b1");
  EXPECT_EQ(rows[0].change_run_id, 7);
  EXPECT_EQ(rows[0].change_kind, "upgrade");
  EXPECT_EQ(rows[0].change_outcome, "rolled-back");
  EXPECT_EQ(rows[0].change_error, "health: etcd down");
  EXPECT_EQ(rows[0].updated_ms, 5);
  store.clear_host_bundle("10.0.0.1:22");
  ASSERT_TRUE(store.flush());
  EXPECT_TRUE(store.host_bundles().value().empty());
}

TEST_F(SqliteStateStoreTest, BufferedWritesLandOnFlushAndKeepTheLatestPerHostAndStage) {
  SqliteStateStore store = open();
  const int64_t run = *store.begin_run("deploy");
  store.set_host_stage(host("10.0.0.1:22", HostState::Running, run));
  EXPECT_TRUE(store.host_stages("deploy").value().empty());
  ASSERT_TRUE(store.flush());
  store.set_host_stage(host("10.0.0.1:22", HostState::Succeeded, run));
  store.set_host_stage(host("10.0.0.2:22", HostState::Failed, run));
  ASSERT_TRUE(store.flush());
  const auto hosts = store.host_stages("deploy").value();
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].host, "10.0.0.1:22");
  EXPECT_EQ(hosts[0].state, HostState::Succeeded);
  EXPECT_EQ(hosts[0].bundle_id, "bundle-1");
  EXPECT_EQ(hosts[1].state, HostState::Failed);
  EXPECT_TRUE(store.host_stages("preflight").value().empty());
}

TEST_F(SqliteStateStoreTest, ClearedRowsGoAtTheFlushInOrderWithWrites) {
  SqliteStateStore store = open();
  const int64_t run = *store.begin_run("deploy");
  store.set_host_stage(host("10.0.0.1:22", HostState::Succeeded, run));
  store.set_host_stage(host("10.0.0.2:22", HostState::Succeeded, run));
  ASSERT_TRUE(store.flush());
  store.clear_host_stage("10.0.0.1:22", "deploy");
  store.clear_host_stage("10.0.0.2:22", "deploy");
  store.set_host_stage(host("10.0.0.2:22", HostState::Failed, run));  // after its clear: kept
  store.clear_host_stage("10.0.0.3:22", "deploy");                    // no such row: no error
  EXPECT_EQ(store.host_stages("deploy").value().size(), 2u);          // not flushed yet
  ASSERT_TRUE(store.flush());
  const auto hosts = store.host_stages("deploy").value();
  ASSERT_EQ(hosts.size(), 1u);
  EXPECT_EQ(hosts[0].host, "10.0.0.2:22");
  EXPECT_EQ(hosts[0].state, HostState::Failed);
}

TEST_F(SqliteStateStoreTest, StepsAreStoredAsGivenAndFilteredByHostStageAndRun) {
  SqliteStateStore store = open();
  const int64_t run = *store.begin_run("preflight");
  StepRecord step{run,
                  "10.0.0.1:22",
                  "preflight",
                  "checks",
                  "install.sh --preflight-only agent",
                  1,
                  2,
                  0,
                  "",
                  "head\n[… 10 bytes of output dropped …]\ntail",
                  true};
  store.add_step(step);
  step.host = "10.0.0.2:22";
  step.output = "short";
  step.output_truncated = false;
  step.exit_code = 3;
  store.add_step(step);
  ASSERT_TRUE(store.flush());
  const auto first = store.steps({"10.0.0.1:22", "", std::nullopt});
  ASSERT_EQ(first.size(), 1u);
  EXPECT_TRUE(first[0].output_truncated);
  EXPECT_EQ(first[0].output, "head\n[… 10 bytes of output dropped …]\ntail");
  const auto second = store.steps({"10.0.0.2:22", "preflight", run});
  ASSERT_EQ(second.size(), 1u);
  EXPECT_EQ(second[0].output, "short");
  EXPECT_EQ(second[0].exit_code, 3);
  EXPECT_FALSE(second[0].output_truncated);
  EXPECT_TRUE(store.steps({"", "deploy", std::nullopt}).empty());
}

TEST_F(SqliteStateStoreTest, StreamingVisitsEveryRowInOrderAndPagesAndFollowsACursor) {
  SqliteStateStore store = open();
  const int64_t run = *store.begin_run("preflight");
  constexpr int k_steps = 2500;
  for (int i = 0; i < k_steps; ++i) {
    store.add_step({run, "10.0.0." + std::to_string(i % 7) + ":22", "preflight",
                    "s" + std::to_string(i), "true", i, i + 1, 0, "", "out " + std::to_string(i),
                    false});
  }
  ASSERT_TRUE(store.flush());
  int visited = 0;
  int64_t last_id = 0;
  ASSERT_TRUE(store.for_each_step({}, [&](const StepRecord& step) {
    EXPECT_EQ(step.output, "out " + std::to_string(visited));
    EXPECT_GT(step.id, last_id);
    last_id = step.id;
    ++visited;
    return true;
  }));
  EXPECT_EQ(visited, k_steps);
  EXPECT_EQ(store.count_steps({}), k_steps);

  StepFilter page;
  page.offset = 100;
  page.limit = 3;
  const auto rows = store.steps(page);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].step, "s100");
  EXPECT_EQ(rows[2].step, "s102");

  StepFilter after;
  after.after_id = last_id - 2;
  EXPECT_EQ(store.steps(after).size(), 2u);

  int stopped_after = 0;
  ASSERT_TRUE(store.for_each_step({}, [&](const StepRecord&) { return ++stopped_after < 5; }));
  EXPECT_EQ(stopped_after, 5);
}

TEST_F(SqliteStateStoreTest, PruneRemovesExactlyTheRunsBeforeTheGivenOneAndTheirSteps) {
  SqliteStateStore store = open();
  std::vector<int64_t> runs;
  for (int i = 0; i < 4; ++i) {
    runs.push_back(*store.begin_run("deploy"));
    for (int step = 0; step < 3; ++step) {
      store.add_step({runs.back(), "10.0.0.1:22", "deploy", "s" + std::to_string(step), "true", 1,
                      2, 0, "", "12345", false});
    }
    store.set_host_stage(
        host("10.0.0." + std::to_string(i) + ":22", HostState::Succeeded, runs.back()));
    ASSERT_TRUE(store.finish_run(runs.back(), "succeeded"));
  }
  EXPECT_EQ(store.latest_step_run({}), runs[3]);

  auto pruned = store.prune_runs_before(runs[2]);
  ASSERT_TRUE(pruned) << pruned.error().to_string();
  EXPECT_EQ(pruned->runs, (std::vector<int64_t>{runs[0], runs[1]}));
  EXPECT_EQ(pruned->steps, 6);
  EXPECT_EQ(pruned->output_bytes, 30);
  StepFilter all;
  EXPECT_EQ(store.count_steps(all), 6);
  for (const StepRecord& step : store.steps(all)) EXPECT_GE(step.run_id, runs[2]);
  all.run_id = runs[1];
  EXPECT_EQ(store.count_steps(all), 0);
  EXPECT_EQ(store.last_run()->id, runs[3]);
  EXPECT_EQ(store.host_stages("deploy").value().size(), 4u);  // host states are kept

  auto again = store.prune_runs_before(runs[2]);
  ASSERT_TRUE(again);
  EXPECT_TRUE(again->runs.empty());
}

TEST_F(SqliteStateStoreTest, AKilledWriterLeavesFlushedStateAndTheNextRunMarksItInterrupted) {
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto store = SqliteStateStore::open(m_path);
    if (!store) _exit(1);
    const int64_t run = *store->begin_run("deploy");
    store->set_host_stage(host("10.0.0.1:22", HostState::Succeeded, run));
    store->set_host_stage(host("10.0.0.2:22", HostState::Running, run));
    if (!store->flush()) _exit(1);
    store->set_host_stage(host("10.0.0.3:22", HostState::Running, run));  // never flushed
    raise(SIGKILL);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

  SqliteStateStore store = open();
  const auto killed = store.last_run();
  ASSERT_TRUE(killed);
  EXPECT_FALSE(killed->finished_ms);
  const int64_t run = *store.begin_run("deploy");
  EXPECT_GT(run, killed->id);
  const auto hosts = store.host_stages("deploy").value();
  ASSERT_EQ(hosts.size(), 2u);
  EXPECT_EQ(hosts[0].state, HostState::Succeeded);
  EXPECT_EQ(hosts[1].state, HostState::Interrupted);
  EXPECT_NE(hosts[1].error.find("checked and redone"), std::string::npos);
  ASSERT_TRUE(store.finish_run(run, "succeeded"));
  EXPECT_EQ(store.last_run()->outcome, "succeeded");
}

std::filesystem::perms mode_of(const std::string& path) {
  return std::filesystem::status(path).permissions() & std::filesystem::perms::all;
}

// The file holds every step's output: other local users may not read it, whatever the umask.
TEST_F(SqliteStateStoreTest, FileAndItsWalAndShmAreOwnerOnly) {
  const mode_t old_umask = ::umask(022);
  {
    SqliteStateStore store = open();
    store.set_host_stage(host("h1", HostState::Succeeded, 1));
    ASSERT_TRUE(store.flush());
    for (const std::string& path : {m_path, m_path + "-wal", m_path + "-shm"}) {
      ASSERT_TRUE(std::filesystem::exists(path)) << path;
      EXPECT_EQ(mode_of(path), std::filesystem::perms(0600)) << path;
    }
  }
  // Files an earlier version left readable (SQLite reuses a -wal or -shm it finds) are
  // tightened when the state is opened.
  for (const std::string& path : {m_path, m_path + "-wal", m_path + "-shm"}) {
    std::ofstream(path, std::ios::app).flush();
    std::filesystem::permissions(path, std::filesystem::perms(0644));
  }
  {
    SqliteStateStore store = open();
    for (const std::string& path : {m_path, m_path + "-wal", m_path + "-shm"}) {
      EXPECT_EQ(mode_of(path), std::filesystem::perms(0600)) << path;
    }
  }
  ::umask(old_umask);
}

TEST_F(SqliteStateStoreTest, UnwritablePathIsAClearError) {
  auto store = SqliteStateStore::open("/nonexistent-dir/state.db");
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().to_string().find("/nonexistent-dir/state.db"), std::string::npos);
}

}  // namespace
}  // namespace dci
