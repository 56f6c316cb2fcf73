#include "api/installer_parts.h"

#include <sys/resource.h>

#include <filesystem>
#include <system_error>

#include "transport/ssh/ssh_transport.h"

namespace dci::api {

std::string state_file_path(const std::string& work_dir) {
  return (std::filesystem::path(work_dir) / "state.db").string();
}

Result<SqliteStateStore> open_state_file(const std::string& work_dir) {
  std::error_code error;
  std::filesystem::create_directories(work_dir, error);
  if (error) return Error{"cannot create the work dir " + work_dir + ": " + error.message()};
  return SqliteStateStore::open(state_file_path(work_dir));
}

Result<SqliteStateStore> open_existing_state_file(const std::string& work_dir) {
  const std::string path = state_file_path(work_dir);
  if (!std::filesystem::exists(path)) {
    return Error{"no state in " + path + ": nothing has run yet with this --work-dir"};
  }
  return SqliteStateStore::open(path);
}

TransportFactory ssh_transport_factory(transport::Executor executor, bool use_ssh_config,
                                       std::function<void(const std::string&)> warn) {
  return [executor = std::move(executor), use_ssh_config, warn = std::move(warn)](
             const SshSettings& settings) -> Result<std::unique_ptr<transport::Transport>> {
    transport::SshTransportOptions options;
    options.use_ssh_config = use_ssh_config;
    options.warn = warn;
    auto created = transport::SshTransport::create(executor, settings, options);
    if (!created) return created.error();
    return std::unique_ptr<transport::Transport>(std::move(*created));
  };
}

size_t pool_capacity() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 512;
  constexpr rlim_t k_reserved = 256;  // state file, logs, the web server's clients
  return limit.rlim_cur > 2 * k_reserved ? static_cast<size_t>(limit.rlim_cur - k_reserved) : 256;
}

Result<std::unique_ptr<InstallerParts>> InstallerParts::open(transport::Executor executor,
                                                             InstallerOptions options) {
  auto state = open_state_file(options.work_dir);
  if (!state) return state.error();
  std::unique_ptr<InstallerParts> parts(new InstallerParts(std::move(*state)));
  InstallerSeams seams{
      .transport = ssh_transport_factory(executor, options.use_ssh_config, options.warn),
      .state = parts->m_state,
      .clock = parts->m_clock,
      .wall_clock = parts->m_wall_clock,
      .pool_capacity = pool_capacity(),
  };
  auto installer = Installer::open(std::move(executor), std::move(options), std::move(seams));
  if (!installer) return installer.error();
  parts->m_installer = std::move(*installer);
  return parts;
}

}  // namespace dci::api
