// Configuration loading with yaml-cpp; unknown keys are errors so a typo never goes unnoticed.
#include "config/config.hpp"

#include "config/yaml.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

namespace nockit {
namespace {

namespace fs = std::filesystem;

using yaml::error_at;
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
    if (!node.IsMap()) return error_at(source, node.Mark(), fmt::format("{}: expected rtt_ms and loss_pct", key));
    for (const auto& item : node) {
        auto name = item.first.as<std::string>();
        auto full = key + "." + name;
        if (name != "rtt_ms" && name != "loss_pct")
            return error_at(source, item.first.Mark(), fmt::format("unknown key '{}' (use rtt_ms or loss_pct)", full));
        auto v = yaml::number(item.second, full, source);
        if (!v) return v.error();
        (name == "rtt_ms" ? rtt : loss) = *v;
    }
    return {};
}

// thresholds.query: optical levels in dBm (negative) and the error rise that is a warning.
Result<void> read_query(const YAML::Node& node, const std::string& source, QueryThresholds& q) {
    if (!node.IsMap()) return error_at(source, node.Mark(), "thresholds.query: expected optical and errors");
    for (const auto& group : node) {
        auto gname = group.first.as<std::string>();
        auto gkey = "thresholds.query." + gname;
        struct Slot {
            const char* name;
            double* value;
            bool negative_ok;
        };
        std::vector<Slot> slots;
        if (gname == "optical")
            slots = {{"rx_low_dbm", &q.rx_low_dbm, true},   {"rx_very_low_dbm", &q.rx_very_low_dbm, true},
                     {"rx_high_dbm", &q.rx_high_dbm, true}, {"tx_low_dbm", &q.tx_low_dbm, true},
                     {"tx_high_dbm", &q.tx_high_dbm, true}};
        else if (gname == "errors")
            slots = {{"rise_warning", &q.errors_rise_warning, false}};
        else
            return error_at(source, group.first.Mark(), fmt::format("unknown key '{}' (use optical or errors)", gkey));
        if (!group.second.IsMap()) return error_at(source, group.second.Mark(), fmt::format("{}: expected a mapping", gkey));
        for (const auto& item : group.second) {
            auto name = item.first.as<std::string>();
            auto full = gkey + "." + name;
            auto slot = std::find_if(slots.begin(), slots.end(), [&](const Slot& sl) { return name == sl.name; });
            if (slot == slots.end()) {
                std::string known;
                for (const auto& sl : slots) known += (known.empty() ? "" : ", ") + std::string(sl.name);
                return error_at(source, item.first.Mark(), fmt::format("unknown key '{}' (use {})", full, known));
            }
            auto v = yaml::number(item.second, full, source, slot->negative_ok);
            if (!v) return v.error();
            *slot->value = *v;
        }
        // Limits that contradict each other would make every port a warning or none.
        const YAML::Mark& at = group.first.Mark();
        if (q.rx_very_low_dbm > q.rx_low_dbm || q.rx_low_dbm >= q.rx_high_dbm)
            return error_at(source, at, fmt::format("{}: expected rx_very_low_dbm <= rx_low_dbm < rx_high_dbm, got {} / {} / {}",
                                                    gkey, q.rx_very_low_dbm, q.rx_low_dbm, q.rx_high_dbm));
        if (q.tx_low_dbm >= q.tx_high_dbm)
            return error_at(source, at, fmt::format("{}: expected tx_low_dbm < tx_high_dbm, got {} / {}", gkey, q.tx_low_dbm, q.tx_high_dbm));
        if (q.errors_rise_warning < 1)
            return error_at(source, at, fmt::format("{}.rise_warning: expected a count of 1 or more, got {}", gkey, q.errors_rise_warning));
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
    auto text = yaml::read_file(path, "the configuration file; check the path (--config or NOCKIT_CONFIG)");
    if (!text) return text.error();
    return parse_config(*text, path);
}

Result<Config> parse_config(const std::string& text, const std::string& source) {
    Config c;
    c.source = source;
    try {
        YAML::Node root = YAML::Load(text);
        if (!root || root.IsNull()) return c;
        if (!root.IsMap()) return error_at(source, root.Mark(), "expected a mapping of settings (e.g. 'thresholds:')");
        for (const auto& item : root) {
            auto key = item.first.as<std::string>();
            const YAML::Node& v = item.second;
            if (key == "catalogue" || key == "templates" || key == "inventory" || key == "known_hosts" || key == "platforms") {
                if (!v.IsScalar()) return error_at(source, v.Mark(), fmt::format("{}: expected a file path", key));
                std::string path = resolve_path(v.as<std::string>(), source);
                (key == "catalogue" ? c.catalogue : key == "templates" ? c.templates
                                                  : key == "inventory" ? c.inventory
                                                  : key == "platforms" ? c.platforms
                                                                       : c.known_hosts) = path;
            } else if (key == "thresholds") {
                if (!v.IsMap()) return error_at(source, v.Mark(), "thresholds: expected a mapping (e.g. 'ping:')");
                for (const auto& area : v) {
                    auto name = area.first.as<std::string>();
                    if (name == "query") {
                        if (auto r = read_query(area.second, source, c.query); !r) return r.error();
                        continue;
                    }
                    if (name != "ping")
                        return error_at(source, area.first.Mark(), fmt::format("unknown key 'thresholds.{}' (use ping or query)", name));
                    if (!area.second.IsMap())
                        return error_at(source, area.second.Mark(), "thresholds.ping: expected warning and critical");
                    for (const auto& level : area.second) {
                        auto lname = level.first.as<std::string>();
                        auto full = "thresholds.ping." + lname;
                        Result<void> r;
                        if (lname == "warning")
                            r = read_level(level.second, full, source, c.ping.warn_rtt_ms, c.ping.warn_loss_pct);
                        else if (lname == "critical")
                            r = read_level(level.second, full, source, c.ping.crit_rtt_ms, c.ping.crit_loss_pct);
                        else
                            return error_at(source, level.first.Mark(), fmt::format("unknown key '{}' (use warning or critical)", full));
                        if (!r) return r.error();
                    }
                }
            } else {
                return error_at(source, item.first.Mark(),
                          fmt::format("unknown key '{}' (known: thresholds, catalogue, templates, inventory, known_hosts, platforms)", key));
            }
        }
    } catch (const YAML::Exception& e) {
        return error_at(source, e.mark, e.msg);
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
