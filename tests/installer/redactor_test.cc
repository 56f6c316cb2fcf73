#include "installer/redactor.h"

#include <gtest/gtest.h>

#include <string>

#include "installer/config_loading.h"

namespace dci {
namespace {

// A config whose distribution (a directory that does not exist) fails to load: every key that
// is not an installer key must then count as secret (fail closed).
LoadedConfig broken_distribution_config(const std::string& text) {
  return load_config_text("distribution: /nonexistent/dcinstall-distribution\n" + text,
                          "/nonexistent/config.yaml");
}

TEST(Redactor, MasksAnUnknownKeyWhenTheDistributionDoesNotLoad) {
  const std::string text = "cluster_name: demo\nvendor_password: hunter2-secret\n";
  const LoadedConfig config = broken_distribution_config(text);
  const Redactor redactor(config, "distribution: /nonexistent/dcinstall-distribution\n" + text);
  const std::string out = redactor.redact("login with hunter2-secret now; cluster demo");
  EXPECT_EQ(out.find("hunter2-secret"), std::string::npos) << out;
  EXPECT_NE(out.find("cluster demo"), std::string::npos) << out;  // installer keys are not secret
}

TEST(Redactor, MasksTheJsonEscapedFormAndEachLineOfAMultiLineSecret) {
  const std::string text = "vendor_blob: |\n  first-line-of-secret\n  second \"quoted\" line\n";
  const LoadedConfig config = broken_distribution_config(text);
  const Redactor redactor(config, "distribution: /nonexistent/dcinstall-distribution\n" + text);
  const std::string out =
      redactor.redact("log: first-line-of-secret\njson: {\"v\":\"second \\\"quoted\\\" line\"}");
  EXPECT_EQ(out.find("first-line-of-secret"), std::string::npos) << out;
  EXPECT_EQ(out.find("second \\\"quoted\\\" line"), std::string::npos) << out;
}

TEST(Redactor, ShortSecretsAreMaskedOnlyAsWholeWords) {
  const std::string text = "vendor_pin: 42\n";
  const LoadedConfig config = broken_distribution_config(text);
  const Redactor redactor(config, "distribution: /nonexistent/dcinstall-distribution\n" + text);
  const std::string out = redactor.redact("pin=42 port 4242");
  EXPECT_EQ(out.find("=42 "), std::string::npos) << out;
  EXPECT_NE(out.find("4242"), std::string::npos) << out;
}

TEST(Redactor, RemovesPrivateKeyBlocksAndKeepsTheRest) {
  const std::string text =
      "before\n-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAsecretbody\n"
      "-----END OPENSSH PRIVATE KEY-----\nafter -----BEGIN PUBLIC KEY----- stays";
  const std::string out = Redactor::without_private_keys(text);
  EXPECT_EQ(out, "before\n[private key removed]\nafter -----BEGIN PUBLIC KEY----- stays");
}

TEST(Redactor, RemovesAnUnterminatedPrivateKeyToTheEnd) {
  const std::string out =
      Redactor::without_private_keys("x -----BEGIN RSA PRIVATE KEY-----\nMIIEsecret... [cut]");
  EXPECT_EQ(out, "x [private key removed]");
}

TEST(Redactor, ScansMegabytesOfOutputWithoutExhaustingTheStack) {
  // std::regex recursed per character here and crashed on large output.
  std::string text = "-----BEGIN PRIVATE KEY-----\n" + std::string(4 * 1024 * 1024, 'A');
  EXPECT_EQ(Redactor::without_private_keys(text), "[private key removed]");
  const std::string plain(4 * 1024 * 1024, 'b');
  EXPECT_EQ(Redactor().redact(plain), plain);
}

}  // namespace
}  // namespace dci
