// Target expansion: ranges are enumerated, @files read, names resolved all at once.
#include "ping/targets.hpp"

#include "net/resolve.hpp"

#include <fmt/format.h>
#include <sys/socket.h>

#include <fstream>

namespace nockit::ping {
namespace {

std::string trim(const std::string& s) {
    auto b = s.find_first_not_of(" \t\r");
    if (b == std::string::npos) return {};
    auto e = s.find_last_not_of(" \t\r");
    return s.substr(b, e - b + 1);
}

bool family_ok(const net::Address& a, int family) {
    return family == 0 || a.family() == family;
}

const char* family_flag(int family) { return family == AF_INET ? "-4" : "-6"; }

}  // namespace

Result<std::vector<std::string>> read_target_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) return unknown_error(fmt::format("@{}: cannot read the target file; check the path and its permissions", path));
    std::vector<std::string> out;
    std::string line;
    while (std::getline(in, line)) {
        if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
        line = trim(line);
        if (line.empty()) continue;
        if (line.find_first_of(" \t") != std::string::npos)
            return unknown_error(fmt::format("@{}: line '{}' has more than one target; put one per line", path, line));
        out.push_back(line);
    }
    if (in.bad()) return unknown_error(fmt::format("@{}: read error; check the file", path));
    return out;
}

Result<std::vector<Target>> expand_targets(const TargetRequest& request) {
    // Flatten @files first, keeping the order the engineer gave.
    std::vector<std::string> specs;
    for (const auto& spec : request.specs) {
        if (!spec.empty() && spec[0] == '@') {
            auto lines = read_target_file(spec.substr(1));
            if (!lines) return lines.error();
            if (lines->empty())
                return unknown_error(fmt::format("{}: the file lists no targets; add one per line", spec));
            specs.insert(specs.end(), lines->begin(), lines->end());
        } else {
            specs.push_back(spec);
        }
    }
    if (specs.empty()) return unknown_error("no target given; name at least one host, address, range or @file");

    // Classify; collect names for one concurrent resolution.
    struct Slot {
        std::string given;
        std::optional<net::Prefix> range;
        std::optional<net::Address> address;
        std::size_t name_index = 0;
    };
    std::vector<Slot> slots;
    std::vector<std::string> names;
    std::uint64_t total = 0;
    for (const auto& spec : specs) {
        Slot slot{spec, {}, {}, 0};
        if (net::looks_like_prefix(spec)) {
            auto p = net::Prefix::parse(spec);
            if (!p) return p.error();
            if (!family_ok(p->base, request.family))
                return unknown_error(fmt::format("{}: this range is not of the family asked for with {}", spec,
                                                 family_flag(request.family)));
            auto size = p->size();
            if (size > max_range)
                return unknown_error(fmt::format("{}: {} addresses is more than nockit sweeps ({}); split it into smaller ranges",
                                                 spec, size, max_range));
            if (size > max_range_without_force && !request.force)
                return unknown_error(fmt::format("{}: {} addresses; sweeping more than {} needs --force", spec, size,
                                                 max_range_without_force));
            total += size;
            slot.range = *p;
        } else if (auto a = net::Address::parse(spec)) {
            if (!family_ok(*a, request.family))
                return unknown_error(fmt::format("{}: this address is not of the family asked for with {}", spec,
                                                 family_flag(request.family)));
            slot.address = *a;
            ++total;
        } else {
            bool plausible = spec.find_first_of(" \t/\\,;") == std::string::npos && spec.size() <= 253;
            if (!plausible)
                return unknown_error(fmt::format("{}: not a host name, address or CIDR range (e.g. 10.1.0.0/22)", spec));
            slot.name_index = names.size();
            names.push_back(spec);
            ++total;
        }
        slots.push_back(std::move(slot));
    }
    if (total > max_range && !request.force)
        return unknown_error(fmt::format("{} addresses in all; sweeping that many needs --force", total));

    std::vector<net::Resolution> resolved;
    if (!names.empty()) resolved = net::resolve_all(names, request.family, request.resolve_timeout);

    std::vector<Target> targets;
    targets.reserve(static_cast<std::size_t>(total));
    for (const auto& slot : slots) {
        if (slot.range) {
            for (std::uint64_t i = 0; i < slot.range->size(); ++i)
                targets.push_back({slot.given, slot.range->at(i), true});
        } else if (slot.address) {
            targets.push_back({slot.given, *slot.address, false});
        } else {
            const auto& r = resolved[slot.name_index];
            if (!r.error.empty()) return unknown_error(r.error);
            // One probe target per name: the first address of the family asked for, as ping does.
            auto it = std::find_if(r.addresses.begin(), r.addresses.end(),
                                   [&](const net::Address& a) { return family_ok(a, request.family); });
            if (it == r.addresses.end())
                return unknown_error(fmt::format("{}: the name has no {} address; drop {} or use another name", slot.given,
                                                 request.family == AF_INET ? "IPv4" : "IPv6", family_flag(request.family)));
            targets.push_back({slot.given, *it, false});
        }
    }
    return targets;
}

}  // namespace nockit::ping
