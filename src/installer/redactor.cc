#include "installer/redactor.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <cctype>
#include <sstream>

#include "config/raw_config.h"
#include "genconf/expanded_config.h"
#include "util/strings.h"

namespace dci {
namespace {

// A secret key of `schema`, or an unknown key whose closest schema key is one (a misspelled
// secret is still a secret), or any unknown key when the schema fails closed.
bool is_secret_key(const Schema& schema, const std::string& key) {
  if (const KeySpec* spec = schema.find(key)) return spec->secret;
  if (schema.unknown_keys_secret()) return true;
  const std::string closest = closest_match(key, schema.key_names());
  const KeySpec* near = closest.empty() ? nullptr : schema.find(closest);
  return near && near->secret;
}

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}

}  // namespace

Redactor::Redactor(const LoadedConfig& config)
    : Redactor(config, [&config] {
        auto text = read_text_file(config.path);
        return text ? *text : std::string();
      }()) {}

Redactor::Redactor(const LoadedConfig& config, std::string_view config_text) {
  for (const KeySpec& spec : config.schema.keys()) {
    if (!spec.secret) continue;
    m_secret_keys.push_back(spec.key);
    if (const ConfigValue* value = config.result.values.find(spec.key)) {
      for (const std::string& item : value->items) add_value(item);
    }
  }
  std::vector<Diagnostic> ignored;
  const RawConfig raw = parse_raw_config(config_text, config.path, ignored);
  for (const RawEntry& entry : raw.entries) {
    if (!is_secret_key(config.schema, entry.key)) continue;
    if (std::find(m_secret_keys.begin(), m_secret_keys.end(), entry.key) == m_secret_keys.end()) {
      m_secret_keys.push_back(entry.key);
    }
    for (const RawScalar& item : entry.items) add_value(item.text);
  }
  const std::string passphrase_env =
      config.result.valid() ? config.result.values.get_string("ssh_key_passphrase_env") : "";
  if (!passphrase_env.empty()) {
    if (auto passphrase = config.environment.get(passphrase_env)) add_value(*passphrase);
  }
  std::sort(m_values.begin(), m_values.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
  m_values.erase(std::unique(m_values.begin(), m_values.end()), m_values.end());
}

namespace {

// The end of a PEM armor line "-----<word> [A-Z ]*PRIVATE KEY-----" starting at `at`, or npos.
size_t private_key_armor_end(const std::string& text, size_t at, std::string_view word) {
  const std::string start = "-----" + std::string(word) + " ";
  if (text.compare(at, start.size(), start) != 0) return std::string::npos;
  size_t cursor = at + start.size();
  while (cursor < text.size() && (std::isupper(static_cast<unsigned char>(text[cursor])) ||
                                  text[cursor] == ' ')) {
    ++cursor;
  }
  // The run of capitals and spaces must end in "PRIVATE KEY", then the closing dashes.
  constexpr std::string_view k_tail = "PRIVATE KEY-----";
  const size_t run_start = at + start.size();
  if (cursor - run_start < k_tail.size() - 5 ||
      text.compare(cursor - (k_tail.size() - 5), k_tail.size(), k_tail) != 0) {
    return std::string::npos;
  }
  return cursor + 5;
}

}  // namespace

std::string Redactor::without_private_keys(std::string text) {
  // A plain scan (std::regex recurses per character and overflows the stack on large output).
  constexpr std::string_view k_removed = "[private key removed]";
  for (size_t at = text.find("-----BEGIN "); at != std::string::npos;
       at = text.find("-----BEGIN ", at)) {
    if (private_key_armor_end(text, at, "BEGIN") == std::string::npos) {
      at += 1;
      continue;
    }
    // To the END line; an unterminated key (e.g. output cut by a cap) is removed to the end.
    size_t end = text.size();
    for (size_t e = text.find("-----END ", at); e != std::string::npos;
         e = text.find("-----END ", e + 1)) {
      if (const size_t armor_end = private_key_armor_end(text, e, "END");
          armor_end != std::string::npos) {
        end = armor_end;
        break;
      }
    }
    text.replace(at, end - at, k_removed);
    at += k_removed.size();
  }
  return text;
}

void Redactor::add_value(const std::string& value) {
  if (trim(value).empty()) return;
  m_values.push_back(value);
  // The JSON-escaped form, for text that is JSON already.
  const std::string dumped = nlohmann::json(value).dump(-1, ' ', false,
                                                        nlohmann::json::error_handler_t::replace);
  const std::string escaped = dumped.substr(1, dumped.size() - 2);
  if (escaped != value) m_values.push_back(escaped);
  // Each line of a multi-line value (logs and YAML split it).
  if (value.find('\n') != std::string::npos) {
    std::istringstream lines(value);
    for (std::string line; std::getline(lines, line);) {
      if (const std::string trimmed(trim(line)); !trimmed.empty()) add_value(trimmed);
    }
  }
}

std::string Redactor::redact(std::string text) const {
  text = without_private_keys(std::move(text));
  const std::string mask(k_masked_secret);
  for (const std::string& value : m_values) {
    const bool short_value = value.size() < 4;
    for (size_t at = text.find(value); at != std::string::npos; at = text.find(value, at)) {
      const size_t end = at + value.size();
      if (short_value && ((at > 0 && is_word_char(text[at - 1])) ||
                          (end < text.size() && is_word_char(text[end])))) {
        at += 1;
        continue;
      }
      text.replace(at, value.size(), mask);
      at += mask.size();
    }
  }
  return text;
}

std::string Redactor::mask_config(std::string_view yaml) const {
  std::istringstream lines{std::string(yaml)};
  std::string out;
  bool skipping = false;  // inside a secret key's value: its continuation lines are dropped
  char open_quote = 0;    // a secret's quoted scalar goes on until this quote
  for (std::string line; std::getline(lines, line);) {
    if (open_quote) {
      if (line.find(open_quote) != std::string::npos) open_quote = 0;
      continue;
    }
    // Flat YAML: a new key starts at column 0; anything else after a secret key belongs to it
    // (indented continuation lines, block scalars, "- item" lines, a quoted scalar's rest).
    const bool starts_key = !line.empty() && line[0] != ' ' && line[0] != '\t' &&
                            line[0] != '-' && line[0] != '#' && line.find(':') != std::string::npos;
    if (skipping && !starts_key) continue;
    skipping = false;
    const size_t colon = line.find(':');
    if (starts_key && colon != std::string::npos) {
      const std::string key(trim(std::string_view(line).substr(0, colon)));
      if (std::find(m_secret_keys.begin(), m_secret_keys.end(), key) != m_secret_keys.end()) {
        const std::string rest(trim(std::string_view(line).substr(colon + 1)));
        if (!rest.empty() && (rest[0] == '"' || rest[0] == '\'') &&
            rest.find(rest[0], 1) == std::string::npos) {
          open_quote = rest[0];
        }
        line = key + ": \"" + std::string(k_masked_secret) + "\"";
        skipping = true;
      }
    }
    out += line + "\n";
  }
  return redact(out);
}

}  // namespace dci
