#pragma once
// The cause key of a failed host: what failed, with the parts that differ from host to host
// taken out, so that 170 hosts failing for one reason make one group, not 170 rows.
//
//   check requirements-port-2379: port 2379 is in use; the agent role needs it free
//   unreachable: connection refused
//   auth: key rejected
//   install: install.sh failed (exited N)
//
// Defined here once (docs/events.md, "Failure causes"); the stage summary event, the state
// (host_stages.cause), `dcinstall status`, the API and the support bundle all use these keys.
// Pure functions and a plain grouping class: no I/O, not thread-safe (use one per thread).

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace dci {

// `text` with what is host-specific replaced: addresses (IPv4, IPv6, with a port) by <addr>,
// sizes ("512 MB", "3.2 GiB", "1024 bytes") by <size>, hex ids of 8 or more characters (bundle
// ids, hashes) by <id>, mktemp names by tmp.*, and standalone numbers by N (counts, durations,
// pids, path components like /proc/1234). Kept: numbers that name something the same on every
// host (after "port"/"ports", after "exit"/"exited"/"status", inside words such as
// "requirements-port-2379" or "sda1"). A leading "host <id>: " is dropped, runs of spaces
// become one, and the key is cut to k_max_cause_length bytes.
std::string normalise_failure_text(std::string_view text);

// The cause of a host's failure from the error text a stage records (HostFinished::error) and
// the step that failed ("" when unknown, e.g. rows of an older state file). The transport's
// errors ("unreachable: host H: connect-refused: ...", "host H: auth-failed: ...") become their
// code's phrase: "unreachable: connection refused", "unreachable: connect timeout",
// "unreachable: no route to host", "unreachable: name does not resolve", "unreachable:
// connection lost", "auth: key rejected", "auth: host key unknown", "auth: host key changed",
// "<step>: timed out", "<step>: command not found"; anything else "<step>: <normalised error>".
std::string failure_cause(std::string_view step, std::string_view error);

// The cause of a host whose checks failed: each failed check ("name: message", as install.sh
// prints them after FAILED) as "check <name>: <normalised message>", joined by "; ".
std::string check_failure_cause(const std::vector<std::string>& failed_checks);

inline constexpr size_t k_max_cause_length = 240;
inline constexpr size_t k_cause_examples = 3;

// "10.0.0.9:22" < "10.0.0.10:22": runs of digits compare as numbers.
bool host_natural_less(std::string_view a, std::string_view b);

// One cause and the hosts that failed with it.
struct FailureGroup {
  std::string cause;
  int count = 0;
  std::vector<std::string> examples;  // the first hosts in natural order, at most the limit
};

// Groups failures by cause. Examples are the smallest hosts (host_natural_less) of each group,
// so the groups do not depend on the order hosts finished in.
class FailureGrouper {
 public:
  explicit FailureGrouper(size_t examples = k_cause_examples) : m_examples(examples) {}

  void add(std::string_view host, std::string_view cause);
  int total() const { return m_total; }
  // Largest first; equal counts by cause.
  std::vector<FailureGroup> groups() const;

 private:
  size_t m_examples;
  int m_total = 0;
  std::vector<FailureGroup> m_groups;
  std::unordered_map<std::string, size_t> m_index;  // cause -> index in m_groups
};

}  // namespace dci
