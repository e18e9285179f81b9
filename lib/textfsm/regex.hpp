// Regular expressions written in Python's `re` dialect (as TextFSM templates are), compiled
// with PCRE2 + JIT and matched the way Python's re.match does: anchored at the start only.
#pragma once

#include "core/result.hpp"

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

struct pcre2_real_code_8;
struct pcre2_real_match_data_8;

namespace nockit::textfsm {

/// Which subjects a translation is for. Python's \s, \d, \w and \b are Unicode-aware; on a
/// line of plain ASCII (see is_plain_ascii) they mean exactly what PCRE2's faster ASCII
/// versions mean, so such lines are matched by a translation compiled without Unicode classes.
enum class Dialect { plain_ascii, unicode };

/// A Python pattern rewritten in PCRE2 syntax with the same meaning.
struct PcrePattern {
    std::string text;
    std::uint32_t captures = 0;  ///< number of capture groups
    /// Python group names with their group numbers, in the order they appear in the pattern
    /// (the order of Python's match.groupdict()).
    std::vector<std::pair<std::string, std::uint32_t>> names;
    bool ascii = false;       ///< (?a) at the start: \w, \d, \s and \b are ASCII only
    bool categories = false;  ///< uses \s \S \d \D \w \W \b or \B (the dialects differ)
    char32_t max_code_point = 0;  ///< the largest character the pattern names
    /// When known: the bytes a match can start with (a 256-bit set), to skip hopeless lines;
    /// with blank_prefix, the bytes after the leading whitespace, of which there are at least
    /// blank_min characters.
    std::optional<std::array<std::uint64_t, 4>> first_bytes;
    bool blank_prefix = false;
    std::uint32_t blank_min = 0;
};

/// Rewrites a Python regular expression for PCRE2, rejecting what Python rejects
/// (the message reads like Python's, e.g. "bad escape \e at position 3").
Result<PcrePattern> translate_python_regex(std::string_view pattern, Dialect dialect = Dialect::unicode);

/// True when `text` is ASCII without the separators \x1c-\x1f, the lines on which Python's
/// Unicode \s, \d, \w and \b agree with their ASCII meanings.
bool is_plain_ascii(std::string_view text);

class Captures;

/// A necessary condition on where a match can start, to skip hopeless lines without running
/// the regex: the first character's first byte is one of `bytes`; with `after_blanks`, that is
/// the first character after the leading ASCII whitespace (of which there are at least
/// `min_blanks`), and the condition only judges plain-ASCII lines.
struct FirstCharacter {
    bool active = false;
    bool after_blanks = false;
    std::uint32_t min_blanks = 0;
    std::array<std::uint64_t, 4> bytes{};

    /// `byte` is 256 for the end of the line.
    bool allows(unsigned byte) const { return byte < 256 && ((bytes[byte >> 6] >> (byte & 63)) & 1) != 0; }
};

/// A compiled regular expression. Copies share the compiled code; matching is thread-safe.
class Regex {
public:
    /// Compiles a Python-dialect pattern. A pattern that cannot compile is an error naming why.
    static Result<Regex> compile(std::string_view python_pattern);

    /// Python's re.match on valid UTF-8: true when the pattern matches at the start of `subject`.
    /// A match that exceeds the backtracking limit counts as no match (never a hang).
    bool match(std::string_view subject, Captures& captures) const {
        return match(subject, captures, is_plain_ascii(subject));
    }
    /// The same, when the caller already knows whether `subject` is_plain_ascii().
    bool match(std::string_view subject, Captures& captures, bool plain_ascii) const;
    /// match() for a caller that has already checked first_character() itself.
    bool match_unfiltered(std::string_view subject, Captures& captures, bool plain_ascii) const;
    const FirstCharacter& first_character() const { return first_; }

    std::uint32_t capture_count() const { return pattern_->captures; }
    const std::vector<std::pair<std::string, std::uint32_t>>& names() const { return pattern_->names; }
    /// The PCRE2 pattern used for lines that are not plain ASCII.
    const std::string& pcre_text() const { return pattern_->text; }

private:
    struct Code;  // compiled code, JIT-compiled once on first use
    static Result<std::shared_ptr<Code>> build(const PcrePattern& pattern, bool ucp, bool utf);
    static pcre2_real_code_8* ready(Code& code, bool& jit);
    std::shared_ptr<Code> unicode_;
    std::shared_ptr<Code> plain_;  // the same code as unicode_ when the dialects do not differ
    std::shared_ptr<const PcrePattern> pattern_;
    FirstCharacter first_;
    std::uint32_t pairs_ = 1;  // capture groups + 1
};

/// The groups of the last successful match; reuse one across matches to avoid allocations.
class Captures {
public:
    explicit Captures(std::uint32_t max_captures = 16);
    ~Captures();
    Captures(const Captures&) = delete;
    Captures& operator=(const Captures&) = delete;
    Captures(Captures&&) noexcept;
    Captures& operator=(Captures&&) noexcept;

    /// Text of capture group `group`, or nullopt when the group did not take part in the match.
    std::optional<std::string_view> group(std::uint32_t group) const {
        if (static_cast<int>(group) >= count_) return std::nullopt;
        const std::size_t start = ovector_[2 * group], end = ovector_[2 * group + 1];
        if (start == kUnset) return std::nullopt;
        return subject_.substr(start, end - start);
    }

private:
    friend class Regex;
    static constexpr std::size_t kUnset = ~std::size_t{0};  // PCRE2_UNSET
    void reserve(std::uint32_t captures);
    pcre2_real_match_data_8* data_ = nullptr;
    const std::size_t* ovector_ = nullptr;
    std::uint32_t capacity_ = 0;
    std::string_view subject_;
    int count_ = 0;  ///< pcre2 return code: 1 + highest group set
};

}  // namespace nockit::textfsm
