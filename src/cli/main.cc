// dcinstall: thin entry point. Each command lives in its own *_command.cc and registers itself
// on the CLI11 app; the work is done by dcinstall_core.

#include <sys/resource.h>

#include <CLI/CLI.hpp>

#include "cli/commands.h"

namespace {

// One descriptor per connected host: raise the open-file limit to its hard maximum, once, before
// any command runs (api::pool_capacity() reads the result).
void raise_open_file_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
  limit.rlim_cur = limit.rlim_max;
  (void)setrlimit(RLIMIT_NOFILE, &limit);  // on failure the soft limit stays; capacity adapts
}

}  // namespace

int main(int argc, char** argv) {
  raise_open_file_limit();
  CLI::App app{"dcinstall: install a data center operating system on a fleet over SSH"};
  app.set_version_flag("--version", std::string("dcinstall ") + DCINSTALL_VERSION);
  app.require_subcommand(1);
  app.fallthrough();

  int exit_code = 0;
  dci::cli::add_validate_command(app, exit_code);
  dci::cli::add_config_command(app, exit_code);
  dci::cli::add_exec_command(app, exit_code);
  dci::cli::add_copy_command(app, exit_code);
  dci::cli::add_genconf_command(app, exit_code);
  dci::cli::add_stage_commands(app, exit_code);
  dci::cli::add_upgrade_commands(app, exit_code);
  dci::cli::add_prune_command(app, exit_code);
  dci::cli::add_status_commands(app, exit_code);
  dci::cli::add_support_bundle_command(app, exit_code);
  dci::cli::add_web_command(app, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : dci::cli::k_exit_usage;
  }
  return exit_code;
}
