// Python `re` syntax rewritten for PCRE2, following CPython's re/_parser.py token by token so
// that a pattern means the same thing (and a pattern Python rejects is rejected here too).
#define PCRE2_CODE_UNIT_WIDTH 8
#include "textfsm/regex.hpp"

#include "textfsm/text.hpp"

#include <fmt/format.h>
#include <pcre2.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <map>

static_assert(sizeof(PCRE2_SIZE) == sizeof(std::size_t) && PCRE2_UNSET == ~std::size_t{0},
              "Captures reads PCRE2's ovector as size_t");

namespace nockit::textfsm {

namespace {

// Python's MAXREPEAT - 1 on 64-bit builds; larger counts are an OverflowError there.
constexpr std::uint64_t kMaxRepeat = 4294967295ULL;

// Backtracking budget per match attempt. Device output lines are short; a pattern that needs
// more than this on one line is pathological and ends as "no match" instead of a hang.
constexpr std::uint32_t kMatchLimit = 2'000'000;
constexpr std::uint32_t kDepthLimit = 100'000;
constexpr std::uint32_t kHeapLimitKiB = 64 * 1024;

// PCRE2's default limit on nested parentheses.
constexpr int kMaxGroupNesting = 250;

struct PatternError {
    std::string message;
};

bool is_ascii_letter(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }
bool is_octal(char32_t c) { return c >= '0' && c <= '7'; }
bool is_hex(char32_t c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }
int hex_value(char32_t c) {
    if (is_digit(c)) return static_cast<int>(c - '0');
    if (c >= 'a' && c <= 'f') return static_cast<int>(c - 'a' + 10);
    return static_cast<int>(c - 'A' + 10);
}

// Python's str.isidentifier(), exact for ASCII; non-ASCII letters are accepted as Python does
// for the letters templates could plausibly use.
bool is_identifier(const std::u32string& s) {
    if (s.empty()) return false;
    for (std::size_t k = 0; k < s.size(); ++k) {
        const char32_t c = s[k];
        const bool start_ok = c == '_' || is_ascii_letter(c) || (c >= 0x80 && !text::is_space(c));
        if (k == 0 ? !start_ok : !(start_ok || is_digit(c))) return false;
    }
    return true;
}

std::string to_utf8(const std::u32string& s) {
    std::string out;
    for (const char32_t c : s) text::append_utf8(out, c);
    return out;
}

// A literal code point in PCRE2 syntax that means exactly that character, inside or outside
// a class, whatever follows it.
void emit_literal(std::string& out, char32_t cp) {
    if (cp < 0x80 && (is_ascii_letter(cp) || is_digit(cp))) {
        out += static_cast<char>(cp);
    } else if (cp > 0x20 && cp < 0x7F) {
        out += '\\';
        out += static_cast<char>(cp);
    } else {
        out += fmt::format("\\x{{{:x}}}", static_cast<std::uint32_t>(cp));
    }
}

// Python's Unicode \s (str.isspace()) as the body of a PCRE2 class.
constexpr const char* kUnicodeSpace =
    "\\x{9}-\\x{d}\\x{1c}-\\x{20}\\x{85}\\x{a0}\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}\\x{205f}\\x{3000}";
// ASCII \s, \d, \w as class bodies (inside an (?a:...) group of a Unicode pattern).
constexpr const char* kAsciiSpace = "\\x{9}-\\x{d}\\x{20}";
constexpr const char* kAsciiDigit = "0-9";
constexpr const char* kAsciiWord = "A-Za-z0-9_";

// What the item before a quantifier was, for Python's "nothing to repeat" / "multiple repeat".
enum class Last { none, anchor, repeat, item };

class Translator {
public:
    Translator(std::u32string source, Dialect dialect) : s_(std::move(source)), dialect_(dialect) {}

    PcrePattern run() {
        out_.reserve(s_.size() * 2);
        parse_sub(false, 0, false);
        if (i_ < s_.size()) fail("unbalanced parenthesis", i_);
        for (const auto& [group, pos] : condition_refs_)
            if (group > groups_) fail(fmt::format("invalid group reference {}", group), pos);
        PcrePattern p;
        p.text = std::move(out_);
        p.captures = groups_;
        p.names = std::move(names_);
        p.ascii = global_ascii_;
        p.categories = categories_;
        p.max_code_point = max_code_point_;
        if (scan_ == Scan::candidate) first_known_ = true;
        if (first_known_ && !alternation_ && !caseless_) {
            p.first_bytes = first_bytes_;
            p.blank_prefix = blank_prefix_;
            p.blank_min = static_cast<std::uint32_t>(std::min<std::uint64_t>(blank_min_, UINT32_MAX));
        }
        return p;
    }

private:
    void literal(std::string& out, char32_t cp) {
        max_code_point_ = std::max(max_code_point_, cp);
        seen_ = Seen::literal;
        seen_value_ = cp;
        emit_literal(out, cp);
    }

    void allow_first_byte(unsigned b) { first_bytes_[b >> 6] |= std::uint64_t{1} << (b & 63); }
    void allow_first_bytes(unsigned lo, unsigned hi) {
        for (unsigned b = lo; b <= hi; ++b) allow_first_byte(b);
    }

    // Whether the item just seen only ever matches whitespace (\s, a space, a tab).
    bool seen_blank() const {
        if (seen_ == Seen::category) return seen_value_ == 's';
        if (seen_ == Seen::literal) return seen_value_ == ' ' || (seen_value_ >= 0x09 && seen_value_ <= 0x0D);
        return false;
    }

    // A top-level item of the first alternative. Leading whitespace items (\s+, spaces) make a
    // blank prefix; the first other item that consumes a character decides the filter, unless
    // a quantifier makes it optional (see quantified()). Because that item cannot match
    // whitespace, a match must have consumed all the leading whitespace before it.
    void first_item(Last kind) {
        if (scan_ == Scan::candidate) {  // the candidate was not made optional
            first_known_ = true;
            scan_ = Scan::done;
            return;
        }
        if (scan_ != Scan::looking) return;
        if (blank_pending_) {  // the whitespace item before had no quantifier: exactly one
            blank_min_ += 1;
            blank_pending_ = false;
        }
        if (kind == Last::anchor) return;
        if (kind == Last::item && seen_blank()) {
            blank_prefix_ = true;
            blank_pending_ = true;
            return;
        }
        scan_ = Scan::done;
        if (kind != Last::item) return;
        if (seen_ == Seen::literal) {
            std::string utf8;
            text::append_utf8(utf8, seen_value_);
            allow_first_byte(static_cast<unsigned char>(utf8[0]));
        } else if (seen_ == Seen::category && (seen_value_ == 'd' || seen_value_ == 'w')) {
            allow_first_bytes('0', '9');
            if (seen_value_ == 'w') {
                allow_first_bytes('A', 'Z');
                allow_first_bytes('a', 'z');
                allow_first_byte('_');
            }
            allow_first_bytes(0xC2, 0xF4);
        } else if (seen_ == Seen::category && seen_value_ == 'S') {
            allow_first_bytes(0x00, 0x08);
            allow_first_bytes(0x0E, 0x1B);
            allow_first_bytes(0x21, 0xFF);
        } else {
            return;
        }
        scan_ = Scan::candidate;
    }

    void quantified(std::uint64_t min) {
        if (scan_ == Scan::looking && blank_pending_) {
            blank_min_ += min;
            blank_pending_ = false;
            return;
        }
        if (scan_ != Scan::candidate) return;
        first_known_ = min > 0;
        scan_ = Scan::done;
    }

    [[noreturn]] void fail(const std::string& message, std::size_t at) const {
        throw PatternError{fmt::format("{} at position {}", message, at)};
    }
    bool at_end() const { return i_ >= s_.size(); }
    char32_t peek() const { return at_end() ? 0 : s_[i_]; }
    bool next_is(char32_t c) const { return !at_end() && s_[i_] == c; }
    bool take(char32_t c) {
        if (!next_is(c)) return false;
        ++i_;
        return true;
    }

    // Python's getuntil(): characters up to `terminator`, which is consumed.
    std::u32string until(char32_t terminator, const char* what) {
        const std::size_t start = i_;
        std::u32string result;
        while (true) {
            if (at_end()) {
                if (result.empty()) fail(fmt::format("missing {}", what), start);
                fail(fmt::format("missing {}, unterminated name", static_cast<char>(terminator)), start);
            }
            const char32_t c = s_[i_++];
            if (c == '\\' && !at_end()) {  // an escape pair is one token, never the terminator
                result += c;
                result += s_[i_++];
                continue;
            }
            if (c == terminator) {
                if (result.empty()) fail(fmt::format("missing {}", what), start);
                return result;
            }
            result += c;
        }
    }

    // Alternation: a|b|c
    void parse_sub(bool verbose, int nested, bool ascii) {
        // Each group level costs a few stack frames here; PCRE2 refuses deeper nesting anyway.
        if (nested > 2 * kMaxGroupNesting) fail(fmt::format("more than {} nested groups", kMaxGroupNesting), i_);
        bool first_alternative = true;
        while (true) {
            parse_seq(verbose, nested + 1, nested == 0 && first_alternative, ascii);
            if (!take('|')) break;
            out_ += '|';
            first_alternative = false;
            if (nested == 0) alternation_ = true;
            if (nested == 0) verbose = verbose_global_;
        }
    }

    // A sequence of items up to '|' or ')' or the end.
    void parse_seq(bool verbose, int nested, bool first, bool ascii) {
        Last last = Last::none;
        int items = 0;
        while (!at_end()) {
            const char32_t c = peek();
            if (c == '|' || c == ')') break;
            const std::size_t here = i_;
            ++i_;
            if (verbose) {
                if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f') continue;
                if (c == '#') {
                    while (!at_end()) {
                        const char32_t d = s_[i_++];
                        if (d == '\\' && !at_end()) {
                            ++i_;
                            continue;
                        }
                        if (d == '\n') break;
                    }
                    continue;
                }
            }
            if (c == '\\') {
                last = escape(here, ascii);
                if (first) first_item(last);
                ++items;
            } else if (c == '[') {
                char_class(here, ascii);
                seen_ = Seen::other;
                last = Last::item;
                if (first) first_item(last);
                ++items;
            } else if (c == '*' || c == '+' || c == '?' || c == '{') {
                std::uint64_t min = 0, max = kMaxRepeat;
                if (c == '+') min = 1;
                if (c == '?') max = 1;
                if (c == '{') {
                    if (next_is('}')) {
                        literal(out_, '{');
                        last = Last::item;
                        if (first) first_item(last);
                        ++items;
                        continue;
                    }
                    std::u32string lo, hi;
                    while (is_digit(peek())) lo += s_[i_++];
                    if (take(',')) {
                        while (is_digit(peek())) hi += s_[i_++];
                    } else {
                        hi = lo;
                    }
                    if (!take('}')) {
                        i_ = here + 1;
                        literal(out_, '{');
                        last = Last::item;
                        if (first) first_item(last);
                        ++items;
                        continue;
                    }
                    const auto number = [&](const std::u32string& digits) {
                        std::uint64_t v = 0;
                        for (const char32_t d : digits) {
                            v = v * 10 + (d - '0');
                            if (v > kMaxRepeat) throw PatternError{"the repetition number is too large"};
                        }
                        if (v >= kMaxRepeat) throw PatternError{"the repetition number is too large"};
                        return v;
                    };
                    if (!lo.empty()) min = number(lo);
                    if (!hi.empty()) {
                        max = number(hi);
                        if (max < min) fail("min repeat greater than max repeat", here);
                    }
                }
                if (last == Last::none || last == Last::anchor) fail("nothing to repeat", here);
                if (last == Last::repeat) fail("multiple repeat", here);
                if (first) quantified(min);
                if (c == '{') {
                    if (max == kMaxRepeat)
                        out_ += fmt::format("{{{},}}", min);
                    else if (min == max)
                        out_ += fmt::format("{{{}}}", min);
                    else
                        out_ += fmt::format("{{{},{}}}", min, max);
                } else {
                    out_ += static_cast<char>(c);
                }
                if (take('?'))
                    out_ += '?';
                else if (take('+'))
                    out_ += '+';
                last = Last::repeat;
            } else if (c == '.') {
                out_ += '.';
                seen_ = Seen::other;
                last = Last::item;
                if (first) first_item(last);
                ++items;
            } else if (c == '^' || c == '$') {
                out_ += static_cast<char>(c);
                last = Last::anchor;
                if (first) first_item(last);
                ++items;
            } else if (c == '(') {
                const auto result = group(here, verbose, nested, first && items == 0, ascii);
                if (result == GroupResult::global_flags) {
                    verbose = verbose_global_;
                    continue;
                }
                if (result == GroupResult::comment) continue;
                seen_ = Seen::other;
                last = Last::item;
                if (first) first_item(last);
                ++items;
            } else {
                literal(out_, c);
                last = Last::item;
                if (first) first_item(last);
                ++items;
            }
        }
    }

    enum class GroupResult { item, comment, global_flags };

    GroupResult group(std::size_t start, bool verbose, int nested, bool may_set_global, bool ascii) {
        bool capture = true;
        std::optional<std::u32string> name;
        std::string open = "(";
        bool sub_verbose = verbose;
        bool sub_ascii = ascii;
        if (take('?')) {
            if (at_end()) fail("unexpected end of pattern", i_);
            const char32_t c = s_[i_++];
            if (c == 'P') {
                if (take('<')) {
                    name = until('>', "group name");
                    check_group_name(*name, i_);
                } else if (take('=')) {
                    const std::u32string ref = until(')', "group name");
                    check_group_name(ref, i_);
                    const auto found = by_name_.find(to_utf8(ref));
                    if (found == by_name_.end()) fail(fmt::format("unknown group name '{}'", to_utf8(ref)), start);
                    check_reference(found->second, start);
                    out_ += fmt::format("(?:\\g{{{}}})", found->second);
                    return GroupResult::item;
                } else {
                    if (at_end()) fail("unexpected end of pattern", i_);
                    fail(fmt::format("unknown extension ?P{}", to_utf8(std::u32string(1, s_[i_]))), start);
                }
            } else if (c == ':') {
                capture = false;
                open = "(?:";
            } else if (c == '#') {
                while (true) {
                    if (at_end()) fail("missing ), unterminated comment", start);
                    if (s_[i_++] == ')') break;
                }
                return GroupResult::comment;
            } else if (c == '=' || c == '!' || c == '<') {
                char32_t kind = c;
                bool behind = false;
                int saved_lookbehind = lookbehind_groups_;
                if (c == '<') {
                    if (at_end()) fail("unexpected end of pattern", i_);
                    kind = s_[i_++];
                    if (kind != '=' && kind != '!')
                        fail(fmt::format("unknown extension ?<{}", to_utf8(std::u32string(1, kind))), start);
                    behind = true;
                    if (lookbehind_groups_ < 0) lookbehind_groups_ = static_cast<int>(groups_) + 1;
                }
                out_ += behind ? (kind == '=' ? "(?<=" : "(?<!") : (kind == '=' ? "(?=" : "(?!");
                parse_sub(verbose, nested + 1, ascii);
                if (behind) lookbehind_groups_ = saved_lookbehind;
                if (!take(')')) fail("missing ), unterminated subpattern", start);
                out_ += ')';
                return GroupResult::item;
            } else if (c == '(') {
                const std::u32string cond = until(')', "group name");
                std::uint32_t group_number = 0;
                if (is_identifier(cond)) {
                    const auto found = by_name_.find(to_utf8(cond));
                    if (found == by_name_.end()) fail(fmt::format("unknown group name '{}'", to_utf8(cond)), start);
                    group_number = found->second;
                } else {
                    std::uint64_t v = 0;
                    for (const char32_t d : cond) {
                        if (!is_digit(d)) fail(fmt::format("bad character in group name '{}'", to_utf8(cond)), start);
                        v = v * 10 + (d - '0');
                        if (v > 1'000'000) fail(fmt::format("invalid group reference {}", to_utf8(cond)), start);
                    }
                    if (v == 0) fail("bad group number", start);
                    group_number = static_cast<std::uint32_t>(v);
                    condition_refs_.emplace_back(group_number, start);
                }
                check_lookbehind_reference(group_number, start);
                out_ += fmt::format("(?({})", group_number);
                parse_seq(verbose, nested + 1, false, ascii);
                if (take('|')) {
                    out_ += '|';
                    parse_seq(verbose, nested + 1, false, ascii);
                    if (next_is('|')) fail("conditional backref with more than two branches", i_);
                }
                if (!take(')')) fail("missing ), unterminated subpattern", start);
                out_ += ')';
                return GroupResult::item;
            } else if (c == '>') {
                capture = false;
                open = "(?>";
            } else if (is_flag(c) || c == '-') {
                const Flags flags = parse_flags(c, start);
                if (flags.add.find('i') != std::string::npos || flags.del.find('i') != std::string::npos)
                    caseless_ = true;
                if (flags.global) {
                    if (!may_set_global) fail("global flags not at the start of the expression", start);
                    if (flags.add.find('x') != std::string::npos) verbose_global_ = true;
                    if (flags.add.find('a') != std::string::npos) global_ascii_ = true;
                    std::string inline_flags;
                    for (const char f : flags.add)
                        if (f == 'i' || f == 'm' || f == 's') inline_flags += f;
                    if (!inline_flags.empty()) out_ += "(?" + inline_flags + ")";
                    return GroupResult::global_flags;
                }
                capture = false;
                std::string add, del;
                for (const char f : flags.add)
                    if (f == 'i' || f == 'm' || f == 's') add += f;
                for (const char f : flags.del)
                    if (f == 'i' || f == 'm' || f == 's') del += f;
                open = "(?" + add + (del.empty() ? "" : "-" + del) + ":";
                if (flags.add.find('x') != std::string::npos) sub_verbose = true;
                if (flags.del.find('x') != std::string::npos) sub_verbose = false;
                if (flags.add.find('a') != std::string::npos) sub_ascii = !global_ascii_;
                if (flags.add.find('u') != std::string::npos) {
                    if (global_ascii_)
                        fail("a Unicode-flag group inside an ASCII-flag pattern is not supported", start);
                    sub_ascii = false;
                }
            } else {
                fail(fmt::format("unknown extension ?{}", to_utf8(std::u32string(1, c))), start);
            }
        }
        std::uint32_t group_number = 0;
        if (capture) {
            group_number = ++groups_;
            closed_.resize(groups_ + 1, false);
            if (name) {
                const std::string utf8 = to_utf8(*name);
                if (const auto found = by_name_.find(utf8); found != by_name_.end())
                    fail(fmt::format("redefinition of group name '{}' as group {}; was group {}", utf8, group_number,
                                     found->second),
                         start);
                by_name_.emplace(utf8, group_number);
                names_.emplace_back(utf8, group_number);
            }
        }
        out_ += open;
        parse_sub(sub_verbose, nested + 1, sub_ascii);
        if (!take(')')) fail("missing ), unterminated subpattern", start);
        out_ += ')';
        if (capture) closed_[group_number] = true;
        return GroupResult::item;
    }

    struct Flags {
        std::string add, del;
        bool global = false;
    };
    static bool is_flag(char32_t c) {
        return c == 'i' || c == 'L' || c == 'm' || c == 's' || c == 'x' || c == 'a' || c == 't' || c == 'u';
    }

    Flags parse_flags(char32_t c, std::size_t start) {
        Flags flags;
        if (c != '-') {
            while (true) {
                if (c == 'L') fail("bad inline flags: cannot use 'L' flag with a str pattern", start);
                flags.add += static_cast<char>(c);
                const bool has_a = flags.add.find('a') != std::string::npos;
                const bool has_u = flags.add.find('u') != std::string::npos;
                if (has_a && has_u) fail("bad inline flags: flags 'a', 'u' and 'L' are incompatible", start);
                if (at_end()) fail("missing -, : or )", i_);
                c = s_[i_++];
                if (c == ')' || c == '-' || c == ':') break;
                if (!is_flag(c))
                    fail(c < 0x80 && is_ascii_letter(c) ? "unknown flag" : "missing -, : or )", i_ - 1);
            }
        }
        if (c == ')') {
            flags.global = true;
            return flags;
        }
        if (flags.add.find('t') != std::string::npos) fail("bad inline flags: cannot turn on global flag", start);
        if (c == '-') {
            if (at_end()) fail("missing flag", i_);
            c = s_[i_++];
            if (!is_flag(c)) fail(c < 0x80 && is_ascii_letter(c) ? "unknown flag" : "missing flag", i_ - 1);
            while (true) {
                if (c == 'a' || c == 'u' || c == 'L')
                    fail("bad inline flags: cannot turn off flags 'a', 'u' and 'L'", start);
                flags.del += static_cast<char>(c);
                if (at_end()) fail("missing :", i_);
                c = s_[i_++];
                if (c == ':') break;
                if (!is_flag(c)) fail(c < 0x80 && is_ascii_letter(c) ? "unknown flag" : "missing :", i_ - 1);
            }
        }
        if (flags.del.find('t') != std::string::npos) fail("bad inline flags: cannot turn off global flag", start);
        for (const char f : flags.add)
            if (flags.del.find(f) != std::string::npos) fail("bad inline flags: flag turned on and off", start);
        return flags;
    }

    void check_group_name(const std::u32string& name, std::size_t at) {
        if (!is_identifier(name)) fail(fmt::format("bad character in group name '{}'", to_utf8(name)), at);
    }

    void check_lookbehind_reference(std::uint32_t group, std::size_t at) const {
        if (lookbehind_groups_ < 0) return;
        if (group >= closed_.size() || !closed_[group]) fail("cannot refer to an open group", at);
        if (static_cast<int>(group) >= lookbehind_groups_)
            fail("cannot refer to group defined in the same lookbehind subpattern", at);
    }

    void check_reference(std::uint32_t group, std::size_t at) const {
        if (group >= closed_.size() || !closed_[group]) fail("cannot refer to an open group", at);
        check_lookbehind_reference(group, at);
    }

    std::uint32_t hex_digits(std::size_t count, std::size_t start, const char* escape) {
        std::uint32_t v = 0;
        std::size_t got = 0;
        while (got < count && is_hex(peek())) {
            v = v * 16 + static_cast<std::uint32_t>(hex_value(s_[i_++]));
            ++got;
        }
        if (got != count) fail(fmt::format("incomplete escape {}", escape), start);
        return v;
    }

    // PCRE2's own escape has Python's meaning: in the plain-ASCII dialect, under a global (?a),
    // and in the Unicode dialect (compiled with UCP) for everything but \s and \S.
    bool native_category(char32_t c, bool ascii) const {
        if (dialect_ == Dialect::plain_ascii || global_ascii_) return true;
        return !ascii && c != 's' && c != 'S';
    }

    // A category escape (\d \D \s \S \w \W) outside a class.
    void emit_category(char32_t c, bool ascii) {
        categories_ = true;
        if (native_category(c, ascii)) {
            out_ += '\\';
            out_ += static_cast<char>(c);
            return;
        }
        const char* body = c == 'd' || c == 'D' ? kAsciiDigit
                           : c == 'w' || c == 'W' ? kAsciiWord
                           : ascii                ? kAsciiSpace
                                                  : kUnicodeSpace;
        const bool negated = c == 'D' || c == 'W' || c == 'S';
        out_ += negated ? "[^" : "[";
        out_ += body;
        out_ += ']';
    }

    // An escape outside a character class (Python's _escape). `start` is the backslash.
    Last escape(std::size_t start, bool ascii) {
        seen_ = Seen::other;
        if (at_end()) fail("bad escape (end of pattern)", start);
        const char32_t c = s_[i_++];
        switch (c) {
            case 'A': out_ += "\\A"; return Last::anchor;
            case 'Z': out_ += "\\z"; return Last::anchor;
            case 'b':
            case 'B':
                categories_ = true;
                if (!ascii || dialect_ == Dialect::plain_ascii || global_ascii_) {
                    out_ += c == 'b' ? "\\b" : "\\B";
                } else {
                    const char* w = "[A-Za-z0-9_]";
                    out_ += c == 'b' ? fmt::format("(?:(?<={0})(?!{0})|(?<!{0})(?={0}))", w)
                                     : fmt::format("(?:(?<={0})(?={0})|(?<!{0})(?!{0}))", w);
                }
                return Last::anchor;
            case 'd': case 'D': case 's': case 'S': case 'w': case 'W':
                emit_category(c, ascii);
                seen_ = Seen::category;
                seen_value_ = c;
                return Last::item;
            case 'a': literal(out_, 0x07); return Last::item;
            case 'f': literal(out_, 0x0C); return Last::item;
            case 'n': literal(out_, 0x0A); return Last::item;
            case 'r': literal(out_, 0x0D); return Last::item;
            case 't': literal(out_, 0x09); return Last::item;
            case 'v': literal(out_, 0x0B); return Last::item;
            case '\\': literal(out_, '\\'); return Last::item;
            case 'x': literal(out_, hex_digits(2, start, "\\x")); return Last::item;
            case 'u': literal(out_, hex_digits(4, start, "\\u")); return Last::item;
            case 'U': {
                const std::uint32_t v = hex_digits(8, start, "\\U");
                if (v > 0x10FFFF) fail("bad escape \\U", start);
                literal(out_, v);
                return Last::item;
            }
            case 'N': fail("named Unicode escapes (\\N{...}) are not supported", start);
            case '0': {
                std::uint32_t v = 0;
                for (int k = 0; k < 2 && is_octal(peek()); ++k) v = v * 8 + (s_[i_++] - '0');
                literal(out_, v);
                return Last::item;
            }
            default: break;
        }
        if (is_digit(c)) {
            // An octal escape (three octal digits) or a group reference.
            std::uint32_t number = c - '0';
            if (is_digit(peek())) {
                const char32_t d = s_[i_++];
                if (is_octal(c) && is_octal(d) && is_octal(peek())) {
                    const char32_t e = s_[i_++];
                    const std::uint32_t v = (c - '0') * 64 + (d - '0') * 8 + (e - '0');
                    if (v > 0377) fail("octal escape value outside of range 0-0o377", start);
                    literal(out_, v);
                    return Last::item;
                }
                number = number * 10 + (d - '0');
            }
            if (number <= groups_) {
                check_reference(number, start);
                out_ += fmt::format("(?:\\g{{{}}})", number);
                return Last::item;
            }
            fail(fmt::format("invalid group reference {}", number), start + 1);
        }
        if (c < 0x80 && is_ascii_letter(c))
            fail(fmt::format("bad escape \\{}", static_cast<char>(c)), start);
        literal(out_, c);
        return Last::item;
    }

    // One member of a character class: a code point, or a category such as \d.
    struct ClassAtom {
        bool category = false;
        char32_t value = 0;  // the code point, or the category letter
    };

    // An escape inside a character class (Python's _class_escape). `start` is the backslash.
    ClassAtom class_escape(std::size_t start) {
        if (at_end()) fail("bad escape (end of pattern)", start);
        const char32_t c = s_[i_++];
        switch (c) {
            case 'a': return {false, 0x07};
            case 'b': return {false, 0x08};
            case 'f': return {false, 0x0C};
            case 'n': return {false, 0x0A};
            case 'r': return {false, 0x0D};
            case 't': return {false, 0x09};
            case 'v': return {false, 0x0B};
            case '\\': return {false, '\\'};
            case 'd': case 'D': case 's': case 'S': case 'w': case 'W': return {true, c};
            case 'x': return {false, hex_digits(2, start, "\\x")};
            case 'u': return {false, hex_digits(4, start, "\\u")};
            case 'U': {
                const std::uint32_t v = hex_digits(8, start, "\\U");
                if (v > 0x10FFFF) fail("bad escape \\U", start);
                return {false, v};
            }
            case 'N': fail("named Unicode escapes (\\N{...}) are not supported", start);
            default: break;
        }
        if (is_octal(c)) {
            std::uint32_t v = c - '0';
            for (int k = 0; k < 2 && is_octal(peek()); ++k) v = v * 8 + (s_[i_++] - '0');
            if (v > 0377) fail("octal escape value outside of range 0-0o377", start);
            return {false, v};
        }
        if (is_digit(c) || (c < 0x80 && is_ascii_letter(c)))
            fail(fmt::format("bad escape \\{}", static_cast<char>(c)), start);
        return {false, c};
    }

    // A category inside a class: appended to the class body, or, when it is a negated set that
    // PCRE2 cannot spell inside a class, recorded as the body of the set it excludes.
    void class_category(std::string& body, std::vector<std::string>& excluded, char32_t c, bool ascii) {
        categories_ = true;
        if (native_category(c, ascii)) {
            body += '\\';
            body += static_cast<char>(c);
            return;
        }
        const char* set = c == 'd' || c == 'D' ? kAsciiDigit
                          : c == 'w' || c == 'W' ? kAsciiWord
                          : ascii                ? kAsciiSpace
                                                 : kUnicodeSpace;
        if (c == 'D' || c == 'W' || c == 'S')
            excluded.emplace_back(set);
        else
            body += set;
    }

    // [...] : `start` is the opening bracket, already consumed.
    void char_class(std::size_t start, bool ascii) {
        std::string body;
        std::vector<std::string> excluded;  // [^set] members
        const bool negate = take('^');
        bool empty = true;
        while (true) {
            if (at_end()) fail("unterminated character set", start);
            const std::size_t here = i_;
            const char32_t c = s_[i_++];
            if (c == ']' && !empty) break;
            const ClassAtom lo = c == '\\' ? class_escape(here) : ClassAtom{false, c};
            if (take('-')) {
                if (at_end()) fail("unterminated character set", start);
                const std::size_t there = i_;
                const char32_t d = s_[i_++];
                if (d == ']') {
                    if (lo.category)
                        class_category(body, excluded, lo.value, ascii);
                    else
                        literal(body, lo.value);
                    literal(body, '-');
                    empty = false;
                    break;
                }
                const ClassAtom hi = d == '\\' ? class_escape(there) : ClassAtom{false, d};
                if (lo.category || hi.category || hi.value < lo.value) fail("bad character range", here);
                literal(body, lo.value);
                body += '-';
                literal(body, hi.value);
            } else if (lo.category) {
                class_category(body, excluded, lo.value, ascii);
            } else {
                literal(body, lo.value);
            }
            empty = false;
        }
        if (excluded.empty()) {
            out_ += negate ? "[^" : "[";
            out_ += body;
            out_ += ']';
            return;
        }
        // [X\S] is X or not-space; [^X\S] is space and not X. One character either way.
        out_ += "(?:";
        if (!negate) {
            bool first = true;
            if (!body.empty()) {
                out_ += "[" + body + "]";
                first = false;
            }
            for (const auto& set : excluded) {
                if (!first) out_ += '|';
                out_ += "[^" + set + "]";
                first = false;
            }
        } else {
            if (!body.empty()) out_ += "(?![" + body + "])";
            for (std::size_t k = 0; k + 1 < excluded.size(); ++k) out_ += "(?=[" + excluded[k] + "])";
            out_ += "[" + excluded.back() + "]";
        }
        out_ += ')';
    }

    std::u32string s_;
    Dialect dialect_;
    bool categories_ = false;
    char32_t max_code_point_ = 0;
    // What the last escape was, for the first-character filter.
    enum class Seen { literal, category, other } seen_ = Seen::other;
    char32_t seen_value_ = 0;
    // The first-character filter: the bytes the first character of a match can start with,
    // known when the pattern (one alternative, no caseless flag) starts with a literal, \s, \d
    // or \w that is not optional.
    enum class Scan { looking, candidate, done } scan_ = Scan::looking;
    std::array<std::uint64_t, 4> first_bytes_{};
    bool first_known_ = false;
    bool blank_prefix_ = false;   // whitespace items come before the deciding item
    bool blank_pending_ = false;  // the last item was whitespace; its quantifier may follow
    std::uint64_t blank_min_ = 0; // whitespace characters the prefix needs at least
    bool alternation_ = false;
    bool caseless_ = false;
    std::size_t i_ = 0;
    std::string out_;
    std::uint32_t groups_ = 0;
    std::vector<bool> closed_{false};
    std::map<std::string, std::uint32_t> by_name_;
    std::vector<std::pair<std::string, std::uint32_t>> names_;
    std::vector<std::pair<std::uint32_t, std::size_t>> condition_refs_;
    int lookbehind_groups_ = -1;
    bool verbose_global_ = false;
    bool global_ascii_ = false;
};

// Shared by every match (read only once made); made when the library loads.
pcre2_match_context* make_match_context() {
    pcre2_match_context* c = pcre2_match_context_create(nullptr);
    pcre2_set_match_limit(c, kMatchLimit);
    pcre2_set_depth_limit(c, kDepthLimit);
    pcre2_set_heap_limit(c, kHeapLimitKiB);
    return c;
}
pcre2_match_context* const g_match_context = make_match_context();

pcre2_compile_context* compile_context() {
    static pcre2_compile_context* const context = [] {
        pcre2_compile_context* c = pcre2_compile_context_create(nullptr);
        // Python's '.' and '$' know only \n as a line end.
        pcre2_set_newline(c, PCRE2_NEWLINE_LF);
        return c;
    }();
    return context;
}

}  // namespace

bool is_plain_ascii(std::string_view text) {
    for (const char c : text) {
        const auto b = static_cast<unsigned char>(c);
        if (b >= 0x80 || (b >= 0x1C && b <= 0x1F)) return false;
    }
    return true;
}

Result<PcrePattern> translate_python_regex(std::string_view pattern, Dialect dialect) {
    if (const std::size_t bad = text::invalid_utf8_at(pattern); bad != std::string_view::npos)
        return unknown_error(fmt::format("pattern is not valid UTF-8 (byte {})", bad));
    std::u32string source;
    source.reserve(pattern.size());
    for (std::size_t pos = 0; pos < pattern.size();) source += text::next_code_point(pattern, pos);
    try {
        return Translator(std::move(source), dialect).run();
    } catch (const PatternError& e) {
        return unknown_error(e.message);
    }
}

// A compiled pattern. The JIT compilation, which costs more than the compilation itself, is
// done on first use: a template is mostly run over plain ASCII, so the code for other lines is
// often never needed.
struct Regex::Code {
    pcre2_code* code = nullptr;
    std::once_flag once;
    std::atomic<bool> prepared{false};
    bool jit = false;
    ~Code() { pcre2_code_free(code); }
};

pcre2_code* Regex::ready(Code& c, bool& jit) {
    if (!c.prepared.load(std::memory_order_acquire)) {
        std::call_once(c.once, [&c] {
            // Without JIT (e.g. where executable memory is forbidden) the interpreter gives the same answers.
            c.jit = pcre2_jit_compile(c.code, PCRE2_JIT_COMPLETE) == 0;
            c.prepared.store(true, std::memory_order_release);
        });
    }
    jit = c.jit;
    return c.code;
}

Result<std::shared_ptr<Regex::Code>> Regex::build(const PcrePattern& pattern, bool ucp, bool utf) {
    std::uint32_t options = PCRE2_ANCHORED;
    if (utf) options |= PCRE2_UTF | PCRE2_NO_UTF_CHECK;
    if (ucp) options |= PCRE2_UCP;
    int error_code = 0;
    PCRE2_SIZE error_offset = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.text.data()), pattern.text.size(), options,
                                     &error_code, &error_offset, compile_context());
    if (code == nullptr) {
        PCRE2_UCHAR buffer[256];
        pcre2_get_error_message(error_code, buffer, sizeof buffer);
        return unknown_error(reinterpret_cast<const char*>(buffer));
    }
    auto compiled = std::make_shared<Code>();
    compiled->code = code;
    return compiled;
}

Result<Regex> Regex::compile(std::string_view python_pattern) {
    auto translated = translate_python_regex(python_pattern, Dialect::unicode);
    if (!translated) return translated.error();
    Regex regex;
    regex.pattern_ = std::make_shared<PcrePattern>(std::move(translated).value());
    const PcrePattern& unicode = *regex.pattern_;
    const bool dialects_differ = unicode.categories && !unicode.ascii;
    auto built = build(unicode, dialects_differ, true);
    if (!built) return built.error();
    regex.unicode_ = std::move(built).value();
    regex.plain_ = regex.unicode_;
    regex.pairs_ = unicode.captures + 1;
    if (unicode.first_bytes) {
        regex.first_.active = true;
        regex.first_.bytes = *unicode.first_bytes;
        regex.first_.after_blanks = unicode.blank_prefix;
        regex.first_.min_blanks = unicode.blank_min;
    }
    // Plain-ASCII lines run faster without UTF-8 decoding; a pattern whose characters all fit in
    // a byte means the same in byte mode there (a non-ASCII character simply never matches).
    const bool byte_mode = unicode.max_code_point <= 0xFF;
    if (dialects_differ || byte_mode) {
        auto plain_pattern = translate_python_regex(python_pattern, Dialect::plain_ascii);
        if (!plain_pattern) return plain_pattern.error();
        auto plain = build(*plain_pattern, false, !byte_mode);
        if (!plain) return plain.error();
        regex.plain_ = std::move(plain).value();
    }
    bool jit = false;
    ready(*regex.plain_, jit);  // nearly every line is plain ASCII: get its code ready now
    return regex;
}

bool Regex::match(std::string_view subject, Captures& captures, bool plain_ascii) const {
    // With a blank prefix the condition only judges plain-ASCII lines, where the blanks are
    // the ASCII ones.
    if (first_.active && (!first_.after_blanks || plain_ascii)) {
        std::size_t i = 0;
        if (first_.after_blanks)
            while (i < subject.size() && (subject[i] == ' ' || (subject[i] >= '\t' && subject[i] <= '\r'))) ++i;
        if (i < first_.min_blanks || !first_.allows(i < subject.size() ? static_cast<unsigned char>(subject[i]) : 256)) {
            captures.count_ = 0;
            return false;
        }
    }
    return match_unfiltered(subject, captures, plain_ascii);
}

bool Regex::match_unfiltered(std::string_view subject, Captures& captures, bool plain_ascii) const {
    bool jit = false;
    pcre2_code* code = ready(plain_ascii ? *plain_ : *unicode_, jit);
    if (captures.capacity_ < pairs_) captures.reserve(pairs_);
    const auto* data = reinterpret_cast<PCRE2_SPTR>(subject.data() != nullptr ? subject.data() : "");
    int rc;
    if (jit)
        rc = pcre2_jit_match(code, data, subject.size(), 0, 0, captures.data_, g_match_context);
    else
        rc = pcre2_match(code, data, subject.size(), 0, PCRE2_NO_UTF_CHECK, captures.data_, g_match_context);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT)  // deep backtracking on a long line: the interpreter uses the heap
        rc = pcre2_match(code, data, subject.size(), 0, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT, captures.data_,
                         g_match_context);
    if (rc <= 0) {
        captures.count_ = 0;
        return false;
    }
    captures.subject_ = subject;
    captures.count_ = rc;
    return true;
}

Captures::Captures(std::uint32_t max_captures) { reserve(max_captures + 1); }

Captures::~Captures() { pcre2_match_data_free(data_); }

Captures::Captures(Captures&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)),
      ovector_(std::exchange(other.ovector_, nullptr)),
      capacity_(std::exchange(other.capacity_, 0)),
      subject_(other.subject_),
      count_(std::exchange(other.count_, 0)) {}

Captures& Captures::operator=(Captures&& other) noexcept {
    if (this != &other) {
        pcre2_match_data_free(data_);
        data_ = std::exchange(other.data_, nullptr);
        ovector_ = std::exchange(other.ovector_, nullptr);
        capacity_ = std::exchange(other.capacity_, 0);
        subject_ = other.subject_;
        count_ = std::exchange(other.count_, 0);
    }
    return *this;
}

void Captures::reserve(std::uint32_t pairs) {
    if (pairs <= capacity_) return;
    pcre2_match_data_free(data_);
    data_ = pcre2_match_data_create(pairs, nullptr);
    ovector_ = pcre2_get_ovector_pointer(data_);
    capacity_ = pairs;
    count_ = 0;
}

}  // namespace nockit::textfsm
