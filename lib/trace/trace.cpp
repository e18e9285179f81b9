// noc-trace's entry point: checks the options, resolves the destination, runs the rounds (and --mtu)
// on the probe engine, labels hops with their segments and names, and hands the path to the analysis.
#include "trace/trace.hpp"

#include "inventory/inventory.hpp"
#include "net/resolve.hpp"
#include "probe/engine.hpp"
#include "ssh/platform.hpp"
#include "trace/engine.hpp"
#include "trace/names.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include <fmt/format.h>

namespace nockit::trace {

namespace {

using namespace std::chrono_literals;

constexpr int max_rounds = 1000;
constexpr int max_flows = 64;
constexpr uint16_t default_udp_port = 33434;
constexpr uint16_t default_tcp_port = 80;

std::chrono::nanoseconds seconds(double s) {
    return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(s * 1e9)));
}

probe::PathMethod path_method(Method m) {
    switch (m) {
        case Method::icmp: return probe::PathMethod::icmp_echo;
        case Method::udp: return probe::PathMethod::udp;
        case Method::tcp: return probe::PathMethod::tcp_syn;
    }
    return probe::PathMethod::icmp_echo;
}

// How long to wait for each hop's answer to a large --mtu probe: a few times the slowest answer it
// (or, when it is silent, the next hop that answers) gave during the trace.
std::vector<std::chrono::nanoseconds> mtu_patience(const Path& path, std::chrono::nanoseconds wait) {
    std::vector<std::chrono::nanoseconds> out;
    for (std::size_t i = 0; i < path.hops.size(); ++i) {
        double worst_ms = 0;
        for (std::size_t j = i; j < path.hops.size(); ++j)
            if (path.hops[j].received > 0) {
                worst_ms = path.hops[j].worst;
                break;
            }
        auto p = std::chrono::nanoseconds(static_cast<int64_t>(worst_ms * 4e6));
        out.push_back(std::min(std::max<std::chrono::nanoseconds>(p, 100ms), wait));
    }
    return out;
}

}  // namespace

Result<void> validate(const TraceOptions& o) {
    if (o.target.empty()) return unknown_error("no destination: give a host name or an address, e.g. noc-trace 192.0.2.1");
    if (o.first_ttl < 1 || o.first_ttl > 255)
        return unknown_error(fmt::format("-f/--first-ttl {} is out of range: use 1 to 255", o.first_ttl));
    if (o.max_ttl < 1 || o.max_ttl > 255)
        return unknown_error(fmt::format("-m/--max-ttl {} is out of range: use 1 to 255, e.g. -m 30", o.max_ttl));
    if (o.first_ttl > o.max_ttl)
        return unknown_error(fmt::format("-f/--first-ttl {} is beyond -m/--max-ttl {}: the first TTL cannot exceed the largest",
                                         o.first_ttl, o.max_ttl));
    if (o.rounds < 1 || o.rounds > max_rounds)
        return unknown_error(fmt::format("-c/-q {} rounds is out of range: use 1 to {}", o.rounds, max_rounds));
    if (!(o.wait_s > 0) || o.wait_s > 60)
        return unknown_error(fmt::format("-w/--wait {} is out of range: give seconds above 0 and at most 60, e.g. -w 1", o.wait_s));
    if (!(o.interval_s >= 0) || o.interval_s > 60)
        return unknown_error(fmt::format("--interval {} is out of range: give 0 to 60 seconds between rounds, e.g. --interval 0.05",
                                         o.interval_s));
    if (!(o.rate_pps >= 0) || o.rate_pps > 1e7 || (o.rate_pps > 0 && o.rate_pps < 1))
        return unknown_error(fmt::format("--rate {} is out of range: give 1 to 10000000 probes per second", o.rate_pps));
    if (o.flows < 1 || o.flows > max_flows)
        return unknown_error(fmt::format("--flows {} is out of range: use 1 to {}", o.flows, max_flows));
    if (!(o.dns_timeout_s > 0) || o.dns_timeout_s > 30)
        return unknown_error(fmt::format("the name lookup timeout {} s is out of range: use above 0 and at most 30 s", o.dns_timeout_s));
    if (o.family != AF_UNSPEC && o.family != AF_INET && o.family != AF_INET6)
        return unknown_error("the address family must be IPv4 (-4) or IPv6 (-6)");
    const uint64_t probes = uint64_t(o.rounds) * uint64_t(o.flows) * uint64_t(o.max_ttl - o.first_ttl + 1);
    if (probes > probe::max_path_probes)
        return unknown_error(fmt::format("{} rounds x {} flows x {} TTLs = {} probes is more than one trace sends (at most {}): "
                                         "lower -c, --flows or -m",
                                         o.rounds, o.flows, o.max_ttl - o.first_ttl + 1, probes, probe::max_path_probes));
    if (o.mtu && o.method == Method::tcp)
        return unknown_error("--mtu sends large ICMP or UDP probes: drop -T, or trace with -I or -U");
    if (o.analysis.step_ms < 0) return unknown_error("the latency step threshold cannot be negative");
    return {};
}

Result<Report> run(const TraceOptions& o, const std::atomic<bool>* stop, const ProgressFn& progress) {
    if (auto v = validate(o); !v) return v.error();

    auto resolved = net::resolve_all({o.target}, o.family, 5s);
    if (resolved.empty() || !resolved.front().error.empty())
        return unknown_error(resolved.empty() ? fmt::format("cannot resolve '{}'", o.target) : resolved.front().error);
    const net::Address destination = resolved.front().addresses.front();

    // The segments map is read before any probe goes out: a mistake in it is reported at once.
    std::optional<inventory::Inventory> segments;
    if (!o.segments_file.empty()) {
        auto platforms = ssh::Platforms::load(ssh::find_platforms_file(""));
        if (!platforms) return platforms.error();
        auto inv = inventory::load(o.segments_file, platforms->names());
        if (!inv) return inv.error();
        segments = std::move(inv).value();
    }

    uint16_t port = o.port;
    if (port == 0 && o.method != Method::icmp) port = o.method == Method::tcp ? default_tcp_port : default_udp_port;
    probe::PathTarget target{destination, path_method(o.method), port, o.flows, o.rate_pps};
    auto engine = probe::Engine::open_path(target);
    if (!engine) return engine.error();

    Schedule schedule;
    schedule.first_ttl = o.first_ttl;
    schedule.max_ttl = o.max_ttl;
    schedule.rounds = o.rounds;
    schedule.flows = o.flows;
    schedule.interval = seconds(o.interval_s);
    schedule.wait = seconds(o.wait_s);
    RoundScheduler rounds(schedule, destination);

    std::optional<HopNames> names;
    if (o.resolve_names) {
        names.emplace(std::chrono::milliseconds(static_cast<int64_t>(std::llround(o.dns_timeout_s * 1000))));
        rounds.on_new_address = [&](const net::Address& a) { names->start(a); };
    }
    if (progress) rounds.on_progress = progress;

    if (auto ran = (*engine)->run_path(rounds, stop); !ran) return ran.error();
    if (rounds.sent_count() == 0 && rounds.send_failures() > 0)
        return unknown_error(fmt::format("cannot send probes to {}: {}", destination.to_string(), rounds.first_send_error()));
    const bool stopped = stop != nullptr && stop->load();

    Path path = build_path(o.target, destination, o.method, port, o.rounds, rounds.records(), o.max_ttl);

    if (o.mtu && path.destination_reached && !stopped) {
        MtuPlan plan;
        plan.destination = destination;
        plan.destination_ttl = path.hops.empty() ? 0 : path.hops.back().ttl;
        plan.local_mtu = std::min((*engine)->path_local_mtu(), 65535);  // loopback's is 65536
        plan.known_good = destination.is_v4() ? 60 : 80;
        plan.patience = mtu_patience(path, schedule.wait);
        for (const auto& h : path.hops) plan.hops.push_back(h.address);
        auto batch = [&](const std::vector<ProbeBatch::Item>& items) {
            ProbeBatch b(items);
            if (stop != nullptr && stop->load()) return std::vector<ProbeBatch::Result>(items.size());
            (void)(*engine)->run_path(b, stop);
            return b.results();
        };
        MtuResult mtu = discover_mtu(plan, batch);
        path.mtu_probed = true;
        path.path_mtu = mtu.path_mtu;
        path.mtu_drop_ttl = mtu.drop_ttl;
        path.mtu_reported = mtu.reported;
        path.mtu_blackhole = mtu.blackhole;
        path.mtu_blackhole_size = mtu.blackhole_size;
    }

    if (segments)
        for (auto& h : path.hops) {
            if (!h.address) continue;
            const inventory::Segment* s = segments->segment_for(*h.address);
            if (s == nullptr) continue;
            h.segment = s->name;
            auto team = segments->teams.find(s->team);
            h.team = team != segments->teams.end() && !team->second.name.empty() ? team->second.name : s->team;
        }
    if (names) {
        auto found = names->collect();
        for (auto& h : path.hops)
            if (h.address)
                if (auto it = found.find(*h.address); it != found.end()) h.name = it->second;
    }
    path.interrupted = stop != nullptr && stop->load();
    return analyse(path, o.analysis);
}

}  // namespace nockit::trace
