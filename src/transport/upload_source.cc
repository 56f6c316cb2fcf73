#include "transport/upload_source.h"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace dci::transport {

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr);
  static constexpr char k_hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i) {
    out += k_hex[digest[i] >> 4];
    out += k_hex[digest[i] & 15];
  }
  return out;
}

std::shared_ptr<const UploadSource> UploadSource::from_bytes(std::string bytes) {
  std::shared_ptr<UploadSource> source(new UploadSource());
  source->m_owned = std::move(bytes);
  source->m_view = source->m_owned;
  source->m_sha256 = transport::sha256_hex(source->m_view);
  source->m_origin = "(bytes)";
  return source;
}

Result<std::shared_ptr<const UploadSource>> UploadSource::from_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Error("cannot open: " + std::string(std::strerror(errno)), path);
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return Error("not a regular file", path);
  }
  std::shared_ptr<UploadSource> source(new UploadSource());
  source->m_origin = path;
  if (info.st_size > 0) {
    void* map = ::mmap(nullptr, static_cast<size_t>(info.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) {
      const int error = errno;
      ::close(fd);
      return Error("cannot map: " + std::string(std::strerror(error)), path);
    }
    source->m_map = map;
    source->m_map_size = static_cast<size_t>(info.st_size);
    source->m_view = std::string_view(static_cast<const char*>(map), source->m_map_size);
  }
  ::close(fd);
  source->m_sha256 = transport::sha256_hex(source->m_view);
  return std::shared_ptr<const UploadSource>(std::move(source));
}

UploadSource::~UploadSource() {
  if (m_map) ::munmap(m_map, m_map_size);
}

}  // namespace dci::transport
