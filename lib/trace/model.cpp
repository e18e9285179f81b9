// Per-hop statistics from probe records.
#include "trace/model.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace nockit::trace {

std::string_view to_string(Method m) {
    switch (m) {
        case Method::icmp: return "icmp";
        case Method::udp: return "udp";
        case Method::tcp: return "tcp";
    }
    return "icmp";
}

Path build_path(std::string target, const net::Address& destination, Method method, uint16_t port, int rounds,
                const std::vector<ProbeRecord>& records, int max_ttl) {
    Path path;
    path.target = std::move(target);
    path.destination = destination;
    path.method = method;
    path.port = port;
    path.rounds = rounds;

    std::map<int, std::vector<const ProbeRecord*>> by_ttl;
    int dest_ttl = 0;
    for (const auto& r : records) {
        if (r.ttl < 1 || r.ttl > max_ttl) continue;
        by_ttl[r.ttl].push_back(&r);
        if (r.answer == Answer::reply && (dest_ttl == 0 || r.ttl < dest_ttl)) dest_ttl = r.ttl;
    }
    // The first TTL where a router said "unreachable": the path ends there, later TTLs only repeat it.
    int unreachable_ttl = 0;
    for (const auto& [ttl, rs] : by_ttl)
        for (const auto* r : rs)
            if (r->answer == Answer::unreachable && (unreachable_ttl == 0 || ttl < unreachable_ttl)) unreachable_ttl = ttl;
    path.destination_reached = dest_ttl > 0;
    int last_ttl = dest_ttl ? dest_ttl : max_ttl;
    if (!dest_ttl && unreachable_ttl) last_ttl = unreachable_ttl;

    for (int ttl = 1; ttl <= last_ttl; ++ttl) {
        Hop h;
        h.ttl = ttl;
        auto it = by_ttl.find(ttl);
        std::vector<const ProbeRecord*> rs = it == by_ttl.end() ? std::vector<const ProbeRecord*>{} : it->second;
        std::sort(rs.begin(), rs.end(), [](const ProbeRecord* a, const ProbeRecord* b) {
            return std::tie(a->round, a->flow) < std::tie(b->round, b->flow);
        });
        std::map<net::Address, int> seen;
        std::vector<double> rtts;
        for (const auto* r : rs) {
            ++h.sent;
            if (r->answer == Answer::none) continue;
            ++h.received;
            ++seen[r->from];
            rtts.push_back(std::chrono::duration<double, std::milli>(r->rtt).count());
            if (h.icmp_type < 0) {
                h.icmp_type = r->icmp_type;
                h.icmp_code = r->icmp_code;
            }
            if (h.mpls.empty() && !r->mpls.empty()) h.mpls = r->mpls;
            if (r->answer == Answer::reply) h.destination = true;
            if (r->answer == Answer::unreachable) h.unreachable = true;
        }
        std::vector<std::pair<net::Address, int>> order(seen.begin(), seen.end());
        std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
        for (const auto& [a, n] : order) h.addresses.push_back(a);
        if (!order.empty()) h.address = order.front().first;
        h.loss_pct = h.sent ? 100.0 * (h.sent - h.received) / h.sent : 0;
        if (!rtts.empty()) {
            h.last = rtts.back();
            h.best = *std::min_element(rtts.begin(), rtts.end());
            h.worst = *std::max_element(rtts.begin(), rtts.end());
            double sum = 0, sum2 = 0;
            for (double x : rtts) sum += x, sum2 += x * x;
            double n = static_cast<double>(rtts.size());
            h.avg = sum / n;
            h.stdev = std::sqrt(std::max(0.0, sum2 / n - h.avg * h.avg));
            if (rtts.size() > 1) {
                double j = 0;
                for (std::size_t i = 1; i < rtts.size(); ++i) j += std::fabs(rtts[i] - rtts[i - 1]);
                h.jitter = j / static_cast<double>(rtts.size() - 1);
            }
        }
        path.hops.push_back(std::move(h));
    }
    // Without the destination, trailing hops that never answered say nothing more than "the path
    // ends here": keep one of them so the reader sees where it stops.
    if (!path.destination_reached) {
        while (path.hops.size() >= 2 && path.hops.back().received == 0 && path.hops[path.hops.size() - 2].received == 0)
            path.hops.pop_back();
    }
    // Flows (Paris traceroute): the usual responder of each TTL per flow.
    std::map<int, std::map<int, std::map<net::Address, int>>> per_flow;
    int flows = 0;
    for (const auto& r : records) {
        flows = std::max(flows, r.flow + 1);
        if (r.answer != Answer::none && r.ttl >= 1 && r.ttl <= static_cast<int>(path.hops.size()))
            ++per_flow[r.flow][r.ttl][r.from];
    }
    if (flows > 1) {
        for (int f = 0; f < flows; ++f) {
            FlowPath fp;
            fp.flow = f;
            for (std::size_t t = 1; t <= path.hops.size(); ++t) {
                auto& m = per_flow[f][static_cast<int>(t)];
                if (m.empty()) fp.hops.emplace_back();
                else
                    fp.hops.emplace_back(std::max_element(m.begin(), m.end(), [](const auto& a, const auto& b) {
                                             return a.second < b.second;
                                         })->first);
            }
            path.flows.push_back(std::move(fp));
        }
    }
    return path;
}

}  // namespace nockit::trace
