#include "util/terminal_text.h"

#include <gtest/gtest.h>

namespace dci {
namespace {

TEST(TerminalTextTest, PrintableTextNewlinesTabsAndMultibyteCharactersAreKept) {
  EXPECT_EQ(terminal_safe("ok\tdone ✔ état\nnext\n"), "ok\tdone ✔ état\nnext\n");
  EXPECT_EQ(terminal_safe("a\r\nb\r\n"), "a\nb\n");
}

TEST(TerminalTextTest, EscapeSequencesAndC0ControlsBecomeVisible) {
  // OSC 52 (clipboard write), a title change ended by BEL, cursor-up + erase-line.
  EXPECT_EQ(terminal_safe("\x1b]52;c;aGk=\x07"), "\\x1b]52;c;aGk=\\x07");
  EXPECT_EQ(terminal_safe("x\x1b[1A\x1b[2Ky"), "x\\x1b[1A\\x1b[2Ky");
  EXPECT_EQ(terminal_safe("fake\rreal"), "fake\\x0dreal");
  EXPECT_EQ(terminal_safe(std::string("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(terminal_safe("del\x7f"), "del\\x7f");
}

TEST(TerminalTextTest, C1ControlsAndInvalidUtf8AreNeutralised) {
  EXPECT_EQ(terminal_safe("\xc2\x9b" "31m"), "\\x9b31m");  // CSI as a C1 character
  EXPECT_EQ(terminal_safe("\x9b" "31m"), "\xEF\xBF\xBD" "31m");  // a lone 8-bit CSI byte
  EXPECT_EQ(terminal_safe("a\xff" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(terminal_safe("\xe2\x9c"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // a cut character
  EXPECT_EQ(terminal_safe("\xc0\xaf"), "\xEF\xBF\xBD\xEF\xBF\xBD");  // overlong '/'
  EXPECT_EQ(terminal_safe("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}

}  // namespace
}  // namespace dci
