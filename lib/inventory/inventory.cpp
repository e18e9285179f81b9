// Inventory loading (yaml-cpp) and validation, Nornir-style inheritance, and device selection.
#include "inventory/inventory.hpp"

#include "config/yaml.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <functional>
#include <set>

namespace nockit::inventory {
namespace {

using yaml::error_at;

// One entry of a section ("teams.noc") and one key of a mapping ("teams.noc.hours"), with full
// names for messages.
struct Entry {
    std::string name, key, origin;
    YAML::Mark mark;
    const YAML::Node& body;
};
struct Field {
    std::string name, full;
    YAML::Mark mark;
    const YAML::Node& value;
};

// Levenshtein distance, for "did you mean" hints on mistyped names.
std::size_t distance(std::string_view a, std::string_view b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t prev = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t cur = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] == b[j - 1] ? 0 : 1)});
            prev = cur;
        }
    }
    return row[b.size()];
}

template <class Names>
std::string did_you_mean(std::string_view wrong, const Names& names) {
    std::string best;
    std::size_t best_d = std::max<std::size_t>(2, wrong.size() / 3) + 1;
    for (const auto& n : names) {
        std::size_t d = distance(wrong, n);
        if (d < best_d) {
            best_d = d;
            best = n;
        }
    }
    return best.empty() ? std::string() : fmt::format(" (did you mean '{}'?)", best);
}

// Values a host may inherit from its groups and the defaults, with where each was written.
struct Attributes {
    std::map<std::string, std::string> text;  // address, platform, site, username, credential, jump
    std::map<std::string, YAML::Mark> marks;
    std::optional<int> port;
    std::vector<std::string> groups;
    YAML::Mark groups_mark;
    nlohmann::json data = nlohmann::json::object();
    YAML::Mark mark;
};

nlohmann::json to_json(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Map: {
            nlohmann::json j = nlohmann::json::object();
            for (const auto& kv : node) j[kv.first.Scalar()] = to_json(kv.second);
            return j;
        }
        case YAML::NodeType::Sequence: {
            nlohmann::json j = nlohmann::json::array();
            for (const auto& v : node) j.push_back(to_json(v));
            return j;
        }
        case YAML::NodeType::Scalar: {
            const std::string& s = node.Scalar();
            if (node.Tag() == "!") return s;  // quoted: stays text
            long long i = 0;
            double d = 0;
            bool b = false;
            if (YAML::convert<long long>::decode(node, i)) return i;
            if (YAML::convert<double>::decode(node, d)) return d;
            if (YAML::convert<bool>::decode(node, b)) return b;
            return s;
        }
        default:
            return nullptr;
    }
}

class Parser {
public:
    Parser(std::string source, const std::vector<std::string>& platforms) : source_(std::move(source)), platforms_(platforms) {}

    Result<Inventory> run(const std::string& yaml);

private:
    Result<std::string> scalar(const YAML::Node& node, const std::string& key) { return yaml::text(node, key, source_); }
    Result<std::vector<std::string>> list(const YAML::Node& node, const std::string& key) { return yaml::texts(node, key, source_); }
    Result<void> check_map(const YAML::Node& node, const std::string& key, const char* hint) {
        if (!node.IsMap()) return error_at(source_, node.Mark(), fmt::format("{}: expected a mapping ({})", key, hint));
        return {};
    }
    // Calls `read` for each entry of a section (`what`: "teams").
    template <class Read>
    Result<void> each_entry(const YAML::Node& section, const std::string& what, Read&& read) {
        for (const auto& item : section) {
            const auto& name = item.first.Scalar();
            if (auto r = read(Entry{name, what + "." + name, yaml::origin(source_, item.first.Mark()), item.first.Mark(), item.second}); !r)
                return r;
        }
        return {};
    }
    // Calls `read` for each key of the mapping `body` (named `key`; `hint` lists its keys).
    template <class Read>
    Result<void> each_field(const YAML::Node& body, const std::string& key, const char* hint, Read&& read) {
        if (auto m = check_map(body, key, hint); !m) return m;
        for (const auto& f : body) {
            const auto& name = f.first.Scalar();
            if (auto r = read(Field{name, key + "." + name, f.first.Mark(), f.second}); !r) return r;
        }
        return {};
    }
    // Top-level sections are mappings of unique names.
    Result<void> unique_names(const YAML::Node& section, const std::string& what) {
        std::map<std::string, int> seen;
        for (const auto& item : section) {
            auto name = item.first.Scalar();
            if (name.empty()) return error_at(source_, item.first.Mark(), fmt::format("{}: an entry has an empty name", what));
            auto [it, fresh] = seen.emplace(name, item.first.Mark().line + 1);
            if (!fresh)
                return error_at(source_, item.first.Mark(),
                          fmt::format("{}.{}: duplicate {} (first defined on line {}); give each a unique name", what,
                                      name, what == "hosts" ? "host" : "entry", it->second));
        }
        return {};
    }

    Result<Attributes> attributes(const YAML::Node& body, const std::string& key, bool is_host, bool is_defaults);
    Result<void> credentials(const YAML::Node& section, Inventory& inv);
    Result<void> teams(const YAML::Node& section, Inventory& inv);
    Result<void> segments(const YAML::Node& section, Inventory& inv);
    Result<void> customers(const YAML::Node& section, Inventory& inv);
    Result<void> resolve(Inventory& inv);

    std::string source_;
    const std::vector<std::string>& platforms_;
    std::map<std::string, Attributes> groups_;
    std::vector<std::pair<std::string, Attributes>> hosts_;
    Attributes defaults_;
};

Result<Attributes> Parser::attributes(const YAML::Node& body, const std::string& key, bool is_host, bool is_defaults) {
    Attributes a;
    a.mark = body.Mark();
    if (body.IsNull()) return a;
    if (auto m = check_map(body, key, "hostname, port, platform, groups, ..."); !m) return m.error();
    for (const auto& item : body) {
        auto name = item.first.Scalar();
        auto full = key + "." + name;
        const YAML::Node& v = item.second;
        if (name == "hostname" || name == "address" || name == "platform" || name == "site" || name == "username" ||
            name == "credential" || name == "jump") {
            if (is_defaults && (name == "hostname" || name == "address"))
                return error_at(source_, item.first.Mark(), fmt::format("{}: an address belongs on each host, not in defaults", full));
            auto s = scalar(v, full);
            if (!s) return s.error();
            std::string slot = name == "hostname" ? "address" : name;
            if (a.text.count(slot))
                return error_at(source_, item.first.Mark(), fmt::format("{}: give either hostname or address, not both", full));
            a.text[slot] = *s;
            a.marks[slot] = v.Mark();
        } else if (name == "port") {
            int port = 0;
            if (!v.IsScalar() || !YAML::convert<int>::decode(v, port) || port < 1 || port > 65535)
                return error_at(source_, v.Mark(), fmt::format("{}: expected a TCP port 1-65535, got '{}'", full, v.IsScalar() ? v.Scalar() : "?"));
            a.port = port;
        } else if (name == "groups") {
            if (is_defaults) return error_at(source_, item.first.Mark(), fmt::format("{}: defaults cannot belong to groups", full));
            auto l = list(v, full);
            if (!l) return l.error();
            a.groups = *l;
            a.groups_mark = v.Mark();
        } else if (name == "data") {
            if (!v.IsMap() && !v.IsNull()) return error_at(source_, v.Mark(), fmt::format("{}: expected a mapping of your own fields", full));
            a.data = v.IsNull() ? nlohmann::json::object() : to_json(v);
        } else if (name == "password" || name == "secret" || name == "enable_secret") {
            return error_at(source_, item.first.Mark(),
                      fmt::format("{}: passwords never go in the inventory; put the secret in an environment variable "
                                  "and name it in a credentials entry (password_env: VARIABLE)", full));
        } else {
            return error_at(source_, item.first.Mark(),
                      fmt::format("{}: unknown key '{}' (use hostname, port, platform, site, groups, username, credential, "
                                  "jump or data)", full, name));
        }
    }
    if (auto it = a.text.find("address"); it != a.text.end() && !valid_address(it->second))
        return error_at(source_, a.marks["address"],
                  fmt::format("{}.hostname: '{}' is neither an IP address nor a DNS name", key, it->second));
    if (auto it = a.text.find("platform"); it != a.text.end() &&
                                           std::find(platforms_.begin(), platforms_.end(), it->second) == platforms_.end())
        return error_at(source_, a.marks["platform"],
                  fmt::format("{}.platform: unknown platform '{}'{}; known: {}", key, it->second,
                              did_you_mean(it->second, platforms_), fmt::join(platforms_, ", ")));
    (void)is_host;
    return a;
}

Result<void> Parser::credentials(const YAML::Node& section, Inventory& inv) {
    return each_entry(section, "credentials", [&](const Entry& e) -> Result<void> {
        Credential c;
        c.name = e.name;
        c.origin = e.origin;
        YAML::Mark method_mark = e.body.Mark();
        bool method_given = false;
        auto read = each_field(e.body, e.key, "method, key_file, password_env, enable_secret_env", [&](const Field& f) -> Result<void> {
            if (f.name == "password" || f.name == "secret" || f.name == "enable_secret" || f.name == "passphrase")
                return error_at(source_, f.mark,
                                fmt::format("{}: secrets never go in the inventory; put it in an environment variable and "
                                            "give its name with {}_env", f.full, f.name == "password" ? "password" : "enable_secret"));
            auto v = scalar(f.value, f.full);
            if (!v) return v.error();
            if (f.name == "method") {
                method_given = true;
                method_mark = f.value.Mark();
                if (*v == "automatic" || *v == "default") c.method = Credential::Method::automatic;
                else if (*v == "agent") c.method = Credential::Method::agent;
                else if (*v == "key") c.method = Credential::Method::key;
                else if (*v == "password") c.method = Credential::Method::password;
                else if (*v == "prompt") c.method = Credential::Method::prompt;
                else
                    return error_at(source_, f.value.Mark(),
                                    fmt::format("{}: unknown method '{}' (use automatic, agent, key, password or prompt)", f.full, *v));
            } else if (f.name == "key_file") {
                c.key_file = *v;
            } else if (f.name == "password_env" || f.name == "enable_secret_env") {
                bool ok = !v->empty() && !(v->front() >= '0' && v->front() <= '9') &&
                          std::all_of(v->begin(), v->end(), [](char ch) { return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_'; });
                if (!ok)
                    return error_at(source_, f.value.Mark(),
                                    fmt::format("{}: '{}' is not an environment variable name (letters, digits, _)", f.full, *v));
                (f.name == "password_env" ? c.password_env : c.enable_secret_env) = *v;
            } else {
                return error_at(source_, f.mark,
                                fmt::format("{}: unknown key '{}' (use method, key_file, password_env or enable_secret_env)", f.full, f.name));
            }
            return {};
        });
        if (!read) return read;
        if (!method_given) {
            if (!c.password_env.empty()) c.method = Credential::Method::password;
            else if (!c.key_file.empty()) c.method = Credential::Method::key;
        }
        if (c.method == Credential::Method::key && c.key_file.empty())
            return error_at(source_, method_mark, fmt::format("{}: method key needs key_file", e.key));
        if (c.method == Credential::Method::password && c.password_env.empty())
            return error_at(source_, method_mark, fmt::format("{}: method password needs password_env (the variable's name)", e.key));
        inv.credentials.emplace(e.name, std::move(c));
        return {};
    });
}

Result<void> Parser::teams(const YAML::Node& section, Inventory& inv) {
    return each_entry(section, "teams", [&](const Entry& e) -> Result<void> {
        Team t;
        t.id = e.name;
        t.origin = e.origin;
        auto read = each_field(e.body, e.key, "name, hours, contacts", [&](const Field& f) -> Result<void> {
            if (f.name == "name" || f.name == "hours") {
                auto v = scalar(f.value, f.full);
                if (!v) return v.error();
                (f.name == "name" ? t.name : t.hours) = *v;
            } else if (f.name == "contacts") {
                if (!f.value.IsSequence()) return error_at(source_, f.value.Mark(), fmt::format("{}: expected a list of contacts", f.full));
                for (const auto& c : f.value) {
                    Contact contact;
                    auto fields = each_field(c, f.full, "name, role, phone, email", [&](const Field& cf) -> Result<void> {
                        auto v = scalar(cf.value, cf.full);
                        if (!v) return v.error();
                        if (cf.name == "name") contact.name = *v;
                        else if (cf.name == "role") contact.role = *v;
                        else if (cf.name == "phone") contact.phone = *v;
                        else if (cf.name == "email") contact.email = *v;
                        else
                            return error_at(source_, cf.mark,
                                            fmt::format("{}: unknown key '{}' (use name, role, phone or email)", f.full, cf.name));
                        return {};
                    });
                    if (!fields) return fields;
                    if (contact.phone.empty() && contact.email.empty())
                        return error_at(source_, c.Mark(), fmt::format("{}: a contact needs a phone or an email", f.full));
                    t.contacts.push_back(std::move(contact));
                }
            } else {
                return error_at(source_, f.mark, fmt::format("{}: unknown key '{}' (use name, hours or contacts)", e.key, f.name));
            }
            return {};
        });
        if (!read) return read;
        if (t.name.empty()) t.name = t.id;
        inv.teams.emplace(t.id, std::move(t));
        return {};
    });
}

Result<void> Parser::segments(const YAML::Node& section, Inventory& inv) {
    return each_entry(section, "segments", [&](const Entry& e) -> Result<void> {
        Segment s;
        s.name = e.name;
        s.origin = e.origin;
        YAML::Mark team_mark = e.mark;
        auto read = each_field(e.body, e.key, "prefixes, team, description", [&](const Field& f) -> Result<void> {
            if (f.name == "prefixes") {
                auto l = list(f.value, f.full);
                if (!l) return l.error();
                std::size_t i = 0;
                for (const auto& text : *l) {
                    auto p = net::Prefix::parse(text);
                    YAML::Mark mark = f.value.IsSequence() ? f.value[i].Mark() : f.value.Mark();
                    if (!p) return error_at(source_, mark, fmt::format("{}: {}", f.full, p.error().message));
                    s.prefixes.push_back(*p);
                    ++i;
                }
            } else if (f.name == "team" || f.name == "description") {
                auto v = scalar(f.value, f.full);
                if (!v) return v.error();
                (f.name == "team" ? s.team : s.description) = *v;
                if (f.name == "team") team_mark = f.value.Mark();
            } else {
                return error_at(source_, f.mark, fmt::format("{}: unknown key '{}' (use prefixes, team or description)", e.key, f.name));
            }
            return {};
        });
        if (!read) return read;
        if (s.prefixes.empty()) return error_at(source_, e.mark, fmt::format("{}: needs at least one prefix", e.key));
        if (s.team.empty()) return error_at(source_, e.mark, fmt::format("{}: needs the owning team (team: ID)", e.key));
        if (!inv.teams.count(s.team)) {
            std::vector<std::string> names;
            for (const auto& [id, t] : inv.teams) names.push_back(id);
            return error_at(source_, team_mark,
                            fmt::format("{}.team: unknown team '{}'{}; define it under teams:", e.key, s.team, did_you_mean(s.team, names)));
        }
        inv.segments.emplace(s.name, std::move(s));
        return {};
    });
}

Result<void> Parser::customers(const YAML::Node& section, Inventory& inv) {
    std::vector<std::string> host_names;
    for (const auto& [n, h] : inv.hosts) host_names.push_back(n);
    return each_entry(section, "customers", [&](const Entry& e) -> Result<void> {
        Customer c;
        c.id = e.name;
        c.origin = e.origin;
        auto read = each_field(e.body, e.key, "name, cpe, access, service, site", [&](const Field& f) -> Result<void> {
            if (f.name == "access") {
                return each_field(f.value, f.full, "device, port", [&](const Field& a) -> Result<void> {
                    auto v = scalar(a.value, a.full);
                    if (!v) return v.error();
                    if (a.name == "device") {
                        c.access_device = *v;
                        if (!inv.hosts.count(*v))
                            return error_at(source_, a.value.Mark(),
                                            fmt::format("{}: unknown host '{}'{}; it must be one of hosts:", a.full, *v,
                                                        did_you_mean(*v, host_names)));
                    } else if (a.name == "port") {
                        c.access_port = *v;
                    } else {
                        return error_at(source_, a.mark, fmt::format("{}: unknown key '{}' (use device or port)", f.full, a.name));
                    }
                    return {};
                });
            }
            if (f.name == "data") {
                if (!f.value.IsMap()) return error_at(source_, f.value.Mark(), fmt::format("{}: expected a mapping", f.full));
                c.data = to_json(f.value);
            } else if (f.name == "name" || f.name == "cpe" || f.name == "service" || f.name == "site") {
                auto v = scalar(f.value, f.full);
                if (!v) return v.error();
                if (f.name == "cpe" && !net::Address::parse(*v))
                    return error_at(source_, f.value.Mark(), fmt::format("{}: '{}' is not an IP address", f.full, *v));
                (f.name == "name" ? c.name : f.name == "cpe" ? c.cpe : f.name == "service" ? c.service : c.site) = *v;
            } else {
                return error_at(source_, f.mark,
                                fmt::format("{}: unknown key '{}' (use name, cpe, access, service, site or data)", e.key, f.name));
            }
            return {};
        });
        if (!read) return read;
        if (c.access_device.empty() != c.access_port.empty())
            return error_at(source_, e.mark, fmt::format("{}.access: give both device and port", e.key));
        inv.customers.emplace(c.id, std::move(c));
        return {};
    });
}

Result<void> Parser::resolve(Inventory& inv) {
    // Group cycles and unknown parents first, so the walk below terminates.
    std::map<std::string, int> state;  // 0 unvisited, 1 on the path, 2 done
    std::vector<std::string> path;
    std::function<Result<void>(const std::string&)> visit = [&](const std::string& g) -> Result<void> {
        state[g] = 1;
        path.push_back(g);
        const Attributes& a = groups_.at(g);
        for (const auto& parent : a.groups) {
            if (!groups_.count(parent)) {
                std::vector<std::string> names;
                for (const auto& [n, ga] : groups_) names.push_back(n);
                return error_at(source_, a.groups_mark,
                          fmt::format("groups.{}.groups: unknown group '{}'{}", g, parent, did_you_mean(parent, names)));
            }
            if (state[parent] == 1) {
                auto start = std::find(path.begin(), path.end(), parent);
                std::vector<std::string> cycle(start, path.end());
                cycle.push_back(parent);
                return error_at(source_, a.groups_mark,
                          fmt::format("groups.{}.groups: group cycle {}; a group cannot contain itself", g, fmt::join(cycle, " -> ")));
            }
            if (state[parent] == 0)
                if (auto r = visit(parent); !r) return r;
        }
        path.pop_back();
        state[g] = 2;
        return {};
    };
    for (const auto& [g, a] : groups_)
        if (state[g] == 0)
            if (auto r = visit(g); !r) return r;

    // Nornir order: the host, then its groups depth-first in the order listed, then defaults.
    for (auto& [name, own] : hosts_) {
        std::vector<const Attributes*> chain{&own};
        std::set<std::string> seen;
        std::function<void(const std::vector<std::string>&)> add = [&](const std::vector<std::string>& gs) {
            for (const auto& g : gs) {
                if (!seen.insert(g).second) continue;
                const Attributes& ga = groups_.at(g);
                chain.push_back(&ga);
                add(ga.groups);
            }
        };
        for (const auto& g : own.groups)
            if (!groups_.count(g)) {
                std::vector<std::string> names;
                for (const auto& [n, ga] : groups_) names.push_back(n);
                return error_at(source_, own.groups_mark, fmt::format("hosts.{}.groups: unknown group '{}'{}", name, g, did_you_mean(g, names)));
            }
        add(own.groups);
        chain.push_back(&defaults_);

        Host h;
        h.name = name;
        h.groups = own.groups;
        h.origin = yaml::origin(source_, own.mark);
        auto pick = [&](const std::string& key) -> std::string {
            for (const auto* a : chain)
                if (auto it = a->text.find(key); it != a->text.end()) return it->second;
            return {};
        };
        h.address = pick("address");
        if (h.address.empty()) h.address = name;  // Nornir: the name is the address when none is given
        if (!valid_address(h.address))
            return error_at(source_, own.mark, fmt::format("hosts.{}: no hostname given and the name is not an address; add 'hostname: ADDRESS'", name));
        h.platform = pick("platform");
        h.site = pick("site");
        h.username = pick("username");
        h.credential = pick("credential");
        h.jump = pick("jump");
        for (const auto* a : chain)
            if (a->port) {
                h.port = a->port;
                break;
            }
        for (auto it = chain.rbegin(); it != chain.rend(); ++it)
            for (const auto& [k, v] : (*it)->data.items()) h.data[k] = v;
        if (!h.credential.empty() && !inv.credentials.count(h.credential)) {
            const Attributes* where = &own;
            for (const auto* a : chain)
                if (a->text.count("credential")) {
                    where = a;
                    break;
                }
            std::vector<std::string> names;
            for (const auto& [n, c] : inv.credentials) names.push_back(n);
            return error_at(source_, where->marks.at("credential"),
                      fmt::format("hosts.{}.credential: unknown credential '{}'{}; define it under credentials:", name,
                                  h.credential, did_you_mean(h.credential, names)));
        }
        inv.hosts.emplace(name, std::move(h));
    }
    return {};
}

Result<Inventory> Parser::run(const std::string& yaml) {
    Inventory inv;
    inv.source = source_;
    YAML::Node root;
    try {
        root = YAML::Load(yaml);
    } catch (const YAML::Exception& e) {
        return error_at(source_, e.mark, e.msg);
    }
    if (!root || root.IsNull()) return inv;
    if (!root.IsMap()) return error_at(source_, root.Mark(), "expected sections such as 'hosts:', 'groups:' and 'customers:'");
    static const std::vector<std::string> sections{"hosts", "groups", "defaults", "credentials", "customers", "segments", "teams"};
    std::map<std::string, YAML::Node> by_name;
    for (const auto& item : root) {
        auto name = item.first.Scalar();
        if (std::find(sections.begin(), sections.end(), name) == sections.end())
            return error_at(source_, item.first.Mark(),
                      fmt::format("unknown section '{}'{} (use hosts, groups, defaults, credentials, customers, segments or teams)",
                                  name, did_you_mean(name, sections)));
        if (by_name.count(name)) return error_at(source_, item.first.Mark(), fmt::format("section '{}' appears twice", name));
        if (!item.second.IsMap() && !item.second.IsNull())
            return error_at(source_, item.second.Mark(), fmt::format("{}: expected a mapping of names to entries", name));
        by_name[name] = item.second;
    }
    auto section = [&](const std::string& name) -> YAML::Node {
        auto it = by_name.find(name);
        return it == by_name.end() || it->second.IsNull() ? YAML::Node(YAML::NodeType::Map) : it->second;
    };
    try {
        for (const auto& s : {"hosts", "groups", "credentials", "customers", "segments", "teams"})
            if (auto r = unique_names(section(s), s); !r) return r.error();
        if (auto r = credentials(section("credentials"), inv); !r) return r.error();
        auto d = attributes(section("defaults"), "defaults", false, true);
        if (!d) return d.error();
        defaults_ = *d;
        for (const auto& item : section("groups")) {
            auto name = item.first.Scalar();
            auto a = attributes(item.second, "groups." + name, false, false);
            if (!a) return a.error();
            inv.groups[name] = a->groups;
            groups_.emplace(name, *a);
        }
        for (const auto& item : section("hosts")) {
            auto name = item.first.Scalar();
            auto a = attributes(item.second, "hosts." + name, true, false);
            if (!a) return a.error();
            a->mark = item.first.Mark();
            hosts_.emplace_back(name, *a);
        }
        if (auto r = resolve(inv); !r) return r.error();
        if (auto r = teams(section("teams"), inv); !r) return r.error();
        if (auto r = segments(section("segments"), inv); !r) return r.error();
        if (auto r = customers(section("customers"), inv); !r) return r.error();
        // A jump host named in the inventory must exist.
        for (const auto& [name, h] : inv.hosts)
            if (!h.jump.empty() && h.jump.find('@') == std::string::npos && !inv.hosts.count(h.jump) && !valid_address(h.jump))
                return unknown_error(fmt::format("{}: hosts.{}.jump: '{}' is neither a host in this inventory nor user@address",
                                                 h.origin, name, h.jump));
    } catch (const YAML::Exception& e) {
        return error_at(source_, e.mark, e.msg);
    }
    return inv;
}

bool is_dns_label_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_'; }

}  // namespace

std::string_view to_string(Credential::Method m) {
    switch (m) {
        case Credential::Method::automatic: return "automatic";
        case Credential::Method::agent: return "agent";
        case Credential::Method::key: return "key";
        case Credential::Method::password: return "password";
        case Credential::Method::prompt: return "prompt";
    }
    return "automatic";
}

std::string Host::login() const {
    std::string addr = address.find(':') != std::string::npos ? "[" + address + "]" : address;
    std::string out = username.empty() ? addr : username + "@" + addr;
    if (port) out += ":" + std::to_string(*port);
    return out;
}

bool valid_address(std::string_view text) {
    if (text.empty() || text.size() > 253) return false;
    if (net::Address::parse(text)) return true;
    // Something that looks like an address but did not parse (10.0.0.300, 192.168.1, fe80:::1) is a typo.
    bool numeric = std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || c == '.'; });
    if (numeric || text.find(':') != std::string_view::npos) return false;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t dot = text.find('.', start);
        std::string_view label = text.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
        if (label.empty()) return dot == std::string_view::npos && start == text.size() && start > 0;  // trailing dot
        if (label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
        if (!std::all_of(label.begin(), label.end(), is_dns_label_char)) return false;
        if (dot == std::string_view::npos) break;
        start = dot + 1;
    }
    return true;
}

const Host* Inventory::host(std::string_view name) const {
    auto it = hosts.find(name);
    return it == hosts.end() ? nullptr : &it->second;
}

bool Inventory::in_group(const Host& h, std::string_view group) const {
    std::vector<std::string> todo = h.groups;
    std::set<std::string> seen;
    while (!todo.empty()) {
        auto cur = todo.back();
        todo.pop_back();
        if (cur == group) return true;
        if (!seen.insert(cur).second) continue;
        if (auto it = groups.find(cur); it != groups.end()) todo.insert(todo.end(), it->second.begin(), it->second.end());
    }
    return false;
}

const Customer* Inventory::customer(std::string_view id) const {
    auto it = customers.find(id);
    return it == customers.end() ? nullptr : &it->second;
}

Credential Inventory::credential_for(const Host& h) const {
    if (!h.credential.empty())
        if (auto it = credentials.find(h.credential); it != credentials.end()) return it->second;
    Credential c;
    c.name = "automatic";
    return c;
}

const Segment* Inventory::segment_for(const net::Address& address) const {
    const Segment* best = nullptr;
    int best_len = -1;
    for (const auto& [name, s] : segments)
        for (const auto& p : s.prefixes)
            if (p.contains(address) && p.length > best_len) {
                best = &s;
                best_len = p.length;
            }
    return best;
}

Result<Inventory> parse(const std::string& yaml, const std::string& source, const std::vector<std::string>& platforms) {
    Parser p(source, platforms);
    return p.run(yaml);
}

Result<Inventory> load(const std::string& path, const std::vector<std::string>& platforms) {
    auto text = yaml::read_file(path, "the inventory; check the path (--inventory, or 'inventory' in the configuration)");
    if (!text) return text.error();
    return parse(*text, path, platforms);
}

Result<std::vector<Device>> select(const Inventory& inv, const Selection& sel) {
    std::vector<Device> out;
    std::set<std::string> taken;
    auto add = [&](const Host& h, const Customer* c) {
        if (!taken.insert(h.name).second) {
            // Already picked: a customer selection still adds its context.
            if (c)
                for (auto& d : out)
                    if (d.host.name == h.name && !d.customer) d.customer = *c;
            return;
        }
        out.push_back(Device{h, inv.credential_for(h), c ? std::optional<Customer>(*c) : std::nullopt});
    };
    std::vector<std::string> host_names;
    for (const auto& [n, h] : inv.hosts) host_names.push_back(n);
    const std::string where = inv.source.empty() ? "the inventory" : inv.source;

    if (sel.all)
        for (const auto& [n, h] : inv.hosts) add(h, nullptr);
    for (const auto& name : sel.names) {
        const Host* h = inv.host(name);
        if (!h)
            return unknown_error(fmt::format("unknown host '{}': not in {}{}; for a device outside the inventory give "
                                             "user@address with --platform", name, where, did_you_mean(name, host_names)));
        add(*h, nullptr);
    }
    for (const auto& g : sel.groups) {
        if (!inv.groups.count(g)) {
            std::vector<std::string> names;
            for (const auto& [name, parents] : inv.groups) names.push_back(name);
            return unknown_error(fmt::format("unknown group '{}' in {}{}", g, where, did_you_mean(g, names)));
        }
        // Membership is transitive: a host in group "ams-access" whose parent is "access" is in both.
        for (const auto& [n, h] : inv.hosts)
            if (inv.in_group(h, g)) add(h, nullptr);
    }
    for (const auto& s : sel.sites) {
        bool any = false;
        for (const auto& [n, h] : inv.hosts)
            if (h.site == s) {
                add(h, nullptr);
                any = true;
            }
        if (!any) {
            std::set<std::string> sites;
            for (const auto& [n, h] : inv.hosts)
                if (!h.site.empty()) sites.insert(h.site);
            return unknown_error(fmt::format("no hosts at site '{}' in {}{}", s, where, did_you_mean(s, sites)));
        }
    }
    for (const auto& id : sel.customers) {
        const Customer* c = inv.customer(id);
        if (!c) {
            std::vector<std::string> ids;
            for (const auto& [i, cu] : inv.customers) ids.push_back(i);
            return unknown_error(fmt::format("unknown customer '{}' in {}{}", id, where, did_you_mean(id, ids)));
        }
        if (c->access_device.empty())
            return unknown_error(fmt::format("customer '{}' has no access device in {} ({}); add access: {{device, port}}", id,
                                             where, c->origin));
        add(*inv.host(c->access_device), c);
    }
    return out;
}

Result<Host> parse_adhoc(const std::string& text, const std::string& platform, const std::vector<std::string>& platforms) {
    Host h;
    h.name = text;
    std::string rest = text;
    if (auto at_pos = rest.rfind('@'); at_pos != std::string::npos) {
        h.username = rest.substr(0, at_pos);
        rest = rest.substr(at_pos + 1);
        if (h.username.empty()) return unknown_error(fmt::format("'{}': the user name before '@' is empty", text));
    }
    std::string port_text;
    if (!rest.empty() && rest.front() == '[') {
        auto close = rest.find(']');
        if (close == std::string::npos) return unknown_error(fmt::format("'{}': missing ']' after the IPv6 address", text));
        h.address = rest.substr(1, close - 1);
        std::string after = rest.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return unknown_error(fmt::format("'{}': expected ':PORT' after ']'", text));
            port_text = after.substr(1);
        }
    } else if (std::count(rest.begin(), rest.end(), ':') == 1) {
        auto colon = rest.find(':');
        h.address = rest.substr(0, colon);
        port_text = rest.substr(colon + 1);
    } else {
        h.address = rest;  // a bare IPv6 address has several colons and no port
    }
    if (!valid_address(h.address))
        return unknown_error(fmt::format("'{}': '{}' is neither an IP address nor a DNS name", text, h.address));
    if (!port_text.empty() || (rest.find(':') != std::string::npos && rest.front() != '[' &&
                               std::count(rest.begin(), rest.end(), ':') == 1)) {
        int port = 0;
        auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (port_text.empty() || ec != std::errc{} || end != port_text.data() + port_text.size() || port < 1 || port > 65535)
            return unknown_error(fmt::format("'{}': '{}' is not a TCP port (1-65535)", text, port_text));
        h.port = port;
    }
    if (platform.empty())
        return unknown_error(fmt::format("'{}' is not in the inventory; give its platform with --platform ({})", text,
                                         fmt::join(platforms, ", ")));
    if (std::find(platforms.begin(), platforms.end(), platform) == platforms.end())
        return unknown_error(fmt::format("--platform: unknown platform '{}'{}; known: {}", platform,
                                         did_you_mean(platform, platforms), fmt::join(platforms, ", ")));
    h.platform = platform;
    h.origin = "command line";
    return h;
}

}  // namespace nockit::inventory
