#pragma once
// Reproducible bundles: the same entries give the same bytes, so the same id. See
// docs/bundle-format.md for what is fixed (order, times, owners, compression headers).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace dci {

enum class Compression { Zstd, Gzip, None };
std::string_view compression_name(Compression compression);       // "zstd", "gzip", "none"
std::string_view compression_extension(Compression compression);  // ".tar.zst", ".tar.gz", ".tar"
std::optional<Compression> compression_from_name(std::string_view name);

// One regular file of a bundle: its bytes are `content`, or, when `source_file` is not empty,
// the bytes of that file (streamed, for large artifacts).
struct BundleEntry {
  std::string path;  // relative, normalized, no trailing '/'
  unsigned mode = 0644;
  std::string content;
  std::string source_file;
  bool holds_secret = false;  // rendered from a secret parameter: the bundle file is owner-only
};

struct WrittenBundle {
  std::string path;       // directory/file_name
  std::string file_name;  // <name_prefix>--<id><extension>
  std::string id;         // SHA-256 of the file's bytes, 64 hex digits
  std::uint64_t size = 0;
  bool holds_secret = false;  // some entry holds a secret; the file is 0600 (else 0644)
};

// The mode of every directory entry of a bundle: no access for other users, as the files may
// hold secrets (docs/bundle-format.md, "Secrets at rest").
constexpr unsigned k_bundle_directory_mode = 0750;

// Writes `entries` and their parent directories (k_bundle_directory_mode) as a tar into
// `directory` (which must exist), named `<name_prefix>--<id><extension>`, mode 0600 when an
// entry holds a secret, else 0644. Entries are sorted by path; every header has mtime 0,
// uid/gid 0, uname/gname root; the compression stream carries no timestamp or name. A file of
// the same name (same id) is replaced. Nothing is left behind on failure.
Result<WrittenBundle> write_bundle(std::vector<BundleEntry> entries, const std::string& directory,
                                   const std::string& name_prefix, Compression compression,
                                   int compression_level);

}  // namespace dci
