#include "state/capped_output.h"

#include <gtest/gtest.h>

namespace dci {
namespace {

TEST(CappedOutputTest, KeepsEverythingUnderTheCap) {
  CappedOutput output(8, 8);
  output.append("hello ");
  output.append("world");
  EXPECT_EQ(output.text(), "hello world");
  EXPECT_FALSE(output.truncated());
}

TEST(CappedOutputTest, KeepsHeadAndTailAndCountsWhatItDropped) {
  CappedOutput output(4, 6);
  for (char c = 'a'; c <= 'z'; ++c) output.append(std::string(1, c));  // one byte per chunk
  EXPECT_EQ(output.text(), "abcd" + dropped_output_marker(16) + "uvwxyz");
  EXPECT_TRUE(output.truncated());
  EXPECT_EQ(output.dropped_bytes(), 16u);
  EXPECT_EQ(output.stored_bytes(), 10u);
}

TEST(CappedOutputTest, ChunksLargerThanTheTailAndRingWrapsAgree) {
  const std::string text = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ";
  for (size_t chunk = 1; chunk <= text.size(); ++chunk) {
    CappedOutput output(5, 7);
    for (size_t at = 0; at < text.size(); at += chunk) output.append(text.substr(at, chunk));
    EXPECT_EQ(output.text(), "01234" + dropped_output_marker(text.size() - 12) + "DEFGHIJ")
        << "chunk " << chunk;
    EXPECT_EQ(output.stored_bytes(), 12u);
  }
}

TEST(CappedOutputTest, MarkerNamesTheDroppedBytes) {
  EXPECT_EQ(dropped_output_marker(12345), "\n[… 12345 bytes of output dropped …]\n");
}

}  // namespace
}  // namespace dci
