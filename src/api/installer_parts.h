#pragma once
// The composition root's half of the installer: the real side effects (SSH, the SQLite state
// file <work_dir>/state.db, the steady and system clocks) and the Installer that runs on them.
// Used by the CLI (cli/installer_options.h's open_installer, status/logs, exec/copy) and by
// `dcinstall web` (ApiService); nothing below them creates an SSH transport or opens SQLite.

#include <functional>
#include <memory>
#include <string>

#include "installer/installer.h"
#include "installer/installer_seams.h"
#include "state/sqlite_state_store.h"
#include "transport/asio.h"
#include "transport/clock.h"
#include "util/result.h"
#include "util/wall_clock.h"

namespace dci::api {

// <work_dir>/state.db.
std::string state_file_path(const std::string& work_dir);

// Opens (creating it and `work_dir` when missing) the state file. The Error names the file and
// the SQLite error.
[[nodiscard]] Result<SqliteStateStore> open_state_file(const std::string& work_dir);

// Opens the state file for reading what earlier runs recorded; the Error says when nothing has
// run yet with this work dir (no file), or names the file and the SQLite error.
[[nodiscard]] Result<SqliteStateStore> open_existing_state_file(const std::string& work_dir);

// SSH transports on `executor`, honouring ~/.ssh/config when `use_ssh_config`.
TransportFactory ssh_transport_factory(transport::Executor executor, bool use_ssh_config,
                                       std::function<void(const std::string&)> warn);

// How many connections may stay open between stages: the open-file limit (main() raises it to
// the hard maximum) minus a reserve for the state file, logs and the web server's clients.
size_t pool_capacity();

// An Installer and the real parts it runs on; they live and die together (the parts last).
class InstallerParts {
 public:
  // Opens the state file, then the Installer (InstallerOptions as Installer::open).
  [[nodiscard]] static Result<std::unique_ptr<InstallerParts>> open(transport::Executor executor,
                                                                    InstallerOptions options);

  Installer& installer() { return *m_installer; }

 private:
  explicit InstallerParts(SqliteStateStore state) : m_state(std::move(state)) {}

  SqliteStateStore m_state;
  transport::SteadyClock m_clock;
  SystemWallClock m_wall_clock;
  std::unique_ptr<Installer> m_installer;  // declared last: destroyed first
};

}  // namespace dci::api
