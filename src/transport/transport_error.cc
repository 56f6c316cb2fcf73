#include "transport/transport_error.h"

namespace dci::transport {

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::ConnectRefused: return "connect-refused";
    case ErrorCode::ConnectTimeout: return "connect-timeout";
    case ErrorCode::ConnectionLost: return "connection-lost";
    case ErrorCode::Unreachable: return "unreachable";
    case ErrorCode::CommandTimeout: return "command-timeout";
    case ErrorCode::ChecksumMismatch: return "checksum-mismatch";
    case ErrorCode::ResolveFailed: return "resolve-failed";
    case ErrorCode::AuthFailed: return "auth-failed";
    case ErrorCode::HostKeyUnknown: return "host-key-unknown";
    case ErrorCode::HostKeyChanged: return "host-key-changed";
    case ErrorCode::CommandNotFound: return "command-not-found";
    case ErrorCode::RemoteFailure: return "remote-failure";
    case ErrorCode::LocalFailure: return "local-failure";
    case ErrorCode::Protocol: return "protocol";
    case ErrorCode::Cancelled: return "cancelled";
  }
  return "unknown";
}

bool is_transient(ErrorCode code) {
  switch (code) {
    case ErrorCode::ConnectRefused:
    case ErrorCode::ConnectTimeout:
    case ErrorCode::ConnectionLost:
    case ErrorCode::Unreachable:
    case ErrorCode::CommandTimeout:
    case ErrorCode::ChecksumMismatch:
      return true;
    default:
      return false;
  }
}

std::string TransportError::to_string() const {
  std::string out = host.empty() ? std::string() : "host " + host + ": ";
  return out + std::string(error_code_name(code)) + ": " + message;
}

Error TransportError::to_error() const {
  return Error(std::string(error_code_name(code)) + ": " + message,
               host.empty() ? std::string() : "host " + host);
}

}  // namespace dci::transport
