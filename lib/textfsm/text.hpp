// Text handling that must behave exactly like Python's str: UTF-8 decoding, whitespace,
// strip(), splitlines(). TextFSM templates and their inputs are defined in those terms.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace nockit::textfsm::text {

/// Decodes the code point starting at `pos` of valid UTF-8 and advances `pos` past it.
char32_t next_code_point(std::string_view s, std::size_t& pos);

/// Appends `cp` to `out` as UTF-8.
void append_utf8(std::string& out, char32_t cp);

/// Byte offset of the first invalid UTF-8 sequence, or npos when `s` is valid UTF-8.
std::size_t invalid_utf8_at(std::string_view s);

/// `s` with every invalid UTF-8 sequence replaced by U+FFFD, as Python's
/// bytes.decode("utf-8", "replace") does (one replacement per maximal invalid subpart).
std::string repair_utf8(std::string_view s);

/// Python's str.isspace() for one code point.
bool is_space(char32_t cp);

/// Python's str.rstrip() / str.strip() with no argument (Unicode whitespace).
std::string_view rstrip(std::string_view s);
std::string_view strip(std::string_view s);

/// A line of input, and whether it is plain ASCII (no byte >= 0x80 and none of \x1c-\x1f).
struct Line {
    std::string_view text;
    bool plain_ascii;
};

/// Python's str.splitlines() (no terminators kept: lines end at \n, \r, \r\n, \v, \f,
/// \x1c, \x1d, \x1e, U+0085, U+2028 and U+2029), marking the plain-ASCII lines, in one pass.
/// `non_ascii` tells whether any byte is >= 0x80: only then can `s` be invalid UTF-8, which
/// the caller must check (the splitting assumes valid UTF-8).
std::vector<Line> split_marked_lines(std::string_view s, bool& non_ascii);

/// Lines of a text file read in Python's universal-newline mode: split on \n, \r\n and \r only.
std::vector<std::string_view> file_lines(std::string_view s);

/// Python's str.split(separator): every separator splits, empty parts included.
std::vector<std::string_view> split(std::string_view s, char separator);

/// Number of code points in valid UTF-8 (Python's len()).
std::size_t length(std::string_view s);

/// ASCII lower case, as ntc-templates turns Value names into keys (Python's str.lower()
/// for the identifiers templates use).
std::string lower(std::string_view s);

}  // namespace nockit::textfsm::text
