// An ntc-templates style index: which template(s) parse the output of a command on a platform.
#pragma once

#include "core/result.hpp"
#include "textfsm/regex.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nockit::textfsm {

/// The rows of an `index` file (columns Template, Hostname, Platform, Command), read the way
/// TextFSM's clitable reads them: '#' comments, fields trimmed, `sh[[ow]]` completions, the
/// Platform and Command fields as Python regexes matched at the start of the string.
class Index {
public:
    /// Parses index text; `origin` (the file) prefixes errors, which name the line.
    static Result<Index> parse(std::string_view text, std::string origin);

    /// The template file names of the first row matching `platform` and `command`
    /// (several when the row joins them with ':'), or nothing when no row matches.
    std::optional<std::vector<std::string>> find(std::string_view platform, std::string_view command) const;

    std::size_t size() const { return rows_.size(); }

private:
    struct Row {
        std::vector<std::string> templates;
        std::optional<Regex> platform;
        std::optional<Regex> command;
    };
    std::vector<Row> rows_;
};

/// Expands clitable's completion syntax: "sh[[ow]]" becomes "sh(o(w)?)?".
std::string expand_completions(std::string_view command);

}  // namespace nockit::textfsm
