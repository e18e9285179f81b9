// Shared YAML reading (yaml-cpp) with file:line:key errors.
#include "config/yaml.hpp"

#include <fmt/format.h>

#include <cmath>
#include <fstream>
#include <sstream>

namespace nockit::yaml {

Error error_at(const std::string& source, const YAML::Mark& mark, const std::string& what) {
    if (mark.line >= 0) return unknown_error(fmt::format("{}:{}: {}", source, mark.line + 1, what));
    return unknown_error(fmt::format("{}: {}", source, what));
}

std::string origin(const std::string& source, const YAML::Mark& mark) {
    return mark.line >= 0 ? fmt::format("{}:{}", source, mark.line + 1) : source;
}

Result<std::string> text(const YAML::Node& node, const std::string& key, const std::string& source) {
    if (!node.IsScalar()) return error_at(source, node.Mark(), fmt::format("{}: expected a single value", key));
    return node.Scalar();
}

Result<std::vector<std::string>> texts(const YAML::Node& node, const std::string& key, const std::string& source) {
    std::vector<std::string> out;
    if (node.IsNull()) return out;
    if (node.IsScalar()) {
        out.push_back(node.Scalar());
        return out;
    }
    if (!node.IsSequence()) return error_at(source, node.Mark(), fmt::format("{}: expected a list", key));
    for (const auto& item : node) {
        auto s = text(item, key, source);
        if (!s) return s.error();
        out.push_back(*s);
    }
    return out;
}

Result<double> number(const YAML::Node& node, const std::string& key, const std::string& source, bool negative_ok) {
    double v = 0;
    if (!node.IsScalar() || !YAML::convert<double>::decode(node, v) || !std::isfinite(v))
        return error_at(source, node.Mark(), fmt::format("{}: expected a number, got '{}'", key, node.IsScalar() ? node.Scalar() : "?"));
    if (v < 0 && !negative_ok) return error_at(source, node.Mark(), fmt::format("{}: must not be negative", key));
    return v;
}

Result<std::string> read_file(const std::string& path, const std::string& unreadable) {
    std::ifstream in(path);
    if (!in) return unknown_error(fmt::format("{}: cannot read {}", path, unreadable));
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace nockit::yaml
