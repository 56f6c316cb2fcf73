#include "api/access_policy.h"

#include "api/access_token.h"
#include "util/strings.h"

namespace dci::api {
namespace {

bool is_state_changing(std::string_view method) {
  return method == "POST" || method == "PUT" || method == "DELETE" || method == "PATCH";
}

}  // namespace

AccessPolicy::AccessPolicy(ListenAddress address, uint16_t port, std::string token, bool tls)
    : m_address(std::move(address)),
      m_port(port),
      m_token(std::move(token)),
      m_tls(tls),
      m_cookie_name(std::string(tls ? "__Host-" : "") + std::string(k_token_cookie) + "_" +
                    std::to_string(port)) {
  const std::string suffix = ":" + std::to_string(port);
  const bool default_port = port == (tls ? 443 : 80);
  for (const std::string& name :
       {std::string("127.0.0.1"), std::string("localhost"), std::string("[::1]"),
        to_lower(m_address.is_ipv6() ? "[" + m_address.host + "]" : m_address.host)}) {
    m_loopback_hosts.push_back(name + suffix);
    if (default_port) m_loopback_hosts.push_back(name);
  }
}

AccessVerdict AccessPolicy::check(const RequestHead& head) const {
  if (!host_allowed(head.host)) return AccessVerdict::bad_host;
  if (!starts_with(head.path, "/api/")) return AccessVerdict::allowed;
  if (!token_presented(head.authorization, head.cookie)) return AccessVerdict::unauthorized;
  if (is_state_changing(head.method) && !origin_allowed(head.origin, head.host)) {
    return AccessVerdict::bad_origin;
  }
  return AccessVerdict::allowed;
}

bool AccessPolicy::host_allowed(std::optional<std::string_view> host) const {
  if (!m_address.is_loopback()) return true;
  if (!host) return false;
  const std::string wanted = to_lower(trim(*host));
  for (const std::string& allowed : m_loopback_hosts) {
    if (wanted == allowed) return true;
  }
  return false;
}

bool AccessPolicy::token_presented(std::optional<std::string_view> authorization,
                                   std::optional<std::string_view> cookie) const {
  if (authorization) {
    if (const auto token = bearer_token(*authorization)) {
      if (tokens_equal(*token, m_token)) return true;
    }
  }
  if (cookie) {
    // Every same-named cookie counts: one set by another server on this host (cookies are not
    // port-isolated), e.g. with a longer Path that browsers send first, must not hide ours.
    bool found = false;
    for (const std::string& value : cookie_values(*cookie, m_cookie_name)) {
      found |= tokens_equal(value, m_token);
    }
    if (found) return true;
  }
  return false;
}

bool AccessPolicy::origin_allowed(std::optional<std::string_view> origin,
                                  std::optional<std::string_view> host) const {
  if (!origin) return true;  // not a browser's cross-site request
  const std::string port = std::to_string(m_port);
  std::vector<std::string> hosts = {m_address.authority(m_port)};
  if (m_address.is_loopback()) {
    hosts.push_back("127.0.0.1:" + port);
    hosts.push_back("localhost:" + port);
    hosts.push_back("[::1]:" + port);
  }
  if ((m_address.host == "0.0.0.0" || m_address.host == "::") && host) {
    // Any address of this machine: the origin must be the host the browser asked for.
    const std::string_view asked = *host;
    if (asked.size() > port.size() && asked.substr(asked.size() - port.size() - 1) == ":" + port) {
      hosts.emplace_back(asked);
    }
  }
  for (const std::string& allowed : hosts) {
    if (*origin == scheme() + "://" + allowed) return true;
  }
  return false;
}

std::string AccessPolicy::set_cookie_value() const {
  return m_cookie_name + "=" + m_token + "; HttpOnly; SameSite=Strict; Path=/" +
         (m_tls ? "; Secure" : "");
}

}  // namespace dci::api
