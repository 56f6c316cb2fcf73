#pragma once
// Who may use `dcinstall web`, decided from a request's header alone (before any body is read):
// the Host allowlist on loopback (DNS rebinding), the access token (Bearer header or the
// per-port cookie) on /api/, and the Origin check on state-changing /api/ requests.
// docs/http-api.md "Authentication and origin" is the contract.
//
// Plain values, no Beast: http_server.cc extracts the header fields. Immutable after
// construction; cheap to copy.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/listen_address.h"

namespace dci::api {

// The header fields the decision needs (absent: nullopt).
struct RequestHead {
  std::string_view method;  // "GET", "POST", ...
  std::string_view path;    // decoded, without the query
  std::optional<std::string_view> host = std::nullopt;
  std::optional<std::string_view> origin = std::nullopt;
  std::optional<std::string_view> authorization = std::nullopt;
  std::optional<std::string_view> cookie = std::nullopt;
};

enum class AccessVerdict {
  allowed,
  bad_host,      // loopback server, Host is not one of its names: 403 bad_host
  unauthorized,  // /api/ without the right token: 401
  bad_origin,    // state-changing /api/ request from another origin: 403
};

class AccessPolicy {
 public:
  // `port` is the bound port (the real one after listening on port 0).
  AccessPolicy(ListenAddress address, uint16_t port, std::string token, bool tls);

  // In this order: Host (every path), token (/api/ only), Origin (state-changing /api/ only).
  AccessVerdict check(const RequestHead& head) const;

  // Host header allowed: always when not bound to loopback; on loopback only
  // 127.0.0.1:PORT, localhost:PORT, [::1]:PORT and the listen address itself (case-insensitive;
  // without ":PORT" only when PORT is the scheme's default). A missing Host is refused there.
  bool host_allowed(std::optional<std::string_view> host) const;
  // The token is in `Authorization: Bearer T` or in any cookie named cookie_name() (a
  // same-named cookie set by another server on this host does not hide ours).
  bool token_presented(std::optional<std::string_view> authorization,
                       std::optional<std::string_view> cookie) const;
  // No Origin passes (not a browser's cross-site request); "null" and foreign origins do not.
  bool origin_allowed(std::optional<std::string_view> origin,
                      std::optional<std::string_view> host) const;

  // "dcinstall_token_9000"; "__Host-dcinstall_token_9000" with TLS (Secure, Path=/, no Domain).
  const std::string& cookie_name() const { return m_cookie_name; }
  // The Set-Cookie value that hands the token to the browser.
  std::string set_cookie_value() const;

 private:
  std::string scheme() const { return m_tls ? "https" : "http"; }

  ListenAddress m_address;
  uint16_t m_port;
  std::string m_token;
  bool m_tls;
  std::string m_cookie_name;
  std::vector<std::string> m_loopback_hosts;  // lower-case host[:port] forms accepted on loopback
};

}  // namespace dci::api
