#include "transport/ssh/known_hosts.h"

#include <fcntl.h>
#include <openssl/hmac.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/base64.h"
#include "util/strings.h"

namespace dci::transport {

bool glob_match(const std::string& pattern, const std::string& text) {
  size_t p = 0, t = 0, star = std::string::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

std::string KnownHosts::host_name(const std::string& host, int port) {
  return port == 22 ? host : "[" + host + "]:" + std::to_string(port);
}

Result<KnownHosts> KnownHosts::load(const std::string& path) {
  KnownHosts store;
  store.m_path = path;
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT || !std::filesystem::exists(path)) return store;
    return Error("cannot read known_hosts: " + std::string(std::strerror(errno)), path);
  }
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string first;
    if (!(fields >> first) || first[0] == '#') continue;
    Entry entry;
    std::string hosts = first;
    if (first[0] == '@') {
      if (first == "@cert-authority") continue;
      entry.revoked = first == "@revoked";
      if (!(fields >> hosts)) continue;
    }
    if (!(fields >> entry.key_type >> entry.key_base64)) continue;
    if (starts_with(hosts, "|1|")) {
      const auto parts = split(hosts.substr(3), '|');
      if (parts.size() != 2) continue;
      auto salt = base64_decode(parts[0]);
      auto digest = base64_decode(parts[1]);
      if (!salt || !digest) continue;
      entry.hashed_salt = *salt;
      entry.hashed_digest = *digest;
    } else {
      entry.patterns = split(hosts, ',');
    }
    store.m_entries.push_back(std::move(entry));
  }
  return store;
}

bool KnownHosts::matches(const Entry& entry, const std::string& name) const {
  if (!entry.hashed_salt.empty()) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha1(), entry.hashed_salt.data(), static_cast<int>(entry.hashed_salt.size()),
         reinterpret_cast<const unsigned char*>(name.data()), name.size(), digest, &length);
    return entry.hashed_digest == std::string(reinterpret_cast<char*>(digest), length);
  }
  bool matched = false;
  for (const std::string& pattern : entry.patterns) {
    if (!pattern.empty() && pattern[0] == '!') {
      if (glob_match(pattern.substr(1), name)) return false;
    } else if (glob_match(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

KnownHosts::Verdict KnownHosts::check(const std::string& host, int port,
                                      const std::string& key_type,
                                      const std::string& key_base64) const {
  const std::string name = host_name(host, port);
  bool known = false, match = false;
  for (const Entry& entry : m_entries) {
    if (!matches(entry, name)) continue;
    if (entry.revoked) {
      if (entry.key_base64 == key_base64) return Verdict::Revoked;
      continue;
    }
    known = true;
    if (entry.key_type == key_type && entry.key_base64 == key_base64) match = true;
  }
  if (match) return Verdict::Match;
  return known ? Verdict::Changed : Verdict::Unknown;
}

std::vector<std::string> KnownHosts::key_types(const std::string& host, int port) const {
  const std::string name = host_name(host, port);
  std::vector<std::string> types;
  for (const Entry& entry : m_entries) {
    if (entry.revoked || !matches(entry, name)) continue;
    bool seen = false;
    for (const auto& type : types) seen = seen || type == entry.key_type;
    if (!seen) types.push_back(entry.key_type);
  }
  return types;
}

Status KnownHosts::add(const std::string& host, int port, const std::string& key_type,
                       const std::string& key_base64) {
  Entry entry;
  entry.patterns = {host_name(host, port)};
  entry.key_type = key_type;
  entry.key_base64 = key_base64;
  m_entries.push_back(entry);

  const std::filesystem::path file(m_path);
  std::error_code ignored;
  if (file.has_parent_path() && !std::filesystem::exists(file.parent_path())) {
    std::filesystem::create_directories(file.parent_path(), ignored);
    ::chmod(file.parent_path().c_str(), 0700);
  }
  const int fd = ::open(m_path.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Error("cannot record host key: " + std::string(std::strerror(errno)), m_path);
  ::flock(fd, LOCK_EX);
  // A file written by hand may lack its last newline.
  struct stat info {};
  std::string line;
  if (::fstat(fd, &info) == 0 && info.st_size > 0) {
    char last = '\n';
    if (::pread(fd, &last, 1, info.st_size - 1) == 1 && last != '\n') line = "\n";
  }
  line += entry.patterns[0] + " " + key_type + " " + key_base64 + "\n";
  const bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
  ::flock(fd, LOCK_UN);
  ::close(fd);
  if (!written) return Error("cannot record host key: short write", m_path);
  return Ok{};
}

}  // namespace dci::transport
