#include "config/host_address.h"

#include <arpa/inet.h>

#include <cctype>

#include "util/strings.h"

namespace dci {
namespace {

constexpr std::string_view k_form =
    "expected [user@]address[:port], e.g. 10.0.0.5, ops@host-1:2222 "
    "or [fd00::5]:22";

bool is_ipv4(const std::string& text) {
  in_addr out{};
  return inet_pton(AF_INET, text.c_str(), &out) == 1;
}

bool is_ipv6(const std::string& text) {
  in6_addr out{};
  return inet_pton(AF_INET6, text.c_str(), &out) == 1;
}

bool looks_like_ipv4(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') return false;
  }
  return true;
}

// RFC 1123 host name: dot-separated labels of letters, digits and '-', 1–63 chars each, not
// starting or ending with '-'; 253 chars at most.
bool is_dns_name(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  if (text.back() == '.') text.remove_suffix(1);
  for (const auto& label : split(text, '.')) {
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') return false;
    }
  }
  return true;
}

bool is_user_name(std::string_view text) {
  if (text.empty() || text.size() > 32) return false;
  if (!std::isalpha(static_cast<unsigned char>(text[0])) && text[0] != '_') return false;
  for (char c : text) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

// "'entry': what", or just `what` when it already quotes the whole entry.
Error host_error(std::string_view text, const std::string& what) {
  const std::string quoted = "'" + std::string(text) + "'";
  if (what.rfind(quoted, 0) == 0) return Error{what};
  return Error{quoted + ": " + what};
}

}  // namespace

std::string HostAddress::to_string() const {
  std::string out = user.empty() ? "" : user + "@";
  out += (kind == Kind::IPv6 && port != 0) ? "[" + address + "]" : address;
  if (port != 0) out += ":" + std::to_string(port);
  return out;
}

Result<HostAddress> parse_host_address(std::string_view text) {
  HostAddress host;
  std::string_view rest = text;
  if (rest.empty()) return Error{"empty host; " + std::string(k_form)};
  if (rest != trim(rest)) return host_error(text, "surrounding spaces are not allowed");

  if (const size_t at = rest.find('@'); at != std::string_view::npos) {
    host.user = std::string(rest.substr(0, at));
    if (!is_user_name(host.user)) {
      return host_error(text, "user '" + host.user +
                                  "' is not a valid user name (letters, digits, '_', '-', '.')");
    }
    rest.remove_prefix(at + 1);
  }

  std::string_view port_text;
  if (!rest.empty() && rest.front() == '[') {
    const size_t close = rest.find(']');
    if (close == std::string_view::npos) return host_error(text, "missing ']' after IPv6 address");
    host.address = std::string(rest.substr(1, close - 1));
    if (!is_ipv6(host.address)) {
      return host_error(text, "'" + host.address + "' is not a valid IPv6 address");
    }
    host.kind = HostAddress::Kind::IPv6;
    rest.remove_prefix(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':')
        return host_error(text, "unexpected text after ']'; " + std::string(k_form));
      port_text = rest.substr(1);
      if (port_text.empty()) return host_error(text, "missing port after ':'");
    }
  } else {
    const size_t colon = rest.find(':');
    if (colon != std::string_view::npos && rest.find(':', colon + 1) != std::string_view::npos) {
      return host_error(text,
                        "IPv6 addresses must be in brackets, e.g. [" + std::string(rest) + "]");
    }
    host.address = std::string(rest.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = rest.substr(colon + 1);
      if (port_text.empty()) return host_error(text, "missing port after ':'");
    }
    if (host.address.empty()) return host_error(text, "missing address; " + std::string(k_form));
    if (looks_like_ipv4(host.address)) {
      if (!is_ipv4(host.address)) {
        return host_error(
            text, "'" + host.address + "' is not a valid IPv4 address (four numbers 0–255)");
      }
      host.kind = HostAddress::Kind::IPv4;
    } else if (is_dns_name(host.address)) {
      host.kind = HostAddress::Kind::DnsName;
      host.address = to_lower(host.address);
    } else {
      return host_error(text, "'" + host.address +
                                  "' is neither an IP address nor a valid DNS name; " +
                                  std::string(k_form));
    }
  }

  if (!port_text.empty()) {
    long long port = 0;
    if (!parse_int(port_text, port) || port < 1 || port > 65535) {
      return host_error(text, "port '" + std::string(port_text) + "' is not a number in 1–65535");
    }
    host.port = static_cast<int>(port);
  }
  return host;
}

bool is_ip_address(std::string_view text) {
  const std::string value(text);
  return is_ipv4(value) || is_ipv6(value);
}

}  // namespace dci
