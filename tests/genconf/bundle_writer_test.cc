#include "genconf/bundle_writer.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "genconf/sha256.h"
#include "test_support/temp_dir.h"

namespace dci {
namespace {

namespace fs = std::filesystem;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

struct Header {
  std::string path;
  unsigned mode;
  long long mtime;
  long long uid;
  long long gid;
  std::string uname;
  std::string gname;
  std::string content;
};

// Every header of the archive at `path`, in order, read back with libarchive.
std::vector<Header> read_headers(const std::string& path) {
  std::unique_ptr<archive, decltype(&archive_read_free)> reader(archive_read_new(),
                                                                archive_read_free);
  archive_read_support_filter_all(reader.get());
  archive_read_support_format_all(reader.get());
  EXPECT_EQ(archive_read_open_filename(reader.get(), path.c_str(), 1 << 16), ARCHIVE_OK);
  std::vector<Header> headers;
  archive_entry* entry = nullptr;
  while (archive_read_next_header(reader.get(), &entry) == ARCHIVE_OK) {
    Header header{archive_entry_pathname(entry), archive_entry_perm(entry),
                  archive_entry_mtime(entry), archive_entry_uid(entry), archive_entry_gid(entry),
                  archive_entry_uname(entry) ? archive_entry_uname(entry) : "",
                  archive_entry_gname(entry) ? archive_entry_gname(entry) : "", ""};
    char buffer[4096];
    la_ssize_t got;
    while ((got = archive_read_data(reader.get(), buffer, sizeof buffer)) > 0) {
      header.content.append(buffer, static_cast<size_t>(got));
    }
    headers.push_back(header);
  }
  return headers;
}

std::vector<BundleEntry> sample_entries(const std::string& artifact) {
  return {{"etc/b.conf", 0644, "b\n", ""},
          {"bin/tool", 0755, "", artifact},
          {"etc/a.conf", 0600, "a\n", ""},
          {"top", 0644, "top\n", ""}};
}

class BundleWriterTest : public ::testing::TestWithParam<Compression> {
 protected:
  TempDir m_dir{"bundle-writer"};
  std::string artifact() {
    const std::string path = (m_dir.path() / "artifact").string();
    std::ofstream(path, std::ios::binary) << std::string(3 << 20, 'x') << "end";
    return path;
  }
};

TEST_P(BundleWriterTest, SameEntriesGiveTheSameBytesWhateverTheirOrder) {
  const std::string tool = artifact();
  fs::create_directories(m_dir.path() / "one");
  fs::create_directories(m_dir.path() / "two");
  auto entries = sample_entries(tool);
  auto first = write_bundle(entries, (m_dir.path() / "one").string(), "master", GetParam(), 3);
  ASSERT_TRUE(first) << first.error().to_string();
  std::reverse(entries.begin(), entries.end());
  auto second = write_bundle(entries, (m_dir.path() / "two").string(), "master", GetParam(), 3);
  ASSERT_TRUE(second) << second.error().to_string();
  EXPECT_EQ(first->id, second->id);
  EXPECT_EQ(first->file_name, second->file_name);
  EXPECT_EQ(read_file(first->path), read_file(second->path));
  EXPECT_EQ(first->file_name,
            "master--" + first->id + std::string(compression_extension(GetParam())));
  EXPECT_EQ(sha256_of_file(first->path).value(), first->id);
  EXPECT_EQ(fs::file_size(first->path), first->size);
  // Nothing else is left in the directory.
  EXPECT_EQ(std::distance(fs::directory_iterator(m_dir.path() / "one"), fs::directory_iterator()), 1);
}

TEST_P(BundleWriterTest, HeadersAreSortedWithFixedTimesAndOwners) {
  fs::create_directories(m_dir.path() / "out");
  auto bundle = write_bundle(sample_entries(artifact()), (m_dir.path() / "out").string(), "agent",
                             GetParam(), 3);
  ASSERT_TRUE(bundle) << bundle.error().to_string();
  const auto headers = read_headers(bundle->path);
  std::vector<std::string> paths;
  for (const Header& header : headers) {
    paths.push_back(header.path);
    EXPECT_EQ(header.mtime, 0) << header.path;
    EXPECT_EQ(header.uid, 0) << header.path;
    EXPECT_EQ(header.gid, 0) << header.path;
    EXPECT_EQ(header.uname, "root") << header.path;
    EXPECT_EQ(header.gname, "root") << header.path;
  }
  EXPECT_EQ(paths, (std::vector<std::string>{"bin/", "bin/tool", "etc/", "etc/a.conf",
                                             "etc/b.conf", "top"}));
  EXPECT_EQ(headers[1].mode, 0755u);
  EXPECT_EQ(headers[1].content.size(), (3u << 20) + 3);
  EXPECT_EQ(headers[3].mode, 0600u);
  EXPECT_EQ(headers[3].content, "a\n");
}

TEST_P(BundleWriterTest, ContentChangesTheId) {
  fs::create_directories(m_dir.path() / "out");
  auto entries = sample_entries(artifact());
  auto first = write_bundle(entries, (m_dir.path() / "out").string(), "m", GetParam(), 3);
  entries[0].content = "b changed\n";
  auto second = write_bundle(entries, (m_dir.path() / "out").string(), "m", GetParam(), 3);
  ASSERT_TRUE(first && second);
  EXPECT_NE(first->id, second->id);
}

INSTANTIATE_TEST_SUITE_P(Compressions, BundleWriterTest,
                         ::testing::Values(Compression::Zstd, Compression::Gzip, Compression::None),
                         [](const auto& info) { return std::string(compression_name(info.param)); });

TEST(BundleWriterGzipTest, HeaderHasNoTimestampOrName) {
  TempDir dir("bundle-gzip");
  auto bundle = write_bundle({{"a", 0644, "a", ""}}, dir.path().string(), "x", Compression::Gzip, 6);
  ASSERT_TRUE(bundle);
  const std::string bytes = read_file(bundle->path);
  ASSERT_GE(bytes.size(), 10u);
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(bytes[1]), 0x8b);
  EXPECT_EQ(bytes[3] & 0x08, 0) << "FNAME flag set";
  EXPECT_EQ(bytes.substr(4, 4), std::string(4, '\0')) << "MTIME set";
}

TEST(BundleWriterErrorTest, AMissingArtifactFailsAndLeavesNothing) {
  TempDir dir("bundle-missing");
  auto bundle = write_bundle({{"bin/x", 0755, "", (dir.path() / "nope").string()}},
                             dir.path().string(), "x", Compression::Zstd, 3);
  ASSERT_FALSE(bundle);
  EXPECT_NE(bundle.error().to_string().find("nope"), std::string::npos);
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

TEST(Sha256Test, KnownVector) {
  EXPECT_EQ(Sha256::hex_of("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

}  // namespace
}  // namespace dci
