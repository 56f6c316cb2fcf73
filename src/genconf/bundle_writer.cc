#include "genconf/bundle_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "genconf/sha256.h"

namespace dci {
namespace {

namespace fs = std::filesystem;

struct ArchiveFree {
  void operator()(archive* handle) const { archive_write_free(handle); }
};
struct EntryFree {
  void operator()(archive_entry* entry) const { archive_entry_free(entry); }
};
struct FileClose {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;
using EntryPtr = std::unique_ptr<archive_entry, EntryFree>;
using FilePtr = std::unique_ptr<std::FILE, FileClose>;

// Where libarchive's output goes: the file, and the hash that becomes the id.
struct Sink {
  std::FILE* file = nullptr;
  Sha256 hash;
  std::uint64_t size = 0;
  int error = 0;
};

la_ssize_t write_callback(archive*, void* data, const void* buffer, size_t length) {
  auto* sink = static_cast<Sink*>(data);
  if (std::fwrite(buffer, 1, length, sink->file) != length) {
    sink->error = errno;
    return -1;
  }
  sink->hash.update(std::string_view(static_cast<const char*>(buffer), length));
  sink->size += length;
  return static_cast<la_ssize_t>(length);
}

// A new or truncated file of exactly `mode` (whatever the umask), open for writing; the mode is
// set before any byte is written. nullptr with errno set on failure.
FilePtr create_file(const std::string& path, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
  if (fd < 0) return nullptr;
  if (::fchmod(fd, mode) != 0) {
    const int error = errno;
    ::close(fd);
    errno = error;
    return nullptr;
  }
  std::FILE* file = ::fdopen(fd, "wb");
  if (!file) {
    const int error = errno;
    ::close(fd);
    errno = error;
  }
  return FilePtr(file);
}

// Removes the partial file unless released.
class PartialFile {
 public:
  explicit PartialFile(std::string path) : m_path(std::move(path)) {}
  ~PartialFile() {
    if (!m_path.empty()) {
      std::error_code ec;
      fs::remove(m_path, ec);
    }
  }
  PartialFile(const PartialFile&) = delete;
  PartialFile& operator=(const PartialFile&) = delete;
  const std::string& path() const { return m_path; }
  void release() { m_path.clear(); }

 private:
  std::string m_path;
};

class TarWriter {
 public:
  TarWriter(archive* handle) : m_archive(handle) {}

  Status directory(const std::string& path) {
    EntryPtr entry(archive_entry_new());
    fill_header(entry.get(), path + "/", AE_IFDIR, k_bundle_directory_mode, 0);
    return header(entry.get(), path);
  }

  Status file(const BundleEntry& file) {
    std::uint64_t size = file.content.size();
    std::ifstream in;
    if (!file.source_file.empty()) {
      std::error_code ec;
      size = fs::file_size(file.source_file, ec);
      if (ec) return Error{"cannot read: " + ec.message(), file.source_file};
      in.open(file.source_file, std::ios::binary);
      if (!in) return Error{std::string("cannot open: ") + std::strerror(errno), file.source_file};
    }
    EntryPtr entry(archive_entry_new());
    fill_header(entry.get(), file.path, AE_IFREG, file.mode, size);
    if (auto status = header(entry.get(), file.path); !status) return status;
    if (file.source_file.empty()) return data(file.content, file.path);
    std::vector<char> buffer(1 << 20);
    std::uint64_t copied = 0;
    while (in && copied < size) {
      in.read(buffer.data(), static_cast<std::streamsize>(std::min<std::uint64_t>(buffer.size(), size - copied)));
      const auto got = static_cast<size_t>(in.gcount());
      if (got == 0) break;
      if (auto status = data(std::string_view(buffer.data(), got), file.path); !status) return status;
      copied += got;
    }
    if (copied != size) return Error{"file changed while it was being packed", file.source_file};
    return Ok{};
  }

 private:
  static void fill_header(archive_entry* entry, const std::string& path, unsigned type,
                          unsigned mode, std::uint64_t size) {
    archive_entry_set_pathname(entry, path.c_str());
    archive_entry_set_filetype(entry, type);
    archive_entry_set_perm(entry, mode);
    archive_entry_set_size(entry, static_cast<la_int64_t>(size));
    archive_entry_set_mtime(entry, 0, 0);
    archive_entry_set_uid(entry, 0);
    archive_entry_set_gid(entry, 0);
    archive_entry_set_uname(entry, "root");
    archive_entry_set_gname(entry, "root");
  }

  Status header(archive_entry* entry, const std::string& path) {
    if (archive_write_header(m_archive, entry) != ARCHIVE_OK) return failure(path);
    return Ok{};
  }

  Status data(std::string_view bytes, const std::string& path) {
    if (archive_write_data(m_archive, bytes.data(), bytes.size()) !=
        static_cast<la_ssize_t>(bytes.size())) {
      return failure(path);
    }
    return Ok{};
  }

  Error failure(const std::string& path) const {
    const char* message = archive_error_string(m_archive);
    return Error{std::string("cannot write to the bundle: ") + (message ? message : "unknown error"),
                 path};
  }

  archive* m_archive;
};

Status set_compression(archive* handle, Compression compression, int level) {
  int status = ARCHIVE_OK;
  const std::string level_text = std::to_string(level);
  switch (compression) {
    case Compression::Zstd:
      status = archive_write_add_filter_zstd(handle);
      if (status == ARCHIVE_OK) {
        status = archive_write_set_filter_option(handle, "zstd", "compression-level",
                                                 level_text.c_str());
      }
      break;
    case Compression::Gzip:
      status = archive_write_add_filter_gzip(handle);
      // No timestamp (and libarchive writes no file name) in the gzip header.
      if (status == ARCHIVE_OK) {
        status = archive_write_set_filter_option(handle, "gzip", "timestamp", nullptr);
      }
      if (status == ARCHIVE_OK) {
        status = archive_write_set_filter_option(handle, "gzip", "compression-level",
                                                 level_text.c_str());
      }
      break;
    case Compression::None:
      status = archive_write_add_filter_none(handle);
      break;
  }
  if (status != ARCHIVE_OK) {
    const char* message = archive_error_string(handle);
    return Error{std::string("libarchive: cannot set up ") +
                 std::string(compression_name(compression)) + ": " + (message ? message : "?")};
  }
  return Ok{};
}

}  // namespace

std::string_view compression_name(Compression compression) {
  switch (compression) {
    case Compression::Zstd: return "zstd";
    case Compression::Gzip: return "gzip";
    case Compression::None: return "none";
  }
  return "?";
}

std::string_view compression_extension(Compression compression) {
  switch (compression) {
    case Compression::Zstd: return ".tar.zst";
    case Compression::Gzip: return ".tar.gz";
    case Compression::None: return ".tar";
  }
  return "";
}

std::optional<Compression> compression_from_name(std::string_view name) {
  for (Compression compression : {Compression::Zstd, Compression::Gzip, Compression::None}) {
    if (compression_name(compression) == name) return compression;
  }
  return std::nullopt;
}

Result<WrittenBundle> write_bundle(std::vector<BundleEntry> entries, const std::string& directory,
                                   const std::string& name_prefix, Compression compression,
                                   int compression_level) {
  std::sort(entries.begin(), entries.end(),
            [](const BundleEntry& a, const BundleEntry& b) { return a.path < b.path; });
  const bool holds_secret = std::any_of(
      entries.begin(), entries.end(), [](const BundleEntry& entry) { return entry.holds_secret; });
  PartialFile partial((fs::path(directory) / ("." + name_prefix + ".partial")).string());
  FilePtr file = create_file(partial.path(), holds_secret ? 0600 : 0644);
  if (!file) return Error{std::string("cannot create: ") + std::strerror(errno), partial.path()};
  Sink sink;
  sink.file = file.get();

  ArchivePtr handle(archive_write_new());
  if (!handle) return Error{"libarchive: out of memory"};
  if (auto status = set_compression(handle.get(), compression, compression_level); !status) {
    return status.error();
  }
  archive_write_set_format_pax_restricted(handle.get());
  archive_write_set_bytes_in_last_block(handle.get(), 1);  // no padding after the stream
  if (archive_write_open(handle.get(), &sink, nullptr, write_callback, nullptr) != ARCHIVE_OK) {
    return Error{std::string("libarchive: ") + archive_error_string(handle.get()), partial.path()};
  }

  // Each directory is written just before the first file under it, so the order is a function
  // of the sorted paths alone.
  TarWriter tar(handle.get());
  std::set<std::string> written;
  for (const BundleEntry& entry : entries) {
    for (size_t slash = entry.path.find('/'); slash != std::string::npos;
         slash = entry.path.find('/', slash + 1)) {
      const std::string parent = entry.path.substr(0, slash);
      if (written.insert(parent).second) {
        if (auto status = tar.directory(parent); !status) return status.error();
      }
    }
    if (auto status = tar.file(entry); !status) return status.error();
  }
  if (archive_write_close(handle.get()) != ARCHIVE_OK) {
    const char* message = archive_error_string(handle.get());
    return Error{std::string("cannot finish the bundle: ") + (message ? message : "?"),
                 partial.path()};
  }
  handle.reset();
  if (sink.error != 0 || std::fflush(file.get()) != 0 || std::fclose(file.release()) != 0) {
    return Error{std::string("cannot write: ") + std::strerror(sink.error ? sink.error : errno),
                 partial.path()};
  }

  WrittenBundle bundle;
  bundle.id = sink.hash.hex_digest();
  bundle.size = sink.size;
  bundle.holds_secret = holds_secret;
  bundle.file_name = name_prefix + "--" + bundle.id + std::string(compression_extension(compression));
  bundle.path = (fs::path(directory) / bundle.file_name).string();
  std::error_code ec;
  fs::rename(partial.path(), bundle.path, ec);
  if (ec) return Error{"cannot rename into place: " + ec.message(), bundle.path};
  partial.release();
  return bundle;
}

}  // namespace dci
