// `dcinstall copy LOCAL REMOTE`: upload a file to the hosts, SHA-256 verified on each host before
// it is renamed into place.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "cli/commands.h"
#include "cli/fanout_command.h"
#include "transport/upload_source.h"

namespace dci::cli {
namespace {

struct CopyOptions {
  FanoutOptions fanout;
  std::string local;
  std::string remote;
  std::string mode = "0644";
};

int run_copy(const CopyOptions& options) {
  auto source = transport::UploadSource::from_file(options.local);
  if (!source) {
    std::cerr << "dcinstall: " << source.error().to_string() << "\n";
    return k_exit_usage;
  }
  unsigned mode = 0;
  try {
    mode = static_cast<unsigned>(std::stoul(options.mode, nullptr, 8));
  } catch (const std::exception&) {
    std::cerr << "dcinstall: --mode '" << options.mode << "' is not an octal mode like 0644\n";
    return k_exit_usage;
  }
  std::string remote = options.remote;
  if (!remote.empty() && remote.back() == '/') {
    remote += std::filesystem::path(options.local).filename().string();
  }
  std::shared_ptr<const transport::UploadSource> bytes = *source;
  auto work = [bytes, remote, mode](FanoutPrinter& printer) -> transport::HostWork {
    return [bytes, remote, mode, &printer](transport::Session& session,
                                           size_t index) -> transport::Task<transport::Outcome<bool>> {
      transport::UploadRequest request;
      request.source = bytes;
      request.remote_path = remote;
      request.mode = mode;
      auto result = co_await session.upload(std::move(request));
      if (!result) co_return result.error();
      char note[96];
      std::snprintf(note, sizeof note, "%zu bytes in %.2f s, sha256 verified", result->bytes,
                    result->seconds);
      printer.set_note(index, note);
      co_return true;
    };
  };
  return run_fanout(options.fanout, work, true);
}

}  // namespace

void add_copy_command(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<CopyOptions>();
  CLI::App* command = app.add_subcommand(
      "copy",
      "Copy a local file to the hosts: streamed, SHA-256 checked on each host, then renamed into\n"
      "place (never a partial file at REMOTE). REMOTE ending in / keeps the file name.\n"
      "Exit status: 0 all ok, 1 some host failed or was unreachable, 2 usage or config error.");
  add_fanout_options(*command, options->fanout);
  command->add_option("--mode", options->mode, "Octal mode of the remote file")
      ->capture_default_str();
  command->add_option("local", options->local, "Local file")->required();
  command->add_option("remote", options->remote, "Remote path")->required();
  command->callback([options, &exit_code] { exit_code = run_copy(*options); });
}

}  // namespace dci::cli
