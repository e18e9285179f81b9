// Test cases laid out as in ntc-templates (<platform>/<command>/<case>.raw beside .yml): the
// conformance data in ../shared/conformance/textfsm and our own template fixtures.
#pragma once

#include "textfsm/index.hpp"
#include "textfsm/template.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nockit::test {

struct ConformanceCase {
    std::string platform;  ///< tests/<platform>/...
    std::string command;   ///< the command directory with '_' turned into ' '
    std::filesystem::path raw;
    std::filesystem::path expected;  ///< the .yml beside the .raw
    std::string label;     ///< platform/command_dir/case
};

/// The conformance folder ($NOCKIT_TEXTFSM_CONFORMANCE, else ../shared/conformance/textfsm
/// beside the source tree), or nothing when it is not there.
std::optional<std::filesystem::path> conformance_root(std::string& looked_at);

/// Every case under `tests` (tests/<platform>/<command>/<case>.raw), sorted by path.
std::vector<ConformanceCase> conformance_cases(const std::filesystem::path& tests);

std::string read_file(const std::filesystem::path& path);

/// The `parsed_sample` list of a case's .yml as JSON (scalars as strings, null as null).
nlohmann::json expected_records(const std::filesystem::path& yml);

/// Templates of the conformance folder, each compiled once.
class ConformanceTemplates {
public:
    explicit ConformanceTemplates(std::filesystem::path root);
    /// The index of the folder (an error ends the run: the data is broken).
    const textfsm::Index& index() const { return index_; }
    /// The compiled templates the index picks for a case, or an error.
    Result<std::vector<std::shared_ptr<const textfsm::Template>>> for_case(const ConformanceCase& c);

private:
    std::filesystem::path root_;
    textfsm::Index index_;
    std::map<std::string, std::shared_ptr<const textfsm::Template>> compiled_;
};

}  // namespace nockit::test
