#pragma once
// The first pass over config.yaml: YAML text to a flat list of keys with scalar or list values,
// each with its source position. Structure problems (syntax, nested maps, duplicate keys, binary
// data) become diagnostics here; meaning is checked later against the schema.

#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostic.h"
#include "util/result.h"

namespace dci {

struct RawScalar {
  std::string text;
  SourcePosition position;
};

struct RawEntry {
  std::string key;
  SourcePosition key_position;
  SourcePosition value_position;
  bool is_null = false;  // `key:` with no value
  bool is_list = false;
  // One item for a scalar; the list's items otherwise (items that were not scalars are dropped
  // and reported).
  std::vector<RawScalar> items;
};

struct RawConfig {
  std::string file;               // as the user named it; used in every diagnostic
  std::vector<RawEntry> entries;  // in file order, without duplicates
  // Keys that were present but whose value had a shape error (already reported): they count as
  // given, so they are neither "missing" nor defaulted.
  std::vector<std::string> rejected_keys;
  bool is_map = false;  // the text was a YAML map; false after a fatal error

  const RawEntry* find(std::string_view key) const;
};

// Parses `text` (the content of `file_name`). Never throws; every problem is appended to
// `diagnostics` and whatever could be read is returned.
RawConfig parse_raw_config(std::string_view text, const std::string& file_name,
                           std::vector<Diagnostic>& diagnostics);

// Reads a whole file; the error names the path and the OS reason.
Result<std::string> read_text_file(const std::string& path);

}  // namespace dci
