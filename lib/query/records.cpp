// Records from TextFSM templates or from the platform's parse patterns.
#include "query/records.hpp"

#include <optional>

namespace nockit::query {

std::vector<Record> apply_patterns(const ssh::CheckCommand& rules, std::string_view output) {
    std::vector<Record> out;
    if (rules.parse.empty()) return out;
    if (rules.each) {
        std::size_t offset = 0;
        while (offset <= output.size()) {
            auto m = rules.parse.front().match(output, offset);
            if (!m) break;
            Record r = Record::object();
            for (const auto& [name, value] : m->groups) r[name] = value;
            out.push_back(std::move(r));
            offset = m->end > m->begin ? m->end : m->end + 1;
        }
        return out;
    }
    Record r = Record::object();
    for (const auto& p : rules.parse) {
        auto m = p.match(output);
        if (!m) continue;
        // The first pattern to name a field wins, so a later, looser pattern is only a fallback.
        for (const auto& [name, value] : m->groups)
            if (!r.contains(name)) r[name] = value;
    }
    if (!r.empty()) out.push_back(std::move(r));
    return out;
}

Parsed parse_output(const ssh::Platform& platform, const ssh::CheckCommand* rules, std::string_view command,
                    std::string_view output, const TemplateParser& templates) {
    std::optional<Parsed> by_template;
    if (templates) by_template = templates(platform.name, command, output);
    std::vector<Record> by_patterns;
    if (rules) by_patterns = apply_patterns(*rules, output);
    if (by_template && !by_template->records.empty()) {
        // The template's record, with the platform's patterns filling fields it does not have
        // (one-record answers only: table rows cannot be paired up reliably).
        if (rules && !rules->each && by_template->records.size() == 1 && by_patterns.size() == 1)
            for (const auto& [k, v] : by_patterns.front().items()) {
                auto& rec = by_template->records.front();
                if (!rec.contains(k) || (rec[k].is_string() && rec[k].get<std::string>().empty())) rec[k] = v;
            }
        return std::move(*by_template);
    }
    if (!by_patterns.empty()) {
        Parsed p;
        p.records = std::move(by_patterns);
        p.parser = "patterns:" + platform.name;
        // A template that covered the command but refused this text is worth knowing about.
        if (by_template && !by_template->error.empty())
            p.error = by_template->parser + " did not parse it (" + by_template->error + "); the platform's patterns did";
        return p;
    }
    if (by_template) return std::move(*by_template);
    Parsed p;
    if (rules && !rules->parse.empty()) p.parser = "patterns:" + platform.name;
    return p;
}

}  // namespace nockit::query
