// Catalogue loading (yaml-cpp, errors with file, line and key) and placeholder filling.
#include "explain/catalogue.hpp"

#include "explain/builtin.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <fstream>
#include <regex>
#include <sstream>

namespace nockit::explain {
namespace {

constexpr std::array<Audience, 3> kAudiences{Audience::customer, Audience::agent, Audience::engineer};

std::size_t index_of(Audience a) { return static_cast<std::size_t>(a); }

Error at(const std::string& source, const YAML::Mark& mark, const std::string& what) {
    if (mark.line >= 0) return unknown_error(fmt::format("{}:{}: {}", source, mark.line + 1, what));
    return unknown_error(fmt::format("{}: {}", source, what));
}

}  // namespace

const Catalogue& Catalogue::builtin() {
    static const Catalogue catalogue = [] {
        Catalogue all;
        for (const auto& [area, text] : builtin_sources()) {
            auto part = parse(text, fmt::format("built-in {}", area));
            // The embedded files are tested; a broken one is a build defect, not a user error.
            if (!part) throw std::logic_error(part.error().message);
            all.merge(*part);
        }
        return all;
    }();
    return catalogue;
}

Result<Catalogue> Catalogue::parse(std::string_view yaml, const std::string& source) {
    Catalogue c;
    try {
        YAML::Node root = YAML::Load(std::string(yaml));
        if (!root || root.IsNull()) return c;
        if (!root.IsMap()) return at(source, root.Mark(), "expected a mapping of finding codes to wording");
        for (const auto& item : root) {
            auto code = item.first.as<std::string>();
            const YAML::Node& body = item.second;
            if (!body.IsMap())
                return at(source, body.Mark(), fmt::format("{}: expected customer, agent and engineer texts", code));
            Entry entry;
            entry.origin = body.Mark().line >= 0 ? fmt::format("{}:{}", source, body.Mark().line + 1) : source;
            for (const auto& field : body) {
                auto key = field.first.as<std::string>();
                auto audience = parse_audience(key);
                if (!audience)
                    return at(source, field.first.Mark(),
                              fmt::format("{}: unknown key '{}' (use customer, agent or engineer)", code, key));
                if (!field.second.IsScalar())
                    return at(source, field.second.Mark(), fmt::format("{}.{}: expected text", code, key));
                entry.text[index_of(*audience)] = field.second.as<std::string>();
            }
            if (c.entries_.count(code)) return at(source, item.first.Mark(), fmt::format("duplicate code '{}'", code));
            c.entries_.emplace(std::move(code), std::move(entry));
        }
    } catch (const YAML::Exception& e) {
        return at(source, e.mark, e.msg);
    }
    return c;
}

Result<Catalogue> Catalogue::load(const std::string& path) {
    std::ifstream in(path);
    if (!in) return unknown_error(fmt::format("{}: cannot read the wording catalogue; check the path in the configuration key 'catalogue'", path));
    std::stringstream ss;
    ss << in.rdbuf();
    return parse(ss.str(), path);
}

void Catalogue::merge(const Catalogue& other) {
    for (const auto& [code, entry] : other.entries_) {
        auto [it, inserted] = entries_.try_emplace(code, entry);
        if (inserted) continue;
        for (auto a : kAudiences)
            if (!entry.text[index_of(a)].empty()) it->second.text[index_of(a)] = entry.text[index_of(a)];
        it->second.origin = entry.origin;
    }
}

const Entry* Catalogue::find(std::string_view code) const {
    auto it = entries_.find(code);
    return it == entries_.end() ? nullptr : &it->second;
}

Result<void> Catalogue::explain(Finding& finding) const {
    const Entry* entry = find(finding.code);
    if (!entry) return unknown_error(fmt::format("no wording for finding code '{}' in the catalogue", finding.code));
    std::array<std::string, 3> out;
    for (auto a : kAudiences) {
        const std::string& tpl = entry->text[index_of(a)];
        if (tpl.empty())
            return unknown_error(fmt::format("{}: finding code '{}' has no {} text", entry->origin, finding.code, to_string(a)));
        auto filled = fill(tpl, finding.facts);
        if (!filled)
            return unknown_error(fmt::format("{}: {} text of '{}': {}", entry->origin, to_string(a), finding.code,
                                             filled.error().message));
        out[index_of(a)] = std::move(*filled);
    }
    finding.customer = std::move(out[0]);
    finding.agent = std::move(out[1]);
    finding.engineer = std::move(out[2]);
    return {};
}

Result<void> Catalogue::explain_or_fallback(Finding& finding) const {
    auto r = explain(finding);
    if (r) return r;
    std::string facts;
    for (const auto& [k, v] : finding.facts) facts += fmt::format(" {}={}", k, v);
    finding.customer = "We are checking this for you; an engineer will explain the result.";
    finding.agent = fmt::format("The result '{}' has no wording yet; ask the engineer to explain it.", finding.code);
    finding.engineer = fmt::format("{} ({}):{}", finding.code, finding.subject, facts);
    return r;
}

Result<std::string> fill(std::string_view text, const std::map<std::string, std::string>& facts) {
    std::string out;
    out.reserve(text.size() + 32);
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
            out += c;
            ++i;
            continue;
        }
        if (c != '{') {
            out += c;
            continue;
        }
        auto close = text.find('}', i);
        if (close == std::string_view::npos) return unknown_error(fmt::format("unclosed '{{' in \"{}\"", text));
        std::string name(text.substr(i + 1, close - i - 1));
        auto it = facts.find(name);
        bool capitalise = false;
        if (it == facts.end() && !name.empty() && std::isupper(static_cast<unsigned char>(name[0]))) {
            std::string lower = name;
            lower[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(lower[0])));
            it = facts.find(lower);
            capitalise = true;
        }
        if (it == facts.end()) return unknown_error(fmt::format("placeholder {{{}}} has no value", name));
        std::string value = it->second;
        if (capitalise && !value.empty()) value[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(value[0])));
        out += value;
        i = close;
    }
    return out;
}

std::vector<std::string> placeholders(std::string_view text) {
    std::vector<std::string> names;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if ((text[i] == '{' || text[i] == '}') && i + 1 < text.size() && text[i + 1] == text[i]) {
            ++i;
            continue;
        }
        if (text[i] != '{') continue;
        auto close = text.find('}', i);
        if (close == std::string_view::npos) break;
        names.emplace_back(text.substr(i + 1, close - i - 1));
        i = close;
    }
    return names;
}

std::vector<std::string> jargon_in(std::string_view text) {
    static const std::vector<std::pair<std::string, std::regex>> patterns = [] {
        std::vector<std::pair<std::string, std::regex>> p;
        auto word = [&](const std::string& w) {
            p.emplace_back(w, std::regex("\\b" + w + "s?\\b", std::regex::icase));
        };
        for (const char* w : {"packet", "latency", "hop", "ICMP", "TTL", "MTU", "CRC", "ms", "RTT", "jitter",
                              "traceroute", "ping", "TCP", "UDP", "DNS", "BGP", "subnet", "CIDR", "interface",
                              "timeout", "IPv4", "IPv6", "MAC", "ARP", "SSH", "ACL", "VLAN", "router ID"})
            word(w);
        p.emplace_back("an IPv4 address", std::regex("\\b\\d{1,3}(\\.\\d{1,3}){3}\\b"));
        p.emplace_back("an IPv6 address", std::regex("\\b[0-9a-fA-F]{1,4}(:[0-9a-fA-F]{0,4}){2,7}\\b"));
        p.emplace_back("an interface name",
                       std::regex("\\b((Gi|Te|Fa|Et|xe|ge|et|eth|ens|enp|Ethernet|GigabitEthernet|TenGigabitEthernet|"
                                  "FastEthernet|Port-channel|Vlan|ae)[-]?\\d+[\\d/.:]*)\\b"));
        return p;
    }();
    std::vector<std::string> found;
    std::string s(text);
    for (const auto& [name, re] : patterns)
        if (std::regex_search(s, re)) found.push_back(name);
    return found;
}

std::string with_commas(long long value) {
    std::string digits = std::to_string(value < 0 ? -value : value);
    std::string out;
    int n = 0;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it, ++n) {
        if (n && n % 3 == 0) out += ',';
        out += *it;
    }
    if (value < 0) out += '-';
    return {out.rbegin(), out.rend()};
}

}  // namespace nockit::explain
