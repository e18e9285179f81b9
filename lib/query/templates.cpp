// Adapter from the TextFSM template library to noc-query's records.
#include "query/templates.hpp"

#include "textfsm/library.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <memory>

namespace nockit::query {

Result<TemplateParser> template_parser_for(const std::vector<std::string>& dirs) {
    std::vector<std::filesystem::path> paths;
    for (const auto& d : dirs) {
        std::error_code ec;
        if (!std::filesystem::is_directory(d, ec))
            return unknown_error(fmt::format("{}: the templates directory does not exist; check 'templates' in the configuration "
                                             "or NOCKIT_TEMPLATES", d));
        paths.emplace_back(d);
    }
    auto lib = std::make_shared<textfsm::TemplateLibrary>(std::move(paths));
    return TemplateParser([lib](std::string_view platform, std::string_view command,
                                std::string_view output) -> std::optional<Parsed> {
        auto selection = lib->find(platform, command);
        if (!selection || selection->templates.empty()) return std::nullopt;
        Parsed p;
        for (const auto& t : selection->templates) p.parser += (p.parser.empty() ? "textfsm:" : ":") + t->name();
        auto table = textfsm::parse_with(selection->templates, output);
        if (!table) {
            p.error = table.error().message;  // the template refused the text: keep the raw text, say why
            return p;
        }
        for (auto& record : textfsm::to_json(*table)) p.records.push_back(std::move(record));
        return p;
    });
}

Result<TemplateParser> template_parser(const std::string& user_dir) {
    std::vector<std::string> dirs;
    if (!user_dir.empty()) dirs.push_back(user_dir);
    for (const auto& d : textfsm::TemplateLibrary::directories_from_environment()) dirs.push_back(d.string());
    return template_parser_for(dirs);
}

}  // namespace nockit::query
