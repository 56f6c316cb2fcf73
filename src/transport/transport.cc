#include "transport/transport.h"

namespace dci::transport {

std::string HostTarget::id() const {
  const bool ipv6 = address.find(':') != std::string::npos;
  return (ipv6 ? "[" + address + "]" : address) + ":" + std::to_string(port);
}

std::string ExecResult::describe() const {
  if (exit_status) return "exit " + std::to_string(*exit_status);
  if (!signal.empty()) return "signal " + signal;
  return "no exit status";
}

}  // namespace dci::transport
