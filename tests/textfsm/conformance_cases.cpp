// Finding and reading the ntc-templates conformance cases.
#include "conformance_cases.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace nockit::test {

namespace fs = std::filesystem;

std::optional<fs::path> conformance_root(std::string& looked_at) {
    fs::path root;
    if (const char* env = std::getenv("NOCKIT_TEXTFSM_CONFORMANCE"); env != nullptr && *env != '\0')
        root = env;
    else
        root = fs::path(NOCKIT_SOURCE_DIR) / ".." / "shared" / "conformance" / "textfsm";
    root = root.lexically_normal();
    looked_at = root.string();
    std::error_code ec;
    if (!fs::is_regular_file(root / "templates" / "index", ec) || !fs::is_directory(root / "tests", ec))
        return std::nullopt;
    return root;
}

std::vector<ConformanceCase> conformance_cases(const fs::path& tests) {
    std::vector<ConformanceCase> cases;
    for (const auto& entry : fs::recursive_directory_iterator(tests)) {
        if (!entry.is_regular_file() || entry.path().extension() != ".raw") continue;
        const fs::path relative = entry.path().lexically_relative(tests);
        auto part = relative.begin();
        if (std::distance(relative.begin(), relative.end()) != 3) continue;
        ConformanceCase c;
        c.platform = (part++)->string();
        const std::string command_dir = (part++)->string();
        c.command = command_dir;
        std::replace(c.command.begin(), c.command.end(), '_', ' ');
        c.raw = entry.path();
        c.expected = entry.path();
        c.expected.replace_extension(".yml");
        c.label = (relative.parent_path() / relative.stem()).string();
        cases.push_back(std::move(c));
    }
    std::sort(cases.begin(), cases.end(), [](const auto& a, const auto& b) { return a.raw < b.raw; });
    return cases;
}

std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::ostringstream buffer;
    buffer << in.rdbuf();
    return buffer.str();
}

namespace {

nlohmann::json to_json(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Sequence: {
            nlohmann::json list = nlohmann::json::array();
            for (const auto& item : node) list.push_back(to_json(item));
            return list;
        }
        case YAML::NodeType::Map: {
            nlohmann::json object = nlohmann::json::object();
            for (const auto& item : node) object[item.first.as<std::string>()] = to_json(item.second);
            return object;
        }
        case YAML::NodeType::Scalar: return node.as<std::string>();
        default: return nullptr;
    }
}

}  // namespace

nlohmann::json expected_records(const fs::path& yml) {
    const YAML::Node doc = YAML::LoadFile(yml.string());
    const nlohmann::json records = to_json(doc["parsed_sample"]);
    return records.is_null() ? nlohmann::json::array() : records;
}

ConformanceTemplates::ConformanceTemplates(fs::path root) : root_(std::move(root)) {
    auto index = textfsm::Index::parse(read_file(root_ / "templates" / "index"), (root_ / "templates" / "index").string());
    if (!index) throw std::runtime_error(index.error().message);
    index_ = std::move(index).value();
}

Result<std::vector<std::shared_ptr<const textfsm::Template>>> ConformanceTemplates::for_case(const ConformanceCase& c) {
    const auto names = index_.find(c.platform, c.command);
    if (!names) return unknown_error("no index row matches platform '" + c.platform + "', command '" + c.command + "'");
    std::vector<std::shared_ptr<const textfsm::Template>> templates;
    for (const auto& name : *names) {
        auto& slot = compiled_[name];
        if (!slot) {
            auto compiled = textfsm::Template::compile(read_file(root_ / "templates" / name), name);
            if (!compiled) return compiled.error();
            slot = std::move(compiled).value();
        }
        templates.push_back(slot);
    }
    return templates;
}

}  // namespace nockit::test
