#include "api/access_policy.h"

#include <gtest/gtest.h>

#include "api/access_token.h"

namespace dci::api {
namespace {

const std::string k_token(43, 'T');
const std::string k_other_token(43, 'U');

ListenAddress address(const std::string& host, uint16_t port = 9000) {
  return ListenAddress{.host = host, .port = port};
}

RequestHead head(std::string_view method, std::string_view path,
                 std::optional<std::string_view> host = "127.0.0.1:9000") {
  return RequestHead{.method = method, .path = path, .host = host};
}

TEST(AccessPolicyTest, CookieNameCarriesThePortAndHostPrefixWithTls) {
  EXPECT_EQ(AccessPolicy(address("127.0.0.1"), 9000, k_token, false).cookie_name(),
            "dcinstall_token_9000");
  EXPECT_EQ(AccessPolicy(address("127.0.0.1", 0), 41234, k_token, false).cookie_name(),
            "dcinstall_token_41234");
  const AccessPolicy tls(address("0.0.0.0"), 9443, k_token, true);
  EXPECT_EQ(tls.cookie_name(), "__Host-dcinstall_token_9443");
  EXPECT_EQ(tls.set_cookie_value(),
            "__Host-dcinstall_token_9443=" + k_token + "; HttpOnly; SameSite=Strict; Path=/; Secure");
  EXPECT_EQ(AccessPolicy(address("127.0.0.1"), 9000, k_token, false).set_cookie_value(),
            "dcinstall_token_9000=" + k_token + "; HttpOnly; SameSite=Strict; Path=/");
}

TEST(AccessPolicyTest, TokenFromBearerOrThisPortsCookie) {
  const AccessPolicy policy(address("127.0.0.1"), 9000, k_token, false);
  EXPECT_TRUE(policy.token_presented("Bearer " + k_token, std::nullopt));
  EXPECT_TRUE(policy.token_presented("bearer  " + k_token + " ", std::nullopt));
  EXPECT_FALSE(policy.token_presented("Bearer " + k_other_token, std::nullopt));
  EXPECT_FALSE(policy.token_presented("Basic " + k_token, std::nullopt));
  EXPECT_FALSE(policy.token_presented(std::nullopt, std::nullopt));
  EXPECT_FALSE(policy.token_presented("Bearer ", std::nullopt));

  EXPECT_TRUE(policy.token_presented(std::nullopt, "dcinstall_token_9000=" + k_token));
  EXPECT_TRUE(policy.token_presented(std::nullopt, "a=1; dcinstall_token_9000=" + k_token + "; b=2"));
  // Another port's cookie, or the old unported name, is not ours.
  EXPECT_FALSE(policy.token_presented(std::nullopt, "dcinstall_token_9001=" + k_token));
  EXPECT_FALSE(policy.token_presented(std::nullopt, "dcinstall_token=" + k_token));
  EXPECT_FALSE(policy.token_presented(std::nullopt, "dcinstall_token_9000=" + k_other_token));
  EXPECT_FALSE(policy.token_presented(std::nullopt, "dcinstall_token_9000"));
}

// L5: cookies are not port-isolated: another server on this host can set a same-named cookie
// (with a longer Path the browser sends it first); it must not hide ours.
TEST(AccessPolicyTest, ASameNamedCookieFromElsewhereDoesNotHideOurs) {
  const AccessPolicy policy(address("127.0.0.1"), 9000, k_token, false);
  EXPECT_TRUE(policy.token_presented(
      std::nullopt, "dcinstall_token_9000=" + k_other_token + "; dcinstall_token_9000=" + k_token));
  EXPECT_TRUE(policy.token_presented(
      std::nullopt, "dcinstall_token_9000=" + k_token + "; dcinstall_token_9000=junk"));
  EXPECT_FALSE(policy.token_presented(
      std::nullopt, "dcinstall_token_9000=junk; dcinstall_token_9000=" + k_other_token));
}

TEST(AccessPolicyTest, CookieValuesListsEverySameNamedCookieInOrder) {
  EXPECT_EQ(cookie_values("a=1; b=2; a=3", "a"), (std::vector<std::string>{"1", "3"}));
  EXPECT_EQ(cookie_values(" a = 1 ;b=2", "a"), (std::vector<std::string>{"1"}));
  EXPECT_TRUE(cookie_values("ab=1; b=2; a", "a").empty());
  EXPECT_TRUE(cookie_values("", "a").empty());
}

// L5: DNS rebinding: a page of evil.example whose name now resolves to 127.0.0.1 sends
// Host: evil.example:9000.
TEST(AccessPolicyTest, OnLoopbackOnlyOwnHostNamesPass) {
  const AccessPolicy policy(address("127.0.0.1"), 9000, k_token, false);
  for (const char* host : {"127.0.0.1:9000", "localhost:9000", "LocalHost:9000", "[::1]:9000"}) {
    EXPECT_TRUE(policy.host_allowed(std::string_view(host))) << host;
  }
  for (const char* host : {"evil.example:9000", "127.0.0.1:9001", "127.0.0.1", "localhost",
                           "localhost.evil.example:9000", "127.0.0.1:9000.evil", ""}) {
    EXPECT_FALSE(policy.host_allowed(std::string_view(host))) << host;
  }
  EXPECT_FALSE(policy.host_allowed(std::nullopt));

  const AccessPolicy other_loopback(address("127.0.0.5"), 8080, k_token, false);
  EXPECT_TRUE(other_loopback.host_allowed(std::string_view("127.0.0.5:8080")));
  EXPECT_FALSE(other_loopback.host_allowed(std::string_view("127.0.0.6:8080")));
  const AccessPolicy ipv6(address("::1"), 9000, k_token, false);
  EXPECT_TRUE(ipv6.host_allowed(std::string_view("[::1]:9000")));
  // On the scheme's default port, browsers leave the port out.
  const AccessPolicy port80(address("127.0.0.1"), 80, k_token, false);
  EXPECT_TRUE(port80.host_allowed(std::string_view("localhost")));
  EXPECT_TRUE(port80.host_allowed(std::string_view("localhost:80")));
}

TEST(AccessPolicyTest, OffLoopbackAnyHostPasses) {
  // The machine's names are not known; the token still guards every /api/ path.
  const AccessPolicy policy(address("0.0.0.0"), 9000, k_token, true);
  EXPECT_TRUE(policy.host_allowed(std::string_view("bootstrap.example:9000")));
  EXPECT_TRUE(policy.host_allowed(std::nullopt));
}

TEST(AccessPolicyTest, OriginMustBeOursOnlyWhenPresent) {
  const AccessPolicy policy(address("127.0.0.1"), 9000, k_token, false);
  const auto host = std::optional<std::string_view>("127.0.0.1:9000");
  EXPECT_TRUE(policy.origin_allowed(std::nullopt, host));
  EXPECT_TRUE(policy.origin_allowed("http://127.0.0.1:9000", host));
  EXPECT_TRUE(policy.origin_allowed("http://localhost:9000", host));
  EXPECT_TRUE(policy.origin_allowed("http://[::1]:9000", host));
  EXPECT_FALSE(policy.origin_allowed("null", host));
  EXPECT_FALSE(policy.origin_allowed("http://evil.example", host));
  EXPECT_FALSE(policy.origin_allowed("http://127.0.0.1:9001", host));
  EXPECT_FALSE(policy.origin_allowed("https://127.0.0.1:9000", host));

  const AccessPolicy any(address("0.0.0.0"), 9443, k_token, true);
  EXPECT_TRUE(any.origin_allowed("https://10.0.0.5:9443", "10.0.0.5:9443"));
  EXPECT_FALSE(any.origin_allowed("https://10.0.0.5:9443", "10.0.0.6:9443"));
  EXPECT_FALSE(any.origin_allowed("http://10.0.0.5:9443", "10.0.0.5:9443"));
}

TEST(AccessPolicyTest, CheckOrdersHostThenTokenThenOrigin) {
  const AccessPolicy policy(address("127.0.0.1"), 9000, k_token, false);
  const std::string bearer = "Bearer " + k_token;

  // Static files need no token, but the right Host.
  EXPECT_EQ(policy.check(head("GET", "/")), AccessVerdict::allowed);
  EXPECT_EQ(policy.check(head("GET", "/assets/x.js", "evil.example:9000")),
            AccessVerdict::bad_host);

  RequestHead api = head("GET", "/api/v1/status");
  EXPECT_EQ(policy.check(api), AccessVerdict::unauthorized);
  api.authorization = bearer;
  EXPECT_EQ(policy.check(api), AccessVerdict::allowed);
  api.host = "evil.example:9000";
  EXPECT_EQ(policy.check(api), AccessVerdict::bad_host);  // even with the token

  RequestHead put = head("PUT", "/api/v1/config");
  put.origin = "http://evil.example";
  EXPECT_EQ(policy.check(put), AccessVerdict::unauthorized);  // the token is checked first
  put.authorization = bearer;
  EXPECT_EQ(policy.check(put), AccessVerdict::bad_origin);
  put.origin = "http://127.0.0.1:9000";
  EXPECT_EQ(policy.check(put), AccessVerdict::allowed);

  // A GET from another origin is not state-changing (SameSite keeps the cookie away anyway).
  RequestHead get = head("GET", "/api/v1/config");
  get.authorization = bearer;
  get.origin = "http://evil.example";
  EXPECT_EQ(policy.check(get), AccessVerdict::allowed);
}

}  // namespace
}  // namespace dci::api
