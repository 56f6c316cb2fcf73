#include "config/host_address.h"

#include <gtest/gtest.h>

namespace dci {
namespace {

TEST(HostAddressTest, ParsesUserAddressAndPort) {
  auto host = parse_host_address("ops@10.0.0.5:2222");
  ASSERT_TRUE(host) << host.error().message;
  EXPECT_EQ(host->user, "ops");
  EXPECT_EQ(host->address, "10.0.0.5");
  EXPECT_EQ(host->port, 2222);
  EXPECT_EQ(host->kind, HostAddress::Kind::IPv4);
  EXPECT_EQ(host->to_string(), "ops@10.0.0.5:2222");
}

TEST(HostAddressTest, ParsesBracketedIpv6WithAndWithoutPort) {
  auto with_port = parse_host_address("[fd00::5]:22");
  ASSERT_TRUE(with_port);
  EXPECT_EQ(with_port->address, "fd00::5");
  EXPECT_EQ(with_port->port, 22);
  EXPECT_EQ(with_port->kind, HostAddress::Kind::IPv6);
  EXPECT_EQ(with_port->to_string(), "[fd00::5]:22");
  auto bare = parse_host_address("[::1]");
  ASSERT_TRUE(bare);
  EXPECT_EQ(bare->port, 0);
}

TEST(HostAddressTest, LowerCasesDnsNames) {
  auto host = parse_host_address("Node-1.Example.COM");
  ASSERT_TRUE(host);
  EXPECT_EQ(host->address, "node-1.example.com");
  EXPECT_EQ(host->kind, HostAddress::Kind::DnsName);
}

TEST(HostAddressTest, RejectsEachMalformedPartWithItsReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"fd00::5", "IPv6 addresses must be in brackets"},
      {"10.0.0.256", "not a valid IPv4 address"},
      {"10.0.0.1:0", "port '0' is not a number in 1–65535"},
      {"10.0.0.1:", "missing port"},
      {"[fd00::5", "missing ']'"},
      {"[zz::1]:22", "not a valid IPv6 address"},
      {"-bad-.example", "neither an IP address nor a valid DNS name"},
      {"9user@host", "not a valid user name"},
      {"", "empty host"},
      {" host", "surrounding spaces"},
  };
  for (const auto& [text, reason] : cases) {
    auto host = parse_host_address(text);
    ASSERT_FALSE(host) << text;
    EXPECT_NE(host.error().message.find(reason), std::string::npos)
        << text << " -> " << host.error().message;
  }
}

TEST(HostAddressTest, RecognisesBareIpAddressesForResolvers) {
  EXPECT_TRUE(is_ip_address("8.8.8.8"));
  EXPECT_TRUE(is_ip_address("fd00::53"));
  EXPECT_FALSE(is_ip_address("[fd00::53]"));
  EXPECT_FALSE(is_ip_address("dns.example.com"));
}

}  // namespace
}  // namespace dci
