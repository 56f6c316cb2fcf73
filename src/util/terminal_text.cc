#include "util/terminal_text.h"

#include <cstdio>

namespace dci {
namespace {

constexpr std::string_view k_replacement = "\xEF\xBF\xBD";  // U+FFFD

void append_escape(std::string& out, unsigned value) {
  char text[8];
  std::snprintf(text, sizeof text, "\\x%02x", value);
  out += text;
}

// The length of the valid UTF-8 sequence at `at` (1–4), or 0 when it is not one.
size_t utf8_length(std::string_view text, size_t at) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  size_t length = 0;
  unsigned min = 0;
  if (lead >= 0xC2 && lead <= 0xDF) length = 2, min = 0x80;
  else if (lead >= 0xE0 && lead <= 0xEF) length = 3, min = 0x800;
  else if (lead >= 0xF0 && lead <= 0xF4) length = 4, min = 0x10000;
  else return 0;
  if (at + length > text.size()) return 0;
  unsigned code = lead & (0xFF >> (length + 1));
  for (size_t i = 1; i < length; ++i) {
    if ((byte(at + i) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(at + i) & 0x3F);
  }
  if (code < min || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

}  // namespace

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t at = 0; at < text.size();) {
    const auto c = static_cast<unsigned char>(text[at]);
    if (c < 0x80) {
      if (c == '\r' && at + 1 < text.size() && text[at + 1] == '\n') {
        ++at;  // the '\n' follows
      } else if ((c < 0x20 && c != '\n' && c != '\t') || c == 0x7F) {
        append_escape(out, c);
        ++at;
      } else {
        out += static_cast<char>(c);
        ++at;
      }
      continue;
    }
    const size_t length = utf8_length(text, at);
    if (length == 0) {
      out += k_replacement;
      ++at;
    } else if (length == 2 && c == 0xC2 && static_cast<unsigned char>(text[at + 1]) <= 0x9F) {
      append_escape(out, static_cast<unsigned char>(text[at + 1]));  // a C1 control
      at += 2;
    } else {
      out.append(text.substr(at, length));
      at += length;
    }
  }
  return out;
}

}  // namespace dci
