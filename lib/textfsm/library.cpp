// Finding templates: shipped ones first, then the user's directories; compiled once each.
#include "textfsm/library.hpp"

#include "textfsm/shipped.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace nockit::textfsm {

namespace fs = std::filesystem;

namespace {

constexpr const char* kBuiltin = "built-in";

std::optional<std::string_view> shipped_file(std::string_view name) {
    for (std::size_t i = 0; i < shipped::file_count; ++i)
        if (shipped::files[i].name == name) return shipped::files[i].text;
    return std::nullopt;
}

Result<std::string> read_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return unknown_error(fmt::format("cannot read {}; check the path and its permissions", path.string()));
    std::ostringstream buffer;
    buffer << in.rdbuf();
    if (in.bad()) return unknown_error(fmt::format("cannot read {}", path.string()));
    return buffer.str();
}

}  // namespace

TemplateLibrary::TemplateLibrary(std::vector<fs::path> directories) {
    sources_.push_back(Source{kBuiltin, std::nullopt, std::nullopt, false});
    for (auto& directory : directories) sources_.push_back(Source{directory.string(), directory, std::nullopt, false});
}

std::vector<fs::path> TemplateLibrary::directories_from_environment() {
    std::vector<fs::path> directories;
    const char* env = std::getenv("NOCKIT_TEMPLATES");
    if (env == nullptr) return directories;
    std::string_view rest = env;
    while (!rest.empty()) {
        const std::size_t colon = rest.find(':');
        const std::string_view part = rest.substr(0, colon);
        if (!part.empty()) directories.emplace_back(std::string(part));
        if (colon == std::string_view::npos) break;
        rest.remove_prefix(colon + 1);
    }
    return directories;
}

std::vector<std::string> TemplateLibrary::builtin_names() {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < shipped::file_count; ++i)
        if (shipped::files[i].name != "index") names.emplace_back(shipped::files[i].name);
    return names;
}

Result<std::shared_ptr<const Template>> TemplateLibrary::template_in(const Source& source, const std::string& name) {
    const std::string key = source.label + '\0' + name;
    if (const auto found = compiled_.find(key); found != compiled_.end()) return found->second;
    std::string text;
    std::string display;
    if (!source.directory) {
        const auto file = shipped_file(name);
        if (!file) return unknown_error(fmt::format("the built-in index names a missing template '{}'", name));
        text = std::string(*file);
        display = name;
    } else {
        const fs::path path = *source.directory / name;
        auto read = read_text(path);
        if (!read) return read.error();
        text = std::move(read).value();
        display = path.string();
    }
    auto compiled = Template::compile(text, display);
    if (!compiled) return compiled.error();
    compiled_.emplace(key, *compiled);
    return compiled;
}

Result<void> TemplateLibrary::ensure_index(Source& source) {
    if (source.index || source.index_missing) return {};
    std::string text;
    std::string display;
    if (!source.directory) {
        text = std::string(shipped_file("index").value_or(std::string_view{}));
        display = "built-in index";
    } else {
        const fs::path path = *source.directory / "index";
        std::error_code ec;
        if (!fs::is_regular_file(path, ec)) {
            source.index_missing = true;
            return {};
        }
        auto read = read_text(path);
        if (!read) return read.error();
        text = std::move(read).value();
        display = path.string();
    }
    auto index = Index::parse(text, display);
    if (!index) return index.error();
    source.index = std::move(index).value();
    return {};
}

Result<std::shared_ptr<const Template>> TemplateLibrary::load(const std::string& path_or_name) {
    std::lock_guard lock(mutex_);
    std::error_code ec;
    if (fs::is_regular_file(path_or_name, ec)) {
        const std::string key = fs::absolute(path_or_name, ec).lexically_normal().string();
        if (const auto found = compiled_.find(key); found != compiled_.end()) return found->second;
        auto text = read_text(path_or_name);
        if (!text) return text.error();
        auto compiled = Template::compile(*text, path_or_name);
        if (!compiled) return compiled.error();
        compiled_.emplace(key, *compiled);
        return compiled;
    }
    // A bare name: a shipped template, then one in each directory.
    if (path_or_name.find('/') == std::string::npos) {
        for (const Source& source : sources_) {
            if (!source.directory) {
                if (shipped_file(path_or_name) && path_or_name != "index") return template_in(source, path_or_name);
            } else if (fs::is_regular_file(*source.directory / path_or_name, ec)) {
                return template_in(source, path_or_name);
            }
        }
    }
    std::string searched = "the built-in templates";
    for (const Source& source : sources_)
        if (source.directory) searched += ", " + source.label;
    return unknown_error(fmt::format("template '{}' not found (no such file; looked in {}); give a path, or add "
                                     "its directory with --templates",
                                     path_or_name, searched));
}

Result<Selection> TemplateLibrary::find(std::string_view platform, std::string_view command) {
    std::lock_guard lock(mutex_);
    std::vector<std::string> searched;
    for (Source& source : sources_) {
        if (auto loaded = ensure_index(source); !loaded) return loaded.error();
        if (!source.index) {
            searched.push_back(source.label + " (no index file)");
            continue;
        }
        searched.push_back(source.label);
        const auto names = source.index->find(platform, command);
        if (!names) continue;
        Selection selection;
        selection.source = source.label;
        for (const auto& name : *names) {
            auto compiled = template_in(source, name);
            if (!compiled) return compiled.error();
            selection.templates.push_back(std::move(compiled).value());
        }
        return selection;
    }
    std::string where;
    for (const auto& s : searched) where += (where.empty() ? "" : ", ") + s;
    return unknown_error(fmt::format("no template for platform '{}' and command '{}' (searched {}); add an "
                                     "ntc-templates directory with --templates or NOCKIT_TEMPLATES, or give one "
                                     "with -t",
                                     platform, command, where));
}

Result<Table> TemplateLibrary::parse(std::string_view platform, std::string_view command, std::string_view input) {
    auto selection = find(platform, command);
    if (!selection) return selection.error();
    return parse_with(selection->templates, input);
}

Result<Table> parse_with(const std::vector<std::shared_ptr<const Template>>& templates, std::string_view input) {
    std::vector<Table> tables;
    tables.reserve(templates.size());
    for (const auto& t : templates) {
        auto table = t->parse(input);
        if (!table) return table.error();
        tables.push_back(std::move(table).value());
    }
    return merge(std::move(tables));
}

}  // namespace nockit::textfsm
