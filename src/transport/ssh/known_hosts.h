#pragma once
// An in-memory known_hosts (OpenSSH format), read once per run instead of once per connection:
// plain and hashed (|1|salt|hash) names, `[host]:port`, comma lists, `*`/`?` wildcards, `!`
// negation, @revoked; @cert-authority lines are ignored. New keys (accept-new) are appended
// under flock(2), so concurrent runs do not interleave lines. Single-threaded.

#include <string>
#include <vector>

#include "util/result.h"

namespace dci::transport {

class KnownHosts {
 public:
  enum class Verdict { Match, Unknown, Changed, Revoked };

  // A missing file is an empty store (accept-new creates it).
  static Result<KnownHosts> load(const std::string& path);

  // The name known_hosts uses: "host" for port 22, else "[host]:port".
  static std::string host_name(const std::string& host, int port);

  // `key_type` as in known_hosts ("ssh-ed25519"), `key_base64` the key blob.
  Verdict check(const std::string& host, int port, const std::string& key_type,
                const std::string& key_base64) const;

  // Key types recorded for the host, in file order (to ask the server for a key we can check).
  std::vector<std::string> key_types(const std::string& host, int port) const;

  // Records the key in memory and appends it to the file (creating the file, mode 0600, and its
  // directory, mode 0700, when missing).
  Status add(const std::string& host, int port, const std::string& key_type,
             const std::string& key_base64);

  const std::string& path() const { return m_path; }
  size_t size() const { return m_entries.size(); }

 private:
  struct Entry {
    std::vector<std::string> patterns;  // plain patterns, "!" prefix kept
    std::string hashed_salt;            // decoded; empty when not hashed
    std::string hashed_digest;          // decoded HMAC-SHA1
    std::string key_type;
    std::string key_base64;
    bool revoked = false;
  };
  bool matches(const Entry& entry, const std::string& name) const;

  std::string m_path;
  std::vector<Entry> m_entries;
};

// Glob match with `*` and `?` (OpenSSH's match_pattern).
bool glob_match(const std::string& pattern, const std::string& text);

}  // namespace dci::transport
