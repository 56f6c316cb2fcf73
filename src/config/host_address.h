#pragma once
// A host entry of the config: `[user@]address[:port]`, address being IPv4, IPv6 in brackets, or
// a DNS name.

#include <string>
#include <string_view>

#include "util/result.h"

namespace dci {

struct HostAddress {
  enum class Kind { IPv4, IPv6, DnsName };

  std::string user;     // "" when not given (ssh_user applies)
  std::string address;  // without brackets; DNS names lower-cased
  int port = 0;         // 0 when not given (ssh_port applies)
  Kind kind = Kind::DnsName;

  // Back to the entry's syntax: [user@]address[:port], IPv6 bracketed when a port follows.
  std::string to_string() const;
};

// Parses one host entry. The error message says what is wrong and shows the right form.
Result<HostAddress> parse_host_address(std::string_view text);

// True for a bare IPv4 or IPv6 address (no brackets, no port), as in `resolvers`.
bool is_ip_address(std::string_view text);

}  // namespace dci
