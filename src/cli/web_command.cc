// `dcinstall web`: the web GUI and HTTP API (docs/http-api.md) on the orchestrator's event loop.
// Prints the tokenised URL to open, serves until SIGINT/SIGTERM, then cancels a running run,
// lets its running steps end and exits.

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <optional>

#include <CLI/CLI.hpp>
#include <boost/asio/signal_set.hpp>

#include "api/access_token.h"
#include "api/api_service.h"
#include "api/http_server.h"
#include "api/listen_address.h"
#include "cli/commands.h"

namespace dci::cli {
namespace {

namespace asio = transport::asio;

struct WebOptions {
  std::string config_path = "config.yaml";
  std::string work_dir = "genconf";
  std::string listen = "127.0.0.1:9000";
  std::string tls_cert;
  std::string tls_key;
  api::HttpLimits limits;  // hidden options: tests shorten the timeouts
};

int run_web(const WebOptions& options) {
  auto address = api::parse_listen_address(options.listen);
  if (!address) {
    std::cerr << "dcinstall web: --listen: " << address.error().to_string() << "\n";
    return k_exit_usage;
  }
  std::optional<api::TlsFiles> tls;
  if (!options.tls_cert.empty() || !options.tls_key.empty()) {
    if (options.tls_cert.empty() || options.tls_key.empty()) {
      std::cerr << "dcinstall web: --tls-cert and --tls-key go together (a PEM certificate and "
                   "its private key)\n";
      return k_exit_usage;
    }
    tls = api::TlsFiles{options.tls_cert, options.tls_key};
  }

  asio::io_context io;
  InstallerOptions installer_options;
  installer_options.config_path = options.config_path;
  installer_options.work_dir = options.work_dir;
  installer_options.warn = [](const std::string& line) {
    std::cerr << "dcinstall web: " << line << "\n";
  };
  api::ApiService service(io.get_executor(), installer_options);
  if (Status opened = service.open(); !opened) {
    std::cerr << "dcinstall web: " << opened.error().to_string() << "\n";
    return k_exit_usage;
  }
  std::string token;
  try {
    token = api::generate_token();
  } catch (const std::exception& e) {
    std::cerr << "dcinstall web: " << e.what() << "\n";
    return k_exit_failed;
  }
  api::HttpServer server(io.get_executor(), service, *address, token, tls, options.limits);
  if (Status listening = server.listen(); !listening) {
    std::cerr << "dcinstall web: " << listening.error().to_string() << "\n";
    return k_exit_usage;
  }
  if (!address->is_loopback() && !tls) {
    std::cerr << "dcinstall web: WARNING: listening on " << address->authority(server.port())
              << ", reachable from other machines, without TLS: the token, the config and every "
                 "log travel unencrypted. Give --tls-cert/--tls-key, or prefer 127.0.0.1 and an "
                 "SSH tunnel.\n";
  }
  server.start();
  std::cout << "dcinstall web: serving " << options.config_path << " (work dir " << options.work_dir
            << ")\n"
            << "Open this URL in a browser (it carries the access token):\n"
            << "  " << server.url() << "\n"
            << "Press Ctrl-C to stop." << std::endl;

  // First SIGINT/SIGTERM: close the server, cancel a run and let it end, then let the loop run
  // out of work (at most k_drain after the run ended). Second: exit at once.
  constexpr auto k_drain = std::chrono::seconds(5);
  bool stopping = false;
  std::optional<std::chrono::steady_clock::time_point> drain_deadline;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& error, int) {
        if (error) return;
        if (stopping) {
          std::cerr << "dcinstall web: stopping now\n";
          std::_Exit(k_exit_cancelled);
        }
        stopping = true;
        std::cerr << "dcinstall web: stopping"
                  << (service.running() ? " (cancelling the run; running steps finish; press "
                                          "Ctrl-C again to stop at once)"
                                        : "")
                  << "\n";
        server.stop();
        signals.async_wait(on_signal);  // before cancel_and_then, whose callback may run now
        service.cancel_and_then([&] {
          service.stop();
          signals.cancel();
          drain_deadline = std::chrono::steady_clock::now() + k_drain;
        });
      };
  signals.async_wait(on_signal);
  while (!io.stopped()) {
    io.run_for(std::chrono::milliseconds(200));
    if (drain_deadline && std::chrono::steady_clock::now() > *drain_deadline) io.stop();
  }
  return k_exit_ok;
}

}  // namespace

void add_web_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<WebOptions>();
  CLI::App* command = app.add_subcommand(
      "web",
      "Serve the web GUI and HTTP API (docs/http-api.md) and print the URL to open.\n"
      "Listens on 127.0.0.1:9000 unless --listen says otherwise; every API call needs the\n"
      "random token in that URL.");
  command->add_option("-c,--config", options->config_path, "Config file (created by the GUI)")
      ->capture_default_str();
  command->add_option("--work-dir", options->work_dir, "genconf output and state directory")
      ->capture_default_str();
  command
      ->add_option("--listen", options->listen,
                   "ADDRESS[:PORT] to listen on; port 0 picks a free port. A non-loopback "
                   "address is reachable from other machines (a warning is printed)")
      ->capture_default_str();
  command->add_option("--tls-cert", options->tls_cert,
                      "PEM certificate (chain) to serve HTTPS with (with --tls-key)");
  command->add_option("--tls-key", options->tls_key, "PEM private key of --tls-cert");
  // Hidden (tests): the server's limits against slow clients, in milliseconds.
  auto milliseconds = [command](const std::string& name, std::chrono::milliseconds& value) {
    command
        ->add_option_function<long>(
            name, [&value](long ms) { value = std::chrono::milliseconds(ms); }, "")
        ->check(CLI::Range(1L, 3'600'000L))
        ->group("");
  };
  milliseconds("--header-timeout-ms", options->limits.header_timeout);
  milliseconds("--body-timeout-ms", options->limits.body_timeout);
  command->callback([options, &exit_code] { exit_code = run_web(*options); });
}

}  // namespace dci::cli
