// Turning a command's answer into records: a TextFSM template found through the index when one
// covers the platform and command, else the platform's own parse patterns. The raw text is
// always kept beside the records.
#pragma once

#include "query/facts.hpp"
#include "ssh/platform.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nockit::query {

struct Parsed {
    std::vector<Record> records;
    std::string parser;  ///< "textfsm:cisco_ios_show_version.textfsm", "patterns:cisco_ios", or "" (not parsed)
    std::string error;   ///< why the text could not be parsed ("" when it could)
};

/// The TextFSM engine behind an ntc-style index: nullopt when no template covers the command.
using TemplateParser =
    std::function<std::optional<Parsed>(std::string_view platform, std::string_view command, std::string_view output)>;

/// Parses one command's output. `rules` are the platform's patterns for this command (may be null).
Parsed parse_output(const ssh::Platform& platform, const ssh::CheckCommand* rules, std::string_view command,
                    std::string_view output, const TemplateParser& templates);

/// Applies a check command's parse patterns to `output`.
std::vector<Record> apply_patterns(const ssh::CheckCommand& rules, std::string_view output);

}  // namespace nockit::query
