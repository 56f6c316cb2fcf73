#include "orchestrator/failure_cause.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <utility>

#include "transport/transport_error.h"

namespace dci {
namespace {

using transport::ErrorCode;

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_alnum(char c) {
  return is_digit(c) || is_alpha(c);
}
bool is_hex(char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trimmed(std::string_view text) {
  while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
  while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
  return text;
}

bool consume(std::string_view& text, std::string_view prefix) {
  if (text.substr(0, prefix.size()) != prefix) return false;
  text.remove_prefix(prefix.size());
  return true;
}

// Drops a leading "host <id>: " (the transport's and the runner's prefix).
std::string_view without_host_prefix(std::string_view text) {
  if (text.substr(0, 5) != "host ") return text;
  const size_t colon = text.find(": ", 5);
  if (colon == std::string_view::npos) return text;
  const std::string_view id = text.substr(5, colon - 5);
  if (id.empty() || id.find(' ') != std::string_view::npos) return text;
  return text.substr(colon + 2);
}

// Length of digits{1,3} at `i`, 0 if none.
size_t octet_at(std::string_view text, size_t i) {
  size_t n = 0;
  while (i + n < text.size() && is_digit(text[i + n]) && n < 4) ++n;
  return n >= 1 && n <= 3 ? n : 0;
}

// Length of ":digits" at `i` (a port after an address), 0 if none.
size_t port_at(std::string_view text, size_t i) {
  if (i >= text.size() || text[i] != ':') return 0;
  size_t n = 1;
  while (i + n < text.size() && is_digit(text[i + n])) ++n;
  return n > 1 ? n : 0;
}

// Length of an IPv4 address (with an optional port) at `i`, 0 if none.
size_t ipv4_at(std::string_view text, size_t i) {
  size_t at = i;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (at >= text.size() || text[at] != '.') return 0;
      ++at;
    }
    const size_t n = octet_at(text, at);
    if (n == 0) return 0;
    at += n;
  }
  if (at + 1 < text.size() && text[at] == '.' && is_digit(text[at + 1])) return 0;
  if (at < text.size() && is_alnum(text[at])) return 0;
  return at - i + port_at(text, at);
}

// Length of a bare IPv6 address at `i`, 0 if none: hex digits and colons with "::", a hex
// letter or at least four colons (so "12:34:56" stays a time).
size_t ipv6_at(std::string_view text, size_t i) {
  size_t n = 0;
  int colons = 0;
  bool letter = false;
  bool double_colon = false;
  while (i + n < text.size() && (is_hex(text[i + n]) || text[i + n] == ':')) {
    if (text[i + n] == ':') {
      ++colons;
      if (n > 0 && text[i + n - 1] == ':') double_colon = true;
    } else if (!is_digit(text[i + n])) {
      letter = true;
    }
    ++n;
  }
  while (n > 0 && text[i + n - 1] == ':' && !(n > 1 && text[i + n - 2] == ':')) {
    --n;  // "fe80::1:" ends before the trailing colon
    --colons;
  }
  if (i + n < text.size() && (is_alnum(text[i + n]) || text[i + n] == '.')) return 0;
  if (colons < 2 || !(double_colon || letter || colons >= 4)) return 0;
  return n;
}

// Length of "[v6]" with an optional port at `i`, 0 if none.
size_t bracketed_ipv6_at(std::string_view text, size_t i) {
  if (text[i] != '[') return 0;
  const size_t close = text.find(']', i);
  if (close == std::string_view::npos || close - i > 48) return 0;
  const std::string_view inside = text.substr(i + 1, close - i - 1);
  if (inside.find(':') == std::string_view::npos) return 0;
  for (char c : inside) {
    if (!is_hex(c) && c != ':' && c != '.' && c != '%') return 0;
  }
  return close + 1 - i + port_at(text, close + 1);
}

// Length of a hex id (8+ hex characters with a digit and a letter) at `i`, 0 if none.
size_t hex_id_at(std::string_view text, size_t i) {
  size_t n = 0;
  bool digit = false;
  bool letter = false;
  while (i + n < text.size() && is_alnum(text[i + n])) {
    if (!is_hex(text[i + n])) return 0;
    (is_digit(text[i + n]) ? digit : letter) = true;
    ++n;
  }
  return n >= 8 && digit && letter ? n : 0;
}

// Length of digits with ".digits" parts at `i`.
size_t number_at(std::string_view text, size_t i) {
  size_t n = 0;
  while (i + n < text.size() && is_digit(text[i + n])) ++n;
  while (i + n + 1 < text.size() && text[i + n] == '.' && is_digit(text[i + n + 1])) {
    n += 2;
    while (i + n < text.size() && is_digit(text[i + n])) ++n;
  }
  return n;
}

// Length of a size unit (with the space before it) at `i`, 0 if none.
size_t unit_at(std::string_view text, size_t i) {
  static constexpr std::array<std::string_view, 16> k_units{
      "bytes", "byte", "KiB", "MiB", "GiB", "TiB", "kB", "KB",
      "MB",    "GB",   "TB",  "B",   "K",   "M",   "G",  "T"};
  const size_t space = i < text.size() && text[i] == ' ' ? 1 : 0;
  for (std::string_view unit : k_units) {
    if (text.substr(i + space, unit.size()) != unit) continue;
    const size_t end = i + space + unit.size();
    if (end < text.size() && is_alnum(text[end])) continue;
    return space + unit.size();
  }
  return 0;
}

// The word just before the end of `out` (spaces skipped), lower-cased.
std::string previous_word(const std::string& out) {
  size_t end = out.size();
  while (end > 0 && out[end - 1] == ' ') --end;
  size_t start = end;
  while (start > 0 && is_alpha(out[start - 1])) --start;
  std::string word = out.substr(start, end - start);
  for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return word;
}

bool keeps_number_after(const std::string& word) {
  return word == "port" || word == "ports" || word == "exit" || word == "exited" ||
         word == "status" || word == "code" || word == "signal";
}

// A number glued to a word ("sda1", "requirements-port-2379", "v1.2") names something; one
// after a dot ("x.1234") is a suffix such as a pid's.
bool attached(std::string_view text, size_t i) {
  if (i == 0) return false;
  const char before = text[i - 1];
  if (is_alpha(before) || before == '_') return true;
  return before == '-' && i >= 2 && is_alpha(text[i - 2]);
}

std::string cut(std::string text) {
  if (text.size() <= k_max_cause_length) return text;
  size_t end = k_max_cause_length;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  text.resize(end);
  return text;
}

std::string with_step(std::string_view step, std::string_view text) {
  if (step.empty()) return std::string(text);
  return std::string(step) + ": " + std::string(text);
}

// The phrase of a transport error code, "" for codes whose message is the cause.
std::string_view code_phrase(ErrorCode code) {
  switch (code) {
    case ErrorCode::ConnectRefused:
      return "unreachable: connection refused";
    case ErrorCode::ConnectTimeout:
      return "unreachable: connect timeout";
    case ErrorCode::Unreachable:
      return "unreachable: no route to host";
    case ErrorCode::ResolveFailed:
      return "unreachable: name does not resolve";
    case ErrorCode::AuthFailed:
      return "auth: key rejected";
    case ErrorCode::HostKeyUnknown:
      return "auth: host key unknown";
    case ErrorCode::HostKeyChanged:
      return "auth: host key changed";
    default:
      return "";
  }
}

constexpr std::array<ErrorCode, 15> k_codes{
    ErrorCode::ConnectRefused, ErrorCode::ConnectTimeout,  ErrorCode::ConnectionLost,
    ErrorCode::Unreachable,    ErrorCode::CommandTimeout,  ErrorCode::ChecksumMismatch,
    ErrorCode::ResolveFailed,  ErrorCode::AuthFailed,      ErrorCode::HostKeyUnknown,
    ErrorCode::HostKeyChanged, ErrorCode::CommandNotFound, ErrorCode::RemoteFailure,
    ErrorCode::LocalFailure,   ErrorCode::Protocol,        ErrorCode::Cancelled};

}  // namespace

std::string normalise_failure_text(std::string_view input) {
  const std::string_view text = without_host_prefix(trimmed(input));
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (is_space(c)) {
      if (!out.empty() && out.back() != ' ') out += ' ';
      ++i;
      continue;
    }
    const bool word_start = i == 0 || !(is_alnum(text[i - 1]) || text[i - 1] == '_');
    if (size_t n = bracketed_ipv6_at(text, i)) {
      out += "<addr>";
      i += n;
      continue;
    }
    if (word_start && is_alnum(c)) {
      size_t n = ipv4_at(text, i);
      if (n == 0) n = ipv6_at(text, i);
      if (n > 0) {
        out += "<addr>";
        i += n;
        continue;
      }
      if (text.substr(i, 4) == "tmp.") {
        size_t m = 0;
        while (i + 4 + m < text.size() && is_alnum(text[i + 4 + m])) ++m;
        if (m >= 6) {
          out += "tmp.*";
          i += 4 + m;
          continue;
        }
      }
      if (size_t m = hex_id_at(text, i)) {
        out += "<id>";
        i += m;
        continue;
      }
    }
    const bool signed_number = (c == '+' || c == '-') && i + 1 < text.size() &&
                               is_digit(text[i + 1]) &&
                               (i == 0 || is_space(text[i - 1]) || text[i - 1] == '(');
    if (is_digit(c) || signed_number) {
      const size_t sign = signed_number ? 1 : 0;
      const size_t n = sign + number_at(text, i + sign);
      if (!signed_number && attached(text, i)) {
        out.append(text.substr(i, n));
      } else if (size_t unit = unit_at(text, i + n)) {
        out += "<size>";
        i += unit;
      } else if (i + n < text.size() && is_alpha(text[i + n])) {
        // A word that starts with digits ("2nd", "64bit"): kept as it is.
        size_t end = i + n;
        while (end < text.size() && (is_alnum(text[end]) || text[end] == '_')) ++end;
        out.append(text.substr(i, end - i));
        i = end - n;
      } else if (!signed_number && keeps_number_after(previous_word(out))) {
        out.append(text.substr(i, n));
      } else {
        out += 'N';
      }
      i += n;
      continue;
    }
    if (is_alnum(c)) {
      // The rest of a word (its digits are kept: they are part of a name).
      while (i < text.size() && (is_alnum(text[i]) || text[i] == '_')) out += text[i++];
      continue;
    }
    out += c;
    ++i;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return cut(std::move(out));
}

std::string failure_cause(std::string_view step, std::string_view error) {
  std::string_view text = trimmed(error);
  const bool unreachable = consume(text, "unreachable: ");
  text = without_host_prefix(text);
  for (ErrorCode code : k_codes) {
    const std::string_view name = transport::error_code_name(code);
    if (text.substr(0, name.size()) != name) continue;
    std::string_view message = text.substr(name.size());
    if (!message.empty() && !consume(message, ": ")) continue;
    const std::string_view phrase = code_phrase(code);
    if (!phrase.empty()) return std::string(phrase);
    switch (code) {
      case ErrorCode::ConnectionLost:
        return unreachable ? "unreachable: connection lost" : with_step(step, "connection lost");
      case ErrorCode::CommandTimeout:
        return with_step(step, "timed out");
      case ErrorCode::CommandNotFound:
        return with_step(step, "command not found");
      case ErrorCode::ChecksumMismatch:
        return with_step(step, "upload damaged (checksum mismatch)");
      case ErrorCode::Protocol:
        return cut("ssh: " + normalise_failure_text(message));
      default:
        return cut(with_step(step, normalise_failure_text(message)));
    }
  }
  if (unreachable) return cut("unreachable: " + normalise_failure_text(text));
  if (text.empty()) return with_step(step, "failed");
  return cut(with_step(step, normalise_failure_text(text)));
}

std::string check_failure_cause(const std::vector<std::string>& failed_checks) {
  std::string out;
  for (const std::string& check : failed_checks) {
    if (!out.empty()) out += "; ";
    out += "check " + normalise_failure_text(check);
  }
  return cut(std::move(out));
}

bool host_natural_less(std::string_view a, std::string_view b) {
  size_t i = 0;
  size_t j = 0;
  while (i < a.size() && j < b.size()) {
    if (is_digit(a[i]) && is_digit(b[j])) {
      size_t i_end = i;
      size_t j_end = j;
      while (i_end < a.size() && is_digit(a[i_end])) ++i_end;
      while (j_end < b.size() && is_digit(b[j_end])) ++j_end;
      // Leading zeros aside, a longer run is a larger number.
      size_t i_start = i;
      size_t j_start = j;
      while (i_start + 1 < i_end && a[i_start] == '0') ++i_start;
      while (j_start + 1 < j_end && b[j_start] == '0') ++j_start;
      if (i_end - i_start != j_end - j_start) return i_end - i_start < j_end - j_start;
      const int order =
          a.substr(i_start, i_end - i_start).compare(b.substr(j_start, j_end - j_start));
      if (order != 0) return order < 0;
      i = i_end;
      j = j_end;
      continue;
    }
    if (a[i] != b[j]) return a[i] < b[j];
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

void FailureGrouper::add(std::string_view host, std::string_view cause) {
  ++m_total;
  std::string key(cause);
  auto [it, inserted] = m_index.try_emplace(key, m_groups.size());
  if (inserted) m_groups.push_back({std::move(key), 0, {}});
  FailureGroup& group = m_groups[it->second];
  ++group.count;
  std::vector<std::string>& examples = group.examples;
  if (m_examples == 0) return;
  if (examples.size() == m_examples && !host_natural_less(host, examples.back())) return;
  const auto at = std::upper_bound(examples.begin(), examples.end(), host,
                                   [](std::string_view value, const std::string& element) {
                                     return host_natural_less(value, element);
                                   });
  examples.insert(at, std::string(host));
  if (examples.size() > m_examples) examples.pop_back();
}

std::vector<FailureGroup> FailureGrouper::groups() const {
  std::vector<FailureGroup> out = m_groups;
  std::sort(out.begin(), out.end(), [](const FailureGroup& a, const FailureGroup& b) {
    return a.count != b.count ? a.count > b.count : a.cause < b.cause;
  });
  return out;
}

}  // namespace dci
