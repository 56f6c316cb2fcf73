#include "orchestrator/failure_cause.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace dci {
namespace {

TEST(FailureCauseTest, AddressesBecomeOnePlaceholder) {
  EXPECT_EQ(normalise_failure_text("cannot reach 10.0.0.5 from 192.168.1.20:2380"),
            "cannot reach <addr> from <addr>");
  EXPECT_EQ(normalise_failure_text("peer [fd00::5]:22 and fe80::1 and 2001:db8:0:0:0:0:0:1 left"),
            "peer <addr> and <addr> and <addr> left");
  // Times are not addresses.
  EXPECT_EQ(normalise_failure_text("at 12:34:56"), "at N:N:N");
}

TEST(FailureCauseTest, PortsAndExitCodesAreKeptOtherNumbersAreNot) {
  EXPECT_EQ(normalise_failure_text("port 2379 is in use; the agent role needs it free"),
            "port 2379 is in use; the agent role needs it free");
  EXPECT_EQ(normalise_failure_text("install.sh failed (exited 4)"), "install.sh failed (exited 4)");
  EXPECT_EQ(normalise_failure_text("needs 4 CPUs, this host has 2"),
            "needs N CPUs, this host has N");
  EXPECT_EQ(normalise_failure_text("clock is +12.5 s off the bootstrap machine (at most 5 s)"),
            "clock is N s off the bootstrap machine (at most N s)");
  EXPECT_EQ(normalise_failure_text("still failing after 120 s, pid 4242"),
            "still failing after N s, pid N");
}

TEST(FailureCauseTest, SizesBecomeOnePlaceholder) {
  EXPECT_EQ(normalise_failure_text("needs 2048 MB of RAM, this host has 1024 MB"),
            "needs <size> of RAM, this host has <size>");
  EXPECT_EQ(normalise_failure_text("3.5GiB free, wrote 1024 bytes, 12K left"),
            "<size> free, wrote <size>, <size> left");
}

TEST(FailureCauseTest, HostPartsOfPathsAreNormalisedNamesAreKept) {
  EXPECT_EQ(normalise_failure_text("cannot write /proc/1234/status"),
            "cannot write /proc/N/status");
  EXPECT_EQ(normalise_failure_text("cannot open /tmp/tmp.Xy12abQ9/bundle"),
            "cannot open /tmp/tmp.*/bundle");
  EXPECT_EQ(normalise_failure_text("/var/lib/dcinstall/hosts/10.0.0.7/data is full"),
            "/var/lib/dcinstall/hosts/<addr>/data is full");
  EXPECT_EQ(normalise_failure_text("/dev/sda1 and requirements-port-2379 and etcd3"),
            "/dev/sda1 and requirements-port-2379 and etcd3");
  EXPECT_EQ(normalise_failure_text("bundle 3f2a9c0d1e4b is not 0badc0ffee12"),
            "bundle <id> is not <id>");
}

TEST(FailureCauseTest, SpacesCollapseAndTheHostPrefixGoes) {
  EXPECT_EQ(normalise_failure_text("  host 10.0.0.5:22:   a\n\tb  "), "a b");
  const std::string long_text(1000, 'x');
  EXPECT_EQ(normalise_failure_text(long_text).size(), k_max_cause_length);
}

TEST(FailureCauseTest, TransportErrorsBecomeTheirCodesPhrase) {
  EXPECT_EQ(failure_cause("host facts",
                          "unreachable: host 10.0.0.5:22: connect-refused: TCP connect to "
                          "10.0.0.5:22: Connection refused"),
            "unreachable: connection refused");
  EXPECT_EQ(failure_cause("", "unreachable: host 10.0.0.6:22: connect-timeout: no answer in 5 s"),
            "unreachable: connect timeout");
  EXPECT_EQ(failure_cause("host facts", "unreachable: host [fd00::1]:22: unreachable: no route"),
            "unreachable: no route to host");
  EXPECT_EQ(failure_cause("host facts",
                          "host 10.0.0.5:22: auth-failed: every method was refused (publickey)"),
            "auth: key rejected");
  EXPECT_EQ(failure_cause("x",
                          "host 10.0.0.5:22: host-key-changed: the host key ssh-ed25519 "
                          "SHA256:abc changed"),
            "auth: host key changed");
  EXPECT_EQ(failure_cause("install", "host 10.0.0.5:22: command-timeout: ran past 600 s"),
            "install: timed out");
  EXPECT_EQ(failure_cause("health", "host 10.0.0.9:22: connection-lost: EOF after 3 s"),
            "health: connection lost");
  EXPECT_EQ(failure_cause("upload install.sh",
                          "host 10.0.0.9:22: remote-failure: cannot write /root/x.1234: denied"),
            "upload install.sh: cannot write /root/x.N: denied");
}

TEST(FailureCauseTest, OtherFailuresAreTheStepAndTheNormalisedReason) {
  EXPECT_EQ(
      failure_cause("install", "install.sh failed (exited 3): unpacking into /opt/x took 12 s"),
      "install: install.sh failed (exited 3): unpacking into /opt/x took N s");
  EXPECT_EQ(failure_cause("", "needs 4 CPUs, this host has 2"), "needs N CPUs, this host has N");
  EXPECT_EQ(failure_cause("checks", ""), "checks: failed");
}

TEST(FailureCauseTest, ChecksAreNamedOneByOne) {
  EXPECT_EQ(
      check_failure_cause({"requirements-port-2379: port 2379 is in use; the agent role "
                           "needs it free",
                           "requirements-memory: needs 4096 MB of RAM, this host has 512 MB"}),
      "check requirements-port-2379: port 2379 is in use; the agent role needs it free; "
      "check requirements-memory: needs <size> of RAM, this host has <size>");
}

TEST(FailureCauseTest, SameFailureOnManyHostsIsOneKey) {
  const std::string a = failure_cause(
      "checks", "requirements-disk: needs 1000 MB free under /var/lib/x, 12 MB are free");
  const std::string b = failure_cause(
      "checks", "requirements-disk: needs 1000 MB free under /var/lib/x, 900 MB are free");
  EXPECT_EQ(a, b);
}

TEST(FailureCauseTest, HostsCompareNaturally) {
  EXPECT_TRUE(host_natural_less("10.0.0.9:22", "10.0.0.10:22"));
  EXPECT_FALSE(host_natural_less("10.0.0.10:22", "10.0.0.9:22"));
  EXPECT_TRUE(host_natural_less("a", "ab"));
  EXPECT_FALSE(host_natural_less("a", "a"));
}

TEST(FailureGrouperTest, GroupsTenThousandFailuresLargestFirst) {
  FailureGrouper grouper;
  // 10,000 hosts: 7,000 with a port taken (each its own free count in the text), 2,500
  // unreachable, 500 with too little memory; reported in an order unlike the host order.
  for (int i = 9999; i >= 0; --i) {
    const std::string host =
        "10.0." + std::to_string(i / 250) + "." + std::to_string(i % 250 + 1) + ":22";
    std::string cause;
    if (i % 4 == 0) {
      cause = failure_cause("host facts", "unreachable: host " + host +
                                              ": connect-timeout: TCP connect to " + host +
                                              ": timed out after " + std::to_string(i % 7) + " s");
    } else if (i % 20 == 1) {
      cause = check_failure_cause({"requirements-memory: needs 4096 MB of RAM, this host has " +
                                   std::to_string(i) + " MB"});
    } else {
      cause =
          check_failure_cause({"requirements-port-2379: port 2379 is in use; the agent role "
                               "needs it free"});
    }
    grouper.add(host, cause);
  }
  const std::vector<FailureGroup> groups = grouper.groups();
  ASSERT_EQ(groups.size(), 3u);
  EXPECT_EQ(grouper.total(), 10000);
  EXPECT_EQ(groups[0].cause,
            "check requirements-port-2379: port 2379 is in use; the agent role needs it free");
  EXPECT_EQ(groups[0].count, 7000);
  EXPECT_EQ(groups[1].cause, "unreachable: connect timeout");
  EXPECT_EQ(groups[1].count, 2500);
  EXPECT_EQ(groups[2].cause,
            "check requirements-memory: needs <size> of RAM, this host has <size>");
  EXPECT_EQ(groups[2].count, 500);
  // The smallest hosts, in natural order, whatever order they were added in.
  EXPECT_EQ(groups[1].examples,
            (std::vector<std::string>{"10.0.0.1:22", "10.0.0.5:22", "10.0.0.9:22"}));
  EXPECT_EQ(groups[0].examples,
            (std::vector<std::string>{"10.0.0.3:22", "10.0.0.4:22", "10.0.0.6:22"}));
  EXPECT_EQ(groups[2].examples,
            (std::vector<std::string>{"10.0.0.2:22", "10.0.0.22:22", "10.0.0.42:22"}));
}

TEST(FailureGrouperTest, EqualCountsAreOrderedByCause) {
  FailureGrouper grouper(1);
  grouper.add("h2", "b");
  grouper.add("h1", "a");
  grouper.add("h3", "a");
  grouper.add("h0", "b");
  const auto groups = grouper.groups();
  ASSERT_EQ(groups.size(), 2u);
  EXPECT_EQ(groups[0].cause, "a");
  EXPECT_EQ(groups[0].examples, std::vector<std::string>{"h1"});
  EXPECT_EQ(groups[1].examples, std::vector<std::string>{"h0"});
}

}  // namespace
}  // namespace dci
