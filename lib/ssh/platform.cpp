// Loading platform drivers from YAML (yaml-cpp), with errors that name file, line and key.
#include "ssh/platform.hpp"

#include "config/yaml.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <set>

namespace nockit::embedded {
extern const std::string_view platforms_yaml;
}

namespace nockit::ssh {
namespace {

using yaml::error_at;

struct Reader {
    const std::string& source;

    Result<std::string> text(const YAML::Node& node, const std::string& key) const { return yaml::text(node, key, source); }
    Result<Pattern> pattern(const YAML::Node& node, const std::string& key) const {
        auto t = text(node, key);
        if (!t) return t.error();
        auto p = Pattern::compile(*t, fmt::format("{}:{}: {}", source, node.Mark().line + 1, key));
        if (!p) return p.error();
        return p;
    }
    Result<std::vector<std::string>> texts(const YAML::Node& node, const std::string& key) const {
        return yaml::texts(node, key, source);
    }
    Result<bool> flag(const YAML::Node& node, const std::string& key) const {
        bool v = false;
        if (!node.IsScalar() || !YAML::convert<bool>::decode(node, v))
            return error_at(source, node.Mark(), fmt::format("{}: expected true or false", key));
        return v;
    }
};

Result<void> read_enable(const Reader& r, const YAML::Node& node, const std::string& key, Platform& p) {
    if (!node.IsMap()) return error_at(r.source, node.Mark(), fmt::format("{}: expected command, password_prompt, failed, needs_secret", key));
    for (const auto& item : node) {
        auto name = item.first.Scalar();
        auto full = key + "." + name;
        Result<void> ok;
        if (name == "command") {
            auto v = r.text(item.second, full);
            if (!v) return v.error();
            p.enable_command = *v;
        } else if (name == "password_prompt" || name == "failed") {
            auto v = r.pattern(item.second, full);
            if (!v) return v.error();
            (name == "failed" ? p.enable_failed : p.enable_password_prompt) = *v;
        } else if (name == "needs_secret") {
            auto v = r.flag(item.second, full);
            if (!v) return v.error();
            p.enable_needs_secret = *v;
        } else {
            return error_at(r.source, item.first.Mark(),
                      fmt::format("unknown key '{}' (use command, password_prompt, failed or needs_secret)", full));
        }
    }
    return {};
}

Result<void> read_platform(const Reader& r, const std::string& name, const YAML::Node& body, Platform& p) {
    if (!body.IsMap()) return error_at(r.source, body.Mark(), fmt::format("{}: expected the platform's settings", name));
    for (const auto& item : body) {
        auto key = item.first.Scalar();
        auto full = name + "." + key;
        const YAML::Node& v = item.second;
        if (key == "inherit") {
            continue;  // handled by the caller
        } else if (key == "description") {
            auto t = r.text(v, full);
            if (!t) return t.error();
            p.description = *t;
        } else if (key == "transport") {
            auto t = r.text(v, full);
            if (!t) return t.error();
            if (*t == "shell") p.transport = Transport::shell;
            else if (*t == "exec") p.transport = Transport::exec;
            else return error_at(r.source, v.Mark(), fmt::format("{}: unknown transport '{}' (use shell or exec)", full, *t));
        } else if (key == "prompt" || key == "privileged_prompt" || key == "more") {
            auto pat = r.pattern(v, full);
            if (!pat) return pat.error();
            (key == "prompt" ? p.prompt : key == "more" ? p.more : p.privileged) = *pat;
        } else if (key == "pager_disable") {
            auto t = r.texts(v, full);
            if (!t) return t.error();
            p.pager_disable = *t;
        } else if (key == "more_continue" || key == "exit" || key == "line_end") {
            auto t = r.text(v, full);
            if (!t) return t.error();
            (key == "exit" ? p.exit_command : key == "line_end" ? p.line_end : p.more_continue) = *t;
        } else if (key == "enable") {
            if (auto e = read_enable(r, v, full, p); !e) return e.error();
        } else if (key == "errors") {
            if (!v.IsSequence()) return error_at(r.source, v.Mark(), fmt::format("{}: expected a list of patterns", full));
            p.errors.clear();
            for (const auto& e : v) {
                auto pat = r.pattern(e, full);
                if (!pat) return pat.error();
                p.errors.push_back(*pat);
            }
        } else if (key == "checks") {
            if (!v.IsMap()) return error_at(r.source, v.Mark(), fmt::format("{}: expected check names with their commands", full));
            for (const auto& check : v) {
                auto cname = check.first.Scalar();
                auto ckey = full + "." + cname;
                if (!check.second.IsSequence())
                    return error_at(r.source, check.second.Mark(), fmt::format("{}: expected a list of commands", ckey));
                std::vector<CheckCommand> cmds;
                for (const auto& entry : check.second) {
                    CheckCommand cc;
                    if (entry.IsScalar()) {
                        cc.command = entry.Scalar();
                    } else if (entry.IsMap()) {
                        for (const auto& f : entry) {
                            auto fname = f.first.Scalar();
                            if (fname == "command") {
                                auto t = r.text(f.second, ckey + ".command");
                                if (!t) return t.error();
                                cc.command = *t;
                            } else if (fname == "parse") {
                                if (!f.second.IsSequence())
                                    return error_at(r.source, f.second.Mark(), fmt::format("{}.parse: expected a list of patterns", ckey));
                                for (const auto& rule : f.second) {
                                    auto pat = r.pattern(rule, ckey + ".parse");
                                    if (!pat) return pat.error();
                                    cc.parse.push_back(*pat);
                                }
                            } else if (fname == "records") {
                                auto t = r.text(f.second, ckey + ".records");
                                if (!t) return t.error();
                                if (*t != "one" && *t != "each")
                                    return error_at(r.source, f.second.Mark(), fmt::format("{}.records: use one or each", ckey));
                                cc.each = *t == "each";
                            } else {
                                return error_at(r.source, f.first.Mark(),
                                          fmt::format("{}: unknown key '{}' (use command, parse or records)", ckey, fname));
                            }
                        }
                    } else {
                        return error_at(r.source, entry.Mark(), fmt::format("{}: expected a command", ckey));
                    }
                    if (cc.command.empty()) return error_at(r.source, entry.Mark(), fmt::format("{}: a command is missing", ckey));
                    if (cc.each && cc.parse.size() != 1)
                        return error_at(r.source, entry.Mark(), fmt::format("{}: records: each needs exactly one parse pattern", ckey));
                    cmds.push_back(std::move(cc));
                }
                p.checks[cname] = std::move(cmds);
            }
        } else {
            return error_at(r.source, item.first.Mark(),
                      fmt::format("unknown key '{}' (use description, transport, prompt, privileged_prompt, "
                                  "pager_disable, more, more_continue, enable, errors, exit, line_end, checks or inherit)",
                                  full));
        }
    }
    return {};
}

}  // namespace

std::string Platform::error_line(std::string_view output) const {
    std::size_t start = 0;
    while (start < output.size()) {
        std::size_t nl = output.find('\n', start);
        std::string_view line = output.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
        for (const auto& e : errors)
            if (e.search(line)) return std::string(line);
        if (nl == std::string_view::npos) break;
        start = nl + 1;
    }
    return {};
}

const Platforms& Platforms::builtin() {
    static const Platforms platforms = [] {
        auto p = parse(embedded::platforms_yaml, "built-in platforms");
        // The embedded file is tested; failing here is a build defect, not a user error.
        if (!p) throw std::logic_error(p.error().message);
        return std::move(p).value();
    }();
    return platforms;
}

Result<Platforms> Platforms::parse(std::string_view yaml, const std::string& source, const Platforms* base) {
    Platforms out;
    if (base) out = *base;
    Reader r{source};
    try {
        YAML::Node root = YAML::Load(std::string(yaml));
        if (!root || root.IsNull()) return out;
        if (!root.IsMap()) return error_at(source, root.Mark(), "expected platform names with their settings (e.g. 'cisco_ios:')");
        std::set<std::string> seen;
        for (const auto& item : root) {
            auto name = item.first.Scalar();
            if (!seen.insert(name).second)
                return error_at(source, item.first.Mark(), fmt::format("platform '{}' is defined twice", name));
            Platform p;
            if (auto it = out.platforms_.find(name); it != out.platforms_.end()) p = it->second;
            if (item.second.IsMap() && item.second["inherit"]) {
                auto parent = item.second["inherit"].Scalar();
                auto it = out.platforms_.find(parent);
                if (it == out.platforms_.end())
                    return error_at(source, item.second["inherit"].Mark(),
                              fmt::format("{}.inherit: unknown platform '{}' (define it first)", name, parent));
                p = it->second;
            }
            p.name = name;
            p.origin = yaml::origin(source, item.first.Mark());
            if (auto e = read_platform(r, name, item.second, p); !e) return e.error();
            if (p.transport == Transport::shell && p.prompt.empty())
                return error_at(source, item.first.Mark(), fmt::format("{}.prompt: a shell platform needs a prompt pattern", name));
            out.platforms_[name] = std::move(p);
        }
    } catch (const YAML::Exception& e) {
        return error_at(source, e.mark, e.msg);
    }
    return out;
}

Result<Platforms> Platforms::load(const std::string& path) {
    if (path.empty()) return builtin();
    auto text = yaml::read_file(path, "the platforms file; check the path (--platforms, or 'platforms' in the configuration)");
    if (!text) return text.error();
    return parse(*text, path, &builtin());
}

const Platform* Platforms::find(std::string_view name) const {
    auto it = platforms_.find(name);
    return it == platforms_.end() ? nullptr : &it->second;
}

std::vector<std::string> Platforms::names() const {
    std::vector<std::string> out;
    for (const auto& [name, p] : platforms_) out.push_back(name);
    return out;
}

std::string find_platforms_file(const std::string& explicit_path) {
    if (!explicit_path.empty()) return explicit_path;
    std::error_code ec;
    if (const char* home = std::getenv("HOME"); home && *home) {
        auto p = std::filesystem::path(home) / ".config/nockit/platforms.yaml";
        if (std::filesystem::exists(p, ec)) return p.string();
    }
    if (std::filesystem::exists("/etc/nockit/platforms.yaml", ec)) return "/etc/nockit/platforms.yaml";
    return {};
}

}  // namespace nockit::ssh
