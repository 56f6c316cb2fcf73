#include "util/strings.h"

#include <gtest/gtest.h>

namespace dci {
namespace {

TEST(StringsTest, EditDistanceCountsSingleEdits) {
  EXPECT_EQ(edit_distance("", ""), 0u);
  EXPECT_EQ(edit_distance("master_lst", "master_list"), 1u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
}

TEST(StringsTest, ClosestMatchSuggestsOnlyPlausibleTypos) {
  const std::vector<std::string> keys = {"master_list", "agent_list", "ssh_port"};
  EXPECT_EQ(closest_match("master_lst", keys), "master_list");
  EXPECT_EQ(closest_match("ssh_prot", keys), "ssh_port");
  EXPECT_EQ(closest_match("completely_different", keys), "");
}

TEST(StringsTest, ParseIntRejectsTrailingText) {
  long long value = 0;
  EXPECT_TRUE(parse_int("22", value));
  EXPECT_EQ(value, 22);
  EXPECT_FALSE(parse_int("22x", value));
  EXPECT_FALSE(parse_int("", value));
  EXPECT_FALSE(parse_int("99999999999999999999", value));
}

TEST(StringsTest, FirstUnprintableOffsetFindsNulAndBadUtf8) {
  EXPECT_EQ(first_unprintable_offset("plain: text\n"), std::string_view::npos);
  EXPECT_EQ(first_unprintable_offset("caf\xc3\xa9"), std::string_view::npos);
  EXPECT_EQ(first_unprintable_offset(std::string_view("ab\0c", 4)), 2u);
  EXPECT_EQ(first_unprintable_offset("ab\xff"), 2u);
  EXPECT_EQ(first_unprintable_offset("ab\xc3"), 2u);  // truncated sequence
}

TEST(StringsTest, SplitKeepsEmptyParts) {
  EXPECT_EQ(split("a,,b", ','), (std::vector<std::string>{"a", "", "b"}));
  EXPECT_EQ(join({"a", "b"}, ", "), "a, b");
}

}  // namespace
}  // namespace dci
