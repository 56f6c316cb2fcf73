#pragma once
// Text from hosts made safe for the operator's terminal: a host may print escape sequences
// (retitle the window, write the clipboard through OSC 52, move the cursor to hide lines).

#include <string>
#include <string_view>

namespace dci {

// `text` with every C0 control except '\n' and '\t' (ESC, BEL, '\r' not followed by '\n', ...),
// DEL and every C1 control (U+0080–U+009F) written as a visible escape such as "\x1b", and every
// byte that is not valid UTF-8 written as U+FFFD. "\r\n" becomes "\n". Printable text, valid
// multibyte characters included, is unchanged.
std::string terminal_safe(std::string_view text);

}  // namespace dci
