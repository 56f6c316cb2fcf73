#pragma once
// Typed transport failures. The orchestrator retries only transient ones (the host may answer if
// asked again: refused, reset, timeouts, EOF); permanent ones need a person (wrong key, changed
// host key, command not found). Outcome<T> carries a value or a TransportError.

#include <string>
#include <string_view>

#include "util/result.h"

namespace dci::transport {

enum class ErrorCode {
  // Transient.
  ConnectRefused,   // TCP refused (sshd down, host booting)
  ConnectTimeout,   // no answer (TCP, banner, key exchange or auth) within connect_timeout_s
  ConnectionLost,   // reset, EOF or protocol break after connecting
  Unreachable,      // no route, network down
  CommandTimeout,   // the command ran past its timeout and was killed on the host
  ChecksumMismatch, // an upload arrived damaged (retry resends it)
  // Permanent.
  ResolveFailed,    // the host name does not resolve
  AuthFailed,       // every configured method was refused
  HostKeyUnknown,   // strict policy and no known_hosts entry
  HostKeyChanged,   // known_hosts has a different key: possible man in the middle
  CommandNotFound,  // the remote shell exited 127
  RemoteFailure,    // the remote side refused the operation (cannot write path, sudo needs a password)
  LocalFailure,     // a local problem (cannot read the file to upload, bad key file)
  Protocol,         // SSH negotiation failed (no common algorithm)
  Cancelled,        // the caller stopped waiting
};

std::string_view error_code_name(ErrorCode code);  // e.g. "connect-refused"
bool is_transient(ErrorCode code);

struct TransportError {
  ErrorCode code = ErrorCode::Protocol;
  std::string message;  // human text, without the host
  std::string host;     // the host id ("10.0.0.5:22"); may be empty for local failures

  bool transient() const { return is_transient(code); }
  // "host 10.0.0.5:22: connect-refused: connection refused".
  std::string to_string() const;
  // As the project-wide Error (where = "host X").
  Error to_error() const;
};

// A value or a TransportError.
template <typename T>
using Outcome = Result<T, TransportError>;

}  // namespace dci::transport
