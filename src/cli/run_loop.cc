#include "cli/run_loop.h"

#include <unistd.h>

#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <iostream>
#include <sstream>

#include "cli/cause_summary.h"
#include "cli/commands.h"
#include "cli/progress_printer.h"

namespace dci::cli {

namespace asio = transport::asio;

bool confirmed(const std::string& question, const std::string& refusal, bool yes) {
  if (yes) return true;
  if (!::isatty(STDIN_FILENO)) {
    std::cerr << "dcinstall: " << refusal << "; pass --yes to confirm (stdin is not a terminal)\n";
    return false;
  }
  std::cerr << question << " [y/N] ";
  std::string answer;
  std::getline(std::cin, answer);
  return answer == "y" || answer == "Y" || answer == "yes";
}

int run_with_progress(asio::io_context& io, Installer& installer, const RunRequest& request,
                      bool json, std::string_view action) {
  ProgressPrinter printer(std::cout, ProgressPrinter::mode_for(json, STDOUT_FILENO));
  const std::string status_command = status_command_for(installer.options().work_dir);
  printer.set_status_command(status_command);
  // Ctrl-C once: stop starting hosts, let running steps end. Twice: leave now (a re-run resumes).
  asio::signal_set signals(io, SIGINT, SIGTERM);
  int interrupts = 0;
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& error, int) {
        if (error) return;
        if (++interrupts > 1) std::_Exit(k_exit_cancelled);
        std::cerr << "\ndcinstall: stopping: no new hosts start; running steps finish (Ctrl-C "
                     "again to leave now; a re-run resumes)\n";
        installer.cancel();
        signals.async_wait(on_signal);
      };
  signals.async_wait(on_signal);
  asio::steady_timer ticker(io);
  // cancel() does not reach a tick already queued to run: `finished` stops the re-arming.
  bool finished = false;
  std::function<void(const boost::system::error_code&)> on_tick =
      [&](const boost::system::error_code& error) {
        if (error || finished) return;
        printer.tick();
        ticker.expires_after(std::chrono::milliseconds(250));
        ticker.async_wait(on_tick);
      };
  ticker.expires_after(std::chrono::milliseconds(250));
  ticker.async_wait(on_tick);

  RunOutcome outcome;
  asio::co_spawn(
      io,
      [&]() -> transport::Task<void> {
        outcome = co_await installer.run(request, printer);
        finished = true;
        signals.cancel();
        ticker.cancel();
      },
      [](std::exception_ptr error) {
        if (error) std::rethrow_exception(error);
      });
  io.run();

  if (!outcome.error.empty()) {
    std::cerr << "dcinstall: " << outcome.error << "\n";
    return outcome.busy ? k_exit_failed : k_exit_usage;
  }
  if (!outcome.state_error.empty()) {
    std::cerr << "dcinstall: " << outcome.state_error << "\n";
    return k_exit_failed;
  }
  if (!json && printer.mode() == ProgressPrinter::Mode::JsonLines) {
    // Stdout carries JSON lines (not a terminal): the causes go to stderr for the person.
    for (const StageFinished& stage : outcome.stages) {
      std::cerr << cause_summary(stage.stage, stage.causes, status_command);
    }
  }
  if (!outcome.stopped.empty()) {
    std::cerr << "dcinstall: " << outcome.stopped << "\n";
  } else if (!outcome.ok && !outcome.cancelled && !json && !outcome.stages.empty()) {
    const StageFinished& failed = outcome.stages.back();
    std::cerr << "dcinstall: " << action << " stopped: " << failed.stage
              << " failed. See 'dcinstall status' and 'dcinstall logs --stage " << failed.stage
              << "'; fix the hosts, then re-run with --retry-failed.\n";
  }
  if (!outcome.pending.empty()) {
    std::cerr << "dcinstall: pending cleanup (still listed by `dcinstall plan install`; run "
                 "`dcinstall prune` when they are back):\n";
    std::istringstream lines(outcome.pending);
    for (std::string line; std::getline(lines, line);) std::cerr << "  " << line << "\n";
  }
  if (outcome.cancelled) return k_exit_cancelled;
  return outcome.ok ? k_exit_ok : k_exit_failed;
}

}  // namespace dci::cli
