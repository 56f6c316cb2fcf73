#pragma once
// Registration of every subcommand. Each add_* function attaches a subcommand to `app`; its
// callback runs the command and stores the process exit code in `exit_code`.

namespace CLI {
class App;
}

namespace dci::cli {

// Exit codes shared by every command.
constexpr int k_exit_ok = 0;
constexpr int k_exit_failed = 1;  // the command ran and found problems (invalid config, hosts failed)
constexpr int k_exit_usage = 2;   // usage, config file or I/O error
constexpr int k_exit_cancelled = 130;

void add_validate_command(CLI::App& app, int& exit_code);
void add_config_command(CLI::App& app, int& exit_code);
void add_exec_command(CLI::App& app, int& exit_code);
void add_copy_command(CLI::App& app, int& exit_code);
void add_genconf_command(CLI::App& app, int& exit_code);
void add_stage_commands(CLI::App& app, int& exit_code);  // install, preflight, ..., plan
void add_upgrade_commands(CLI::App& app, int& exit_code);  // upgrade, rollback
void add_prune_command(CLI::App& app, int& exit_code);
void add_status_commands(CLI::App& app, int& exit_code);  // status, logs
void add_support_bundle_command(CLI::App& app, int& exit_code);
void add_web_command(CLI::App& app, int& exit_code);

}  // namespace dci::cli
