// Reading an ntc-templates index and choosing templates from it, as clitable.IndexTable does.
#include "textfsm/index.hpp"

#include "textfsm/text.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace nockit::textfsm {

std::string expand_completions(std::string_view command) {
    // re.sub(r'(\[\[.+?\]\])', ...): the shortest "[[x...]]" from each leftmost "[[".
    std::string out;
    std::size_t pos = 0;
    while (pos < command.size()) {
        if (command.substr(pos, 2) == "[[") {
            const std::size_t close = command.find("]]", pos + 3);
            if (close != std::string_view::npos) {
                const std::string_view word = command.substr(pos + 2, close - pos - 2);
                std::size_t count = 0;
                out += '(';
                for (std::size_t i = 0; i < word.size();) {
                    const std::size_t start = i;
                    text::next_code_point(word, i);
                    if (count++ > 0) out += '(';
                    out += word.substr(start, i - start);
                }
                for (std::size_t k = 0; k < count; ++k) out += ")?";
                pos = close + 2;
                continue;
            }
        }
        out += command[pos++];
    }
    return out;
}

Result<Index> Index::parse(std::string_view text_in, std::string origin) {
    if (const std::size_t bad = text::invalid_utf8_at(text_in); bad != std::string_view::npos)
        return unknown_error(fmt::format("{}: not valid UTF-8 (byte {})", origin, bad));
    const auto lines = text::file_lines(text_in);
    std::size_t n = 0;
    std::vector<std::string> header;
    // The header is the first line with text once '#' comments are cut off.
    for (; n < lines.size() && header.empty(); ++n) {
        const std::string_view content = text::strip(lines[n].substr(0, lines[n].find('#')));
        if (content.empty()) continue;
        for (const auto field : text::split(content, ',')) {
            const std::string name(text::strip(field));
            if (std::find(header.begin(), header.end(), name) != header.end())
                return unknown_error(fmt::format("{}:{}: duplicate column '{}' in the header", origin, n + 1, name));
            header.push_back(name);
        }
    }
    if (header.empty())
        return unknown_error(fmt::format("{}: no header line (expected 'Template, Hostname, Platform, Command')",
                                         origin));
    const auto column = [&](std::string_view name) -> std::ptrdiff_t {
        const auto it = std::find(header.begin(), header.end(), name);
        return it == header.end() ? -1 : it - header.begin();
    };
    const std::ptrdiff_t template_column = column("Template");
    if (template_column < 0)
        return unknown_error(fmt::format("{}: the header has no 'Template' column", origin));
    const std::ptrdiff_t platform_column = column("Platform");
    const std::ptrdiff_t command_column = column("Command");

    Index index;
    for (; n < lines.size(); ++n) {
        if (lines[n].starts_with('#')) continue;
        const auto fields = text::split(lines[n], ',');
        if (fields.size() != header.size()) continue;  // blank and malformed lines are skipped
        Row row;
        for (const auto name : text::split(text::strip(fields[static_cast<std::size_t>(template_column)]), ':'))
            row.templates.emplace_back(name);
        // Every regex column is compiled, as clitable does, so a broken one is reported.
        for (std::size_t c = 0; c < fields.size(); ++c) {
            if (static_cast<std::ptrdiff_t>(c) == template_column) continue;
            std::string field(text::strip(fields[c]));
            if (static_cast<std::ptrdiff_t>(c) == command_column) field = expand_completions(field);
            if (field.empty()) continue;
            auto regex = Regex::compile(field);
            if (!regex)
                return unknown_error(fmt::format("{}:{}: bad regex '{}' in column {}: {}", origin, n + 1, field,
                                                 header[c], regex.error().message));
            if (static_cast<std::ptrdiff_t>(c) == platform_column) row.platform = std::move(regex).value();
            if (static_cast<std::ptrdiff_t>(c) == command_column) row.command = std::move(regex).value();
        }
        index.rows_.push_back(std::move(row));
    }
    return index;
}

std::optional<std::vector<std::string>> Index::find(std::string_view platform, std::string_view command) const {
    std::string platform_text, command_text;
    if (text::invalid_utf8_at(platform) != std::string_view::npos) {
        platform_text = text::repair_utf8(platform);
        platform = platform_text;
    }
    if (text::invalid_utf8_at(command) != std::string_view::npos) {
        command_text = text::repair_utf8(command);
        command = command_text;
    }
    Captures captures(8);
    for (const Row& row : rows_) {
        if (row.command && !row.command->match(command, captures)) continue;
        if (row.platform && !row.platform->match(platform, captures)) continue;
        return row.templates;
    }
    return std::nullopt;
}

}  // namespace nockit::textfsm
