#pragma once
// `--listen ADDRESS[:PORT]` of `dcinstall web`.

#include <cstdint>
#include <string>
#include <string_view>

#include "util/result.h"

namespace dci::api {

constexpr uint16_t k_default_port = 9000;

struct ListenAddress {
  std::string host = "127.0.0.1";  // an IP address or "localhost"; IPv6 without brackets
  uint16_t port = k_default_port;  // 0: any free port (tests)

  // Loopback only (127.0.0.0/8, ::1, localhost): nobody else can connect.
  bool is_loopback() const;
  bool is_ipv6() const { return host.find(':') != std::string::npos; }
  // host:port with brackets for IPv6, for URLs and Origin checks.
  std::string authority(uint16_t actual_port) const;
};

// "127.0.0.1:9000", "0.0.0.0", "[::1]:0", ":8080" (loopback), "localhost:9000".
Result<ListenAddress> parse_listen_address(std::string_view text);

}  // namespace dci::api
