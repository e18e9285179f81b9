// Configuration loading with yaml-cpp; unknown keys are errors so a typo never goes unnoticed.
#include "config/config.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace nockit {
namespace {

namespace fs = std::filesystem;

Error at(const std::string& source, const YAML::Mark& mark, const std::string& what) {
    if (mark.line >= 0) return unknown_error(fmt::format("{}:{}: {}", source, mark.line + 1, what));
    return unknown_error(fmt::format("{}: {}", source, what));
}

Result<double> number(const YAML::Node& node, const std::string& key, const std::string& source) {
    try {
        double v = node.as<double>();
        if (v < 0) return at(source, node.Mark(), fmt::format("{}: must not be negative", key));
        return v;
    } catch (const YAML::Exception&) {
        return at(source, node.Mark(), fmt::format("{}: expected a number, got '{}'", key, node.Scalar()));
    }
}

std::string resolve_path(const std::string& value, const std::string& source) {
    if (value.empty() || fs::path(value).is_absolute()) return value;
    if (value.rfind("~/", 0) == 0) {
        const char* home = std::getenv("HOME");
        return home ? std::string(home) + value.substr(1) : value;
    }
    return (fs::path(source).parent_path() / value).lexically_normal().string();
}

Result<void> read_level(const YAML::Node& node, const std::string& key, const std::string& source, double& rtt,
                        double& loss) {
    if (!node.IsMap()) return at(source, node.Mark(), fmt::format("{}: expected rtt_ms and loss_pct", key));
    for (const auto& item : node) {
        auto name = item.first.as<std::string>();
        auto full = key + "." + name;
        if (name != "rtt_ms" && name != "loss_pct")
            return at(source, item.first.Mark(), fmt::format("unknown key '{}' (use rtt_ms or loss_pct)", full));
        auto v = number(item.second, full, source);
        if (!v) return v.error();
        (name == "rtt_ms" ? rtt : loss) = *v;
    }
    return {};
}

}  // namespace

std::optional<std::string> find_config_file() {
    if (const char* env = std::getenv("NOCKIT_CONFIG"); env && *env) return std::string(env);
    std::error_code ec;
    if (const char* home = std::getenv("HOME"); home && *home) {
        auto p = fs::path(home) / ".config/nockit/config.yaml";
        if (fs::exists(p, ec)) return p.string();
    }
    if (fs::exists("/etc/nockit/config.yaml", ec)) return std::string("/etc/nockit/config.yaml");
    return std::nullopt;
}

Result<Config> load_config(const std::string& explicit_path) {
    std::string path = explicit_path;
    if (path.empty()) {
        auto found = find_config_file();
        if (!found) return Config{};
        path = *found;
    }
    std::ifstream in(path);
    if (!in)
        return unknown_error(fmt::format("{}: cannot read the configuration file; check the path (--config or NOCKIT_CONFIG)", path));
    std::stringstream ss;
    ss << in.rdbuf();
    return parse_config(ss.str(), path);
}

Result<Config> parse_config(const std::string& text, const std::string& source) {
    Config c;
    c.source = source;
    try {
        YAML::Node root = YAML::Load(text);
        if (!root || root.IsNull()) return c;
        if (!root.IsMap()) return at(source, root.Mark(), "expected a mapping of settings (e.g. 'thresholds:')");
        for (const auto& item : root) {
            auto key = item.first.as<std::string>();
            const YAML::Node& v = item.second;
            if (key == "catalogue" || key == "templates" || key == "inventory" || key == "known_hosts") {
                if (!v.IsScalar()) return at(source, v.Mark(), fmt::format("{}: expected a file path", key));
                std::string path = resolve_path(v.as<std::string>(), source);
                (key == "catalogue" ? c.catalogue : key == "templates" ? c.templates
                                                  : key == "inventory" ? c.inventory
                                                                       : c.known_hosts) = path;
            } else if (key == "thresholds") {
                if (!v.IsMap()) return at(source, v.Mark(), "thresholds: expected a mapping (e.g. 'ping:')");
                for (const auto& area : v) {
                    auto name = area.first.as<std::string>();
                    if (name != "ping")
                        return at(source, area.first.Mark(), fmt::format("unknown key 'thresholds.{}' (use ping)", name));
                    if (!area.second.IsMap())
                        return at(source, area.second.Mark(), "thresholds.ping: expected warning and critical");
                    for (const auto& level : area.second) {
                        auto lname = level.first.as<std::string>();
                        auto full = "thresholds.ping." + lname;
                        Result<void> r;
                        if (lname == "warning")
                            r = read_level(level.second, full, source, c.ping.warn_rtt_ms, c.ping.warn_loss_pct);
                        else if (lname == "critical")
                            r = read_level(level.second, full, source, c.ping.crit_rtt_ms, c.ping.crit_loss_pct);
                        else
                            return at(source, level.first.Mark(), fmt::format("unknown key '{}' (use warning or critical)", full));
                        if (!r) return r.error();
                    }
                }
            } else {
                return at(source, item.first.Mark(),
                          fmt::format("unknown key '{}' (known: thresholds, catalogue, templates, inventory, known_hosts)", key));
            }
        }
    } catch (const YAML::Exception& e) {
        return at(source, e.mark, e.msg);
    }
    return c;
}

Result<std::pair<double, double>> parse_rtt_loss(const std::string& text, const std::string& option) {
    auto comma = text.find(',');
    auto bad = [&] {
        return unknown_error(fmt::format("{} '{}': expected RTT_MS,LOSS% such as 150,5%", option, text));
    };
    if (comma == std::string::npos) return bad();
    std::string rtt = text.substr(0, comma), loss = text.substr(comma + 1);
    if (!loss.empty() && loss.back() == '%') loss.pop_back();
    try {
        std::size_t n1 = 0, n2 = 0;
        double r = std::stod(rtt, &n1), l = std::stod(loss, &n2);
        if (n1 != rtt.size() || n2 != loss.size() || r < 0 || l < 0 || l > 100) return bad();
        return std::pair{r, l};
    } catch (const std::exception&) {
        return bad();
    }
}

}  // namespace nockit
