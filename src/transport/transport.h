#pragma once
// The Transport interface: what the orchestrator (and `dcinstall exec/copy`) needs from SSH.
//
//   Transport::connect(host)  -> one Session per host: one SSH connection, kept across stages;
//   Session::exec(request)    -> a command on its own channel; output streams to the sink as it
//                                arrives; then the exit status or the signal;
//   Session::upload(request)  -> bytes streamed to a temp file, SHA-256 verified on the host,
//                                then renamed into place (never a partial file at the path);
//   Session::close().
//
// Many exec/upload calls may run at once on one Session (one channel each).
// Every operation has a deadline (connect_timeout_s / command_timeout_s unless the request says
// otherwise) and fails with a typed TransportError (transient or permanent).
//
// Threading and lifetime: everything runs on one io_context thread; nothing is thread-safe.
// A Transport outlives its Sessions; a Session outlives the operations running on it; the sink
// passed to exec() must stay valid until exec() completes and must not call back into the
// Session (it runs inside the SSH library's packet processing).

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "transport/asio.h"
#include "transport/transport_error.h"
#include "transport/upload_source.h"

namespace dci::transport {

// Where to connect. `user_explicit`/`port_explicit` are false when the value is only a default,
// so ~/.ssh/config (User, Port) may override it.
struct HostTarget {
  std::string address;  // IP or DNS name, no brackets
  int port = 22;
  std::string user;
  bool user_explicit = true;
  bool port_explicit = true;

  // "address:port" ("[v6]:port"), as ClusterHost::id().
  std::string id() const;
};

enum class OutputStream { Stdout, Stderr };
using OutputSink = std::function<void(OutputStream stream, std::string_view chunk)>;

struct ExecRequest {
  std::string command;                    // run by the login shell: sh syntax
  std::optional<std::string> stdin_data;  // sent, then EOF; without it stdin is empty
  std::optional<double> timeout_s;        // default: command_timeout_s
  std::optional<bool> sudo;               // default: the config's ssh_sudo
};

struct ExecResult {
  std::optional<int> exit_status;  // set when the command exited
  std::string signal;              // "KILL", "TERM"... when it was killed by a signal
  double seconds = 0;

  bool success() const { return exit_status && *exit_status == 0; }
  // "exit 3", "signal KILL".
  std::string describe() const;
};

struct UploadRequest {
  std::shared_ptr<const UploadSource> source;
  std::string remote_path;  // absolute, or relative to the login directory
  unsigned mode = 0644;
  std::optional<double> timeout_s;  // default: command_timeout_s
  std::optional<bool> sudo;         // default: the config's ssh_sudo
};

struct UploadResult {
  size_t bytes = 0;
  double seconds = 0;
};

class Session {
 public:
  virtual ~Session() = default;

  virtual const HostTarget& host() const = 0;

  // A non-zero exit status or a signal is a result, not an error, except exit 127 from the shell
  // (ErrorCode::CommandNotFound) and a timeout (ErrorCode::CommandTimeout; the command has been
  // killed on the host).
  virtual Task<Outcome<ExecResult>> exec(ExecRequest request, OutputSink sink) = 0;

  virtual Task<Outcome<UploadResult>> upload(UploadRequest request) = 0;

  // Ends the connection politely. Precondition: no operation is running on this Session.
  virtual Task<void> close() = 0;
};

class Transport {
 public:
  virtual ~Transport() = default;

  // Connects, verifies the host key, authenticates; within connect_timeout_s.
  virtual Task<Outcome<std::unique_ptr<Session>>> connect(HostTarget host) = 0;
};

}  // namespace dci::transport
