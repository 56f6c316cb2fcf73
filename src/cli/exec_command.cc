// `dcinstall exec -- CMD`: run a command on the selected hosts over one SSH connection each.

#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/fanout_command.h"
#include "util/strings.h"

namespace dci::cli {
namespace {

struct ExecOptions {
  FanoutOptions fanout;
  std::vector<std::string> command;
  double timeout_s = 0;  // 0: command_timeout_s from the config
  int repeat = 1;        // run the command this many times in a row over the one connection
};

int run_exec(const ExecOptions& options) {
  const std::string command = join(options.command, " ");
  const double timeout = options.timeout_s;
  const int repeat = options.repeat < 1 ? 1 : options.repeat;
  auto work = [command, timeout, repeat](FanoutPrinter& printer) -> transport::HostWork {
    return [command, timeout, repeat, &printer](
               transport::Session& session,
               size_t index) -> transport::Task<transport::Outcome<bool>> {
      for (int step = 0; step < repeat; ++step) {
        // Named, not a temporary: g++ 12 destroys temporaries in a co_await expression twice.
        transport::ExecRequest request;
        request.command = command;
        if (timeout > 0) request.timeout_s = timeout;
        transport::OutputSink sink = printer.sink(index);
        auto result = co_await session.exec(std::move(request), std::move(sink));
        if (!result) co_return result.error();
        printer.set_result(index, *result);
        if (!result->success()) co_return false;
      }
      co_return true;
    };
  };
  return run_fanout(options.fanout, work, false);
}

}  // namespace

void add_exec_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ExecOptions>();
  CLI::App* command = app.add_subcommand(
      "exec",
      "Run a command on the hosts (one SSH connection each, ssh_parallelism at once).\n"
      "Output lines are prefixed by host; then 'N ok, M failed, K unreachable'.\n"
      "Exit status: 0 all ok, 1 some host failed or was unreachable, 2 usage or config error.");
  add_fanout_options(*command, options->fanout);
  command->add_option("--timeout", options->timeout_s,
                      "Seconds before the command is killed on the host (default: "
                      "command_timeout_s)");
  command->add_option("--repeat", options->repeat,
                      "Run the command N times in a row on each host, over its one connection "
                      "(stops at the first failure)")
      ->capture_default_str();
  command->add_option("command", options->command, "The command (sh syntax), after --")
      ->required()
      ->expected(-1);
  command->callback([options, &exit_code] { exit_code = run_exec(*options); });
}

}  // namespace dci::cli
