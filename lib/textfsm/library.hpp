// Where templates come from: the ones shipped with nockit (embedded), then the user's
// ntc-templates style directories. Each template and index is read and compiled once.
#pragma once

#include "core/result.hpp"
#include "textfsm/index.hpp"
#include "textfsm/table.hpp"
#include "textfsm/template.hpp"

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nockit::textfsm {

/// The templates the index picked for a platform and command, and where they came from.
struct Selection {
    std::vector<std::shared_ptr<const Template>> templates;
    std::string source;  ///< "built-in" or the directory whose index matched
};

/// Templates by name and by (platform, command). Safe to use from several threads.
class TemplateLibrary {
public:
    /// `directories` are ntc-templates style folders (an `index` file beside the templates),
    /// searched in order after the templates shipped with nockit.
    explicit TemplateLibrary(std::vector<std::filesystem::path> directories = {});

    /// The directories named by $NOCKIT_TEMPLATES (several separated by ':').
    static std::vector<std::filesystem::path> directories_from_environment();

    /// A template by path (an existing file), else by file name among the shipped templates,
    /// then in each directory.
    Result<std::shared_ptr<const Template>> load(const std::string& path_or_name);

    /// The templates of the first index (shipped, then each directory) with a row matching
    /// `platform` and `command`; an error names what was searched when none matches.
    Result<Selection> find(std::string_view platform, std::string_view command);

    /// Parses device output with the templates found for platform and command; several
    /// templates are merged on their Key values, as ntc-templates does.
    Result<Table> parse(std::string_view platform, std::string_view command, std::string_view input);

    /// Names of the templates shipped with nockit.
    static std::vector<std::string> builtin_names();

private:
    struct Source {
        std::string label;                     // "built-in" or the directory
        std::optional<std::filesystem::path> directory;
        std::optional<Index> index;            // loaded on first use
        bool index_missing = false;
    };
    Result<std::shared_ptr<const Template>> template_in(const Source& source, const std::string& name);
    Result<void> ensure_index(Source& source);

    std::mutex mutex_;
    std::vector<Source> sources_;
    std::map<std::string, std::shared_ptr<const Template>> compiled_;  // by "source\0name" or path
};

/// Parses input with several templates and merges their tables as clitable does.
Result<Table> parse_with(const std::vector<std::shared_ptr<const Template>>& templates, std::string_view input);

}  // namespace nockit::textfsm
