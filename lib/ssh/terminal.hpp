// What a device's CLI sends is meant for a terminal: this turns it into plain text lines
// (control sequences stripped, backspaces and carriage returns applied, echo and pager prompts removed).
#pragma once

#include <string>
#include <string_view>

namespace nockit::ssh {

/// Renders terminal output as plain text the way a terminal would show it: ANSI/VT100 escape
/// sequences and other control characters are dropped, backspace and carriage return overwrite
/// earlier characters on the line, "\r\n" becomes "\n", and trailing blanks on each line go.
std::string render_terminal(std::string_view raw);

/// Removes the device's echo of `command` from the start of `output` (the first line, when it
/// is the command as typed, possibly after the prompt).
std::string strip_echo(std::string_view output, std::string_view command);

/// The last line of `text` (after the last newline), the place where prompts and pager prompts appear.
std::string_view last_line(std::string_view text);

/// Text with every non-printable byte shown as \xNN, safe to print on a terminal.
std::string printable(std::string_view text);

}  // namespace nockit::ssh
