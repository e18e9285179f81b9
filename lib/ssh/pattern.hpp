// A compiled PCRE2 pattern (Python-style syntax, as in scrapli and Netmiko platform definitions)
// for prompts, pager prompts and error lines.
#pragma once

#include "core/result.hpp"

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace nockit::ssh {

class Pattern {
public:
    Pattern() = default;
    /// Compiles `source` (multi-line mode: ^ and $ match at line ends). `what` names it in errors.
    static Result<Pattern> compile(const std::string& source, const std::string& what);

    /// True when the pattern matches somewhere in `text`. An empty pattern never matches.
    bool search(std::string_view text) const;
    /// Offset and length of the first match, or npos.
    std::pair<std::size_t, std::size_t> find(std::string_view text) const;
    /// A match with its named groups (those that took part), in pattern order.
    struct Match {
        std::size_t begin = 0, end = 0;
        std::vector<std::pair<std::string, std::string>> groups;
    };
    /// The first match at or after `offset`, or nullopt.
    std::optional<Match> match(std::string_view text, std::size_t offset = 0) const;
    bool empty() const { return !code_; }
    const std::string& source() const { return source_; }

private:
    struct Code;
    std::shared_ptr<const Code> code_;  // immutable once compiled, so copies share it safely across threads
    std::string source_;
};

}  // namespace nockit::ssh
