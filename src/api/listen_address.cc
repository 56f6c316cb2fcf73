#include "api/listen_address.h"

#include "config/host_address.h"
#include "util/strings.h"

namespace dci::api {

bool ListenAddress::is_loopback() const {
  return host == "localhost" || host == "::1" || starts_with(host, "127.");
}

std::string ListenAddress::authority(uint16_t actual_port) const {
  return (is_ipv6() ? "[" + host + "]" : host) + ":" + std::to_string(actual_port);
}

Result<ListenAddress> parse_listen_address(std::string_view text) {
  ListenAddress address;
  std::string_view host = text;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    const size_t close = host.find(']');
    if (close == std::string_view::npos) return Error("'" + std::string(text) + "': missing ']'");
    port = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!port.empty() && port.front() != ':') {
      return Error("'" + std::string(text) + "': expected [address]:port");
    }
    if (!port.empty()) port.remove_prefix(1);
  } else if (const size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    if (host.find(':') != colon) {
      return Error("'" + std::string(text) + "': write an IPv6 address as [address]:port");
    }
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (!host.empty()) address.host = std::string(host);
  if (address.host != "localhost" && !is_ip_address(address.host)) {
    return Error("'" + address.host +
                 "' is not an IP address to listen on; expected e.g. 127.0.0.1, 0.0.0.0 or [::1]");
  }
  if (!port.empty()) {
    long long number = 0;
    if (!parse_int(port, number) || number < 0 || number > 65535) {
      return Error("'" + std::string(port) +
                   "' is not a port; expected 0–65535 (0: any free port)");
    }
    address.port = static_cast<uint16_t>(number);
  }
  return address;
}

}  // namespace dci::api
