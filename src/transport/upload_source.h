#pragma once
// The bytes of an upload and their SHA-256, computed once and shared by every host's upload
// (a 100 MB file sent to 200 hosts is read and hashed once). A file is memory-mapped read-only;
// it must not be modified while uploads run. Immutable after creation: safe to share.

#include <memory>
#include <string>
#include <string_view>

#include "util/result.h"

namespace dci::transport {

class UploadSource {
 public:
  static std::shared_ptr<const UploadSource> from_bytes(std::string bytes);
  // Errors name the file and the reason (missing, unreadable, a directory).
  static Result<std::shared_ptr<const UploadSource>> from_file(const std::string& path);

  UploadSource(const UploadSource&) = delete;
  UploadSource& operator=(const UploadSource&) = delete;
  ~UploadSource();

  std::string_view bytes() const { return m_view; }
  const std::string& sha256_hex() const { return m_sha256; }
  const std::string& origin() const { return m_origin; }  // the path, or "(bytes)"

 private:
  UploadSource() = default;

  std::string m_owned;           // bytes held in memory
  void* m_map = nullptr;         // or a read-only mapping of m_map_size bytes
  size_t m_map_size = 0;
  std::string_view m_view;
  std::string m_sha256;
  std::string m_origin;
};

// Lower-case hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

}  // namespace dci::transport
