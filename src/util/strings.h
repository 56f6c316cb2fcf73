#pragma once
// String helpers with nothing installer-specific in them.

#include <string>
#include <string_view>
#include <vector>

namespace dci {

std::string_view trim(std::string_view text);
std::vector<std::string> split(std::string_view text, char separator);
std::string join(const std::vector<std::string>& parts, std::string_view separator);
std::string to_lower(std::string_view text);
bool starts_with(std::string_view text, std::string_view prefix);

// Levenshtein distance (insert, delete, substitute each cost 1).
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `word` by edit distance, or "" when none is close enough to be a
// plausible typo (distance at most a third of the longer word, and at least 1 allowed).
std::string closest_match(std::string_view word, const std::vector<std::string>& candidates);

// Parses a whole string as a base-10 integer; false on any stray character or overflow.
bool parse_int(std::string_view text, long long& out);
// Parses a whole string as a finite decimal number.
bool parse_number(std::string_view text, double& out);

// The offset of the first byte that keeps `text` from being printable UTF-8 (valid UTF-8 with no
// NUL, DEL or other C0 control characters except tab, LF, CR), or npos when there is none.
size_t first_unprintable_offset(std::string_view text);

}  // namespace dci
