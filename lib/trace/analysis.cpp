// Path interpretation rules. Each rule looks at the whole hop list, never at one hop alone:
// what a router does with probes addressed *through* it is what matters, not how it answers
// probes addressed *to* it.
#include "trace/analysis.hpp"

#include "output/render.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace nockit::trace {
namespace {

using output::format_number;

std::string hop_name(const Hop& h) {
    if (!h.address) return fmt::format("hop {} (no answer)", h.ttl);
    return fmt::format("hop {} ({})", h.ttl, h.address->to_string());
}

const Hop* previous_responding(const Path& p, std::size_t index) {
    for (std::size_t i = index; i-- > 0;)
        if (p.hops[i].received > 0) return &p.hops[i];
    return nullptr;
}

struct Builder {
    const Path& path;
    const AnalysisOptions& options;
    std::vector<Finding> findings;
    std::set<int> marked;  // hops the findings point at

    std::string what() const { return options.label.empty() ? "the destination" : options.label; }

    Finding& add(std::string code, Severity severity) {
        Finding f;
        f.code = std::move(code);
        f.severity = severity;
        f.subject = path.target;
        f.facts = {{"what", what()},
                   {"target", path.target},
                   {"destination", path.destination.to_string()},
                   {"hops", std::to_string(path.hops.size())},
                   {"steps", fmt::format("{} step{}", path.hops.size(), path.hops.size() == 1 ? "" : "s")},
                   {"rounds", std::to_string(path.rounds)}};
        findings.push_back(std::move(f));
        return findings.back();
    }

    void hop_facts(Finding& f, const std::string& prefix, const Hop* h) {
        f.facts[prefix + "ttl"] = h ? std::to_string(h->ttl) : "0";
        f.facts[prefix + "hop"] = h ? hop_name(*h) : "this machine";
        f.facts[prefix + "address"] = h && h->address ? h->address->to_string() : "-";
        f.facts[prefix + "segment"] = h && !h->segment.empty() ? h->segment : "unlabelled segment";
        f.facts[prefix + "team"] = h && !h->team.empty() ? h->team : "the NOC";
        if (h) marked.insert(h->ttl);
    }
};

std::string routers(std::size_t n) { return n == 1 ? "one router" : fmt::format("{} routers", n); }

// Loss that starts at hop N and continues to the destination: the only loss that hurts traffic.
// Returns the index of hop N, or npos.
// A hop carries the destination's loss when its own is not clearly below half of it. "Clearly"
// allows for sampling: two standard deviations of a loss rate measured over that hop's probes, so
// that 14 % and 34 % over 50 probes read as the same loss, while 0 % over 200 probes does not.
std::size_t persistent_loss_start(const Path& p, double dest_loss) {
    const double rate = std::clamp(dest_loss / 100, 0.0, 1.0);
    std::size_t start = std::string::npos;
    for (std::size_t i = p.hops.size(); i-- > 0;) {
        const Hop& h = p.hops[i];
        if (h.received == 0) continue;  // silent routers neither start nor break a run
        const double spread = 100 * std::sqrt(rate * (1 - rate) / static_cast<double>(h.sent));
        const double floor = std::max(1.0, dest_loss * 0.5 - 2 * spread);
        if (h.loss_pct >= floor) start = i;
        else break;
    }
    return start;
}

}  // namespace

Report analyse(const Path& p, const AnalysisOptions& o) {
    Builder b{p, o, {}, {}};
    const auto& t = o.thresholds;
    const Hop* dest = nullptr;
    for (const auto& h : p.hops)
        if (h.destination) dest = &h;

    // Routing loop: an address that answers again after a different one.
    std::optional<std::pair<int, int>> loop;
    for (std::size_t i = 0; i < p.hops.size() && !loop; ++i) {
        if (!p.hops[i].address) continue;
        for (std::size_t j = i + 2; j < p.hops.size(); ++j)
            if (p.hops[j].address == p.hops[i].address && p.hops[j - 1].address != p.hops[i].address) {
                loop = std::pair{static_cast<int>(i), static_cast<int>(j)};
                break;
            }
    }

    // --- The verdict on the destination comes first.
    std::size_t loss_start = std::string::npos;
    if (dest) {
        loss_start = dest->loss_pct >= t.warn_loss_pct ? persistent_loss_start(p, dest->loss_pct) : std::string::npos;
        if (loss_start != std::string::npos) {
            // The destination was reached: degraded is a warning, whatever the loss (exit 1).
            auto& f = b.add(dest->loss_pct >= 50 ? "trace.loss.path.heavy" : "trace.loss.path", Severity::warning);
            b.hop_facts(f, "", &p.hops[loss_start]);
            b.hop_facts(f, "prev_", previous_responding(p, loss_start));
            f.facts["loss_pct"] = format_number(std::round(dest->loss_pct));
            f.facts["avg_ms"] = format_number(dest->avg);
            f.metrics.push_back({"pl", std::round(dest->loss_pct), "%", t.warn_loss_pct, t.crit_loss_pct, 0.0, 100.0});
        } else if (dest->avg >= t.warn_rtt_ms) {
            auto& f = b.add("trace.rtt.high", Severity::warning);
            b.hop_facts(f, "", dest);
            f.facts["avg_ms"] = format_number(dest->avg);
            f.facts["warn_rtt"] = format_number(t.warn_rtt_ms);
        } else {
            auto& f = b.add("trace.ok", Severity::ok);
            b.hop_facts(f, "", dest);
            f.facts["avg_ms"] = format_number(dest->avg);
            f.facts["loss_pct"] = format_number(std::round(dest->loss_pct));
        }
        b.findings.front().metrics.push_back({"rta", dest->avg, "ms", t.warn_rtt_ms, t.crit_rtt_ms, 0.0, std::nullopt});
        b.findings.front().metrics.push_back(
            {"hops", static_cast<double>(dest->ttl), "", std::nullopt, std::nullopt, 0.0, std::nullopt});
    } else if (loop) {
        auto& f = b.add("trace.loop", Severity::critical);
        b.hop_facts(f, "", &p.hops[static_cast<std::size_t>(loop->first)]);
        b.hop_facts(f, "next_", &p.hops[static_cast<std::size_t>(loop->first) + 1]);
        f.facts["repeat_ttl"] = std::to_string(loop->second + 1);
    } else {
        const Hop* last = nullptr;
        for (const auto& h : p.hops)
            if (h.received > 0) last = &h;
        if (!last) {
            auto& f = b.add("trace.unreached.nothing", Severity::critical);
            f.facts["max_ttl"] = std::to_string(p.hops.size());
        } else if (last->unreachable) {
            const bool v6 = !p.destination.is_v4();
            int c = last->icmp_code;
            std::string code = "trace.unreachable.other";
            if ((!v6 && (c == 9 || c == 10 || c == 13)) || (v6 && c == 1)) code = "trace.filtered";
            else if ((!v6 && (c == 0 || c == 6 || c == 11)) || (v6 && c == 0)) code = "trace.unreachable.net";
            else if ((!v6 && (c == 1 || c == 7 || c == 12)) || (v6 && c == 3)) code = "trace.unreachable.host";
            auto& f = b.add(code, Severity::critical);
            b.hop_facts(f, "", last);
            f.facts["icmp_type"] = std::to_string(last->icmp_type);
            f.facts["icmp_code"] = std::to_string(c);
        } else {
            auto& f = b.add("trace.unreached", Severity::critical);
            b.hop_facts(f, "", last);
            const Hop* after = last->ttl < static_cast<int>(p.hops.size()) ? &p.hops[static_cast<std::size_t>(last->ttl)] : nullptr;
            f.facts["next_ttl"] = std::to_string(last->ttl + 1);
            if (after) b.marked.insert(after->ttl);
        }
    }

    // --- Notes that keep people from chasing ghosts.
    std::vector<std::string> artefacts, silent;
    for (std::size_t i = 0; i < p.hops.size(); ++i) {
        const Hop& h = p.hops[i];
        if (h.sent == 0) continue;  // below --first-ttl: not probed, so neither silent nor lossy
        if (h.destination || (loss_start != std::string::npos && i >= loss_start)) continue;
        bool later_answers = false;
        for (std::size_t j = i + 1; j < p.hops.size(); ++j) later_answers = later_answers || p.hops[j].received > 0;
        if (!later_answers) continue;
        if (h.received == 0) silent.push_back(std::to_string(h.ttl));
        else if (h.loss_pct > 0) artefacts.push_back(fmt::format("{} ({}% loss)", hop_name(h), format_number(std::round(h.loss_pct))));
    }
    if (!artefacts.empty()) {
        auto& f = b.add("trace.loss.ratelimit_artifact", Severity::ok);
        f.facts["list"] = fmt::format("{}", fmt::join(artefacts, ", "));
        f.facts["count"] = std::to_string(artefacts.size());
        f.facts["routers"] = routers(artefacts.size());
    }
    if (!silent.empty()) {
        auto& f = b.add("trace.hop.silent", Severity::ok);
        f.facts["list"] = fmt::format("{}", fmt::join(silent, ", "));
        f.facts["count"] = std::to_string(silent.size());
        f.facts["routers"] = routers(silent.size());
    }

    // Latency: a step that later hops inherit is a long or congested link; one slow hop alone is not.
    const Hop* prev = nullptr;
    for (std::size_t i = 0; i < p.hops.size(); ++i) {
        const Hop& h = p.hops[i];
        if (h.received == 0) continue;
        double base = prev ? prev->best : 0;
        double step = h.best - base;
        if (prev && step >= o.step_ms) {
            bool inherited = true, any_later = false;
            for (std::size_t j = i + 1; j < p.hops.size(); ++j) {
                if (p.hops[j].received == 0) continue;
                any_later = true;
                inherited = inherited && p.hops[j].best >= base + 0.7 * step;
            }
            if (inherited) {
                bool hurts = dest && dest->avg >= t.warn_rtt_ms;
                auto& f = b.add("trace.latency.step", hurts ? Severity::warning : Severity::ok);
                b.hop_facts(f, "", &h);
                b.hop_facts(f, "prev_", prev);
                f.facts["step_ms"] = format_number(step);
            } else if (any_later) {
                auto& f = b.add("trace.latency.hop_only", Severity::ok);
                b.hop_facts(f, "", &h);
                f.facts["step_ms"] = format_number(step);
                b.marked.erase(h.ttl);
                continue;
            }
        }
        prev = &h;
    }

    // Path changes and load balancing.
    for (const auto& h : p.hops) {
        if (h.addresses.size() < 2 || (loop && !dest)) continue;
        auto& f = b.add("trace.path.multiple", Severity::ok);
        b.hop_facts(f, "", &h);
        std::vector<std::string> all;
        for (const auto& a : h.addresses) all.push_back(a.to_string());
        f.facts["addresses"] = fmt::format("{}", fmt::join(all, ", "));
        b.marked.erase(h.ttl);
    }
    if (p.flows.size() > 1) {
        std::set<std::vector<std::optional<net::Address>>> distinct;
        for (const auto& fp : p.flows) distinct.insert(fp.hops);
        int diverge = 0;
        for (std::size_t t2 = 0; t2 < p.hops.size() && !diverge; ++t2) {
            std::set<std::optional<net::Address>> at;
            for (const auto& fp : p.flows)
                if (t2 < fp.hops.size() && fp.hops[t2]) at.insert(fp.hops[t2]);
            if (at.size() > 1) diverge = static_cast<int>(t2) + 1;
        }
        auto& f = b.add(distinct.size() > 1 ? "trace.ecmp" : "trace.ecmp.single", Severity::ok);
        f.facts["flows"] = std::to_string(p.flows.size());
        f.facts["paths"] = std::to_string(distinct.size());
        f.facts["diverge_ttl"] = std::to_string(diverge);
    }

    // Path MTU.
    if (p.mtu_probed) {
        if (p.mtu_blackhole) {
            auto& f = b.add("trace.mtu.blackhole", Severity::critical);
            // Where large probes stop: after the last hop they reached (this machine when none did).
            const Hop* h = p.mtu_drop_ttl && *p.mtu_drop_ttl >= 1 && *p.mtu_drop_ttl <= static_cast<int>(p.hops.size())
                               ? &p.hops[static_cast<std::size_t>(*p.mtu_drop_ttl - 1)] : nullptr;
            b.hop_facts(f, "", h);
            f.facts["size"] = std::to_string(p.mtu_blackhole_size);
            f.facts["path_mtu"] = p.path_mtu ? std::to_string(*p.path_mtu) : "unknown";
            // "The route is clean" would contradict it: the black hole is the verdict, with its numbers.
            if (dest) {
                auto ok = std::find_if(b.findings.begin(), b.findings.end(), [](const Finding& x) { return x.code == "trace.ok"; });
                if (ok != b.findings.end()) {
                    auto metrics = ok->metrics;
                    b.findings.erase(ok);
                    b.findings.back().metrics = std::move(metrics);
                }
            }
        } else if (p.mtu_drop_ttl) {
            auto& f = b.add("trace.mtu.drop", Severity::ok);
            const Hop* h = *p.mtu_drop_ttl <= static_cast<int>(p.hops.size())
                               ? &p.hops[static_cast<std::size_t>(*p.mtu_drop_ttl - 1)] : nullptr;
            b.hop_facts(f, "", h);
            f.facts["mtu"] = std::to_string(p.mtu_reported);
            f.facts["path_mtu"] = p.path_mtu ? std::to_string(*p.path_mtu) : std::to_string(p.mtu_reported);
        } else if (p.path_mtu) {
            auto& f = b.add("trace.mtu.ok", Severity::ok);
            f.facts["path_mtu"] = std::to_string(*p.path_mtu);
        }
        // A black hole hurts even when small probes reach the destination.
        if (p.mtu_blackhole && dest) std::stable_partition(b.findings.begin(), b.findings.end(),
                                                           [](const Finding& x) { return x.severity == Severity::critical; });
    }

    Report rep;
    rep.program = "noc-trace";
    rep.schema = "nockit.trace/1";
    rep.service = "TRACE";
    rep.findings = std::move(b.findings);
    if (p.interrupted) rep.interrupted = true;

    rep.table.columns = {"", "HOP", "ADDRESS", "NAME", "SEGMENT", "LOSS", "SNT", "LAST", "AVG", "BEST", "WRST", "STDEV"};
    rep.table.right_aligned = {false, true, false, false, false, true, true, true, true, true, true, true};
    nlohmann::json hops = nlohmann::json::array();
    auto q = [](double v) { return std::round(v * 1000) / 1000; };
    for (const auto& h : p.hops) {
        if (h.sent == 0) continue;  // below --first-ttl
        bool answered = h.received > 0;
        auto ms = [&](double v) { return answered ? format_number(v) : std::string("-"); };
        std::string addr = h.address ? h.address->to_string() : "???";
        if (h.addresses.size() > 1) addr += fmt::format(" (+{})", h.addresses.size() - 1);
        if (!h.mpls.empty()) addr += fmt::format(" [MPLS {}]", h.mpls.front().label);
        rep.table.rows.push_back({b.marked.count(h.ttl) ? ">" : "", std::to_string(h.ttl), addr, h.name,
                                  h.segment, format_number(std::round(h.loss_pct * 10) / 10) + "%",
                                  std::to_string(h.sent), ms(h.last), ms(h.avg), ms(h.best), ms(h.worst), ms(h.stdev)});
        nlohmann::json addresses = nlohmann::json::array();
        for (const auto& a : h.addresses) addresses.push_back(a.to_string());
        nlohmann::json j{{"ttl", h.ttl},
                         {"address", h.address ? nlohmann::json(h.address->to_string()) : nlohmann::json(nullptr)},
                         {"addresses", addresses},
                         {"name", h.name.empty() ? nlohmann::json(nullptr) : nlohmann::json(h.name)},
                         {"segment", h.segment.empty() ? nlohmann::json(nullptr) : nlohmann::json(h.segment)},
                         {"team", h.team.empty() ? nlohmann::json(nullptr) : nlohmann::json(h.team)},
                         {"sent", h.sent},
                         {"received", h.received},
                         {"loss_pct", q(h.loss_pct)},
                         {"destination", h.destination},
                         {"flagged", b.marked.count(h.ttl) > 0}};
        if (answered)
            j["rtt_ms"] = {{"last", q(h.last)}, {"avg", q(h.avg)},     {"best", q(h.best)},
                           {"worst", q(h.worst)}, {"stdev", q(h.stdev)}, {"jitter", q(h.jitter)}};
        else
            j["rtt_ms"] = nullptr;
        if (h.icmp_type >= 0) j["icmp"] = {{"type", h.icmp_type}, {"code", h.icmp_code}};
        if (!h.mpls.empty()) {
            nlohmann::json labels = nlohmann::json::array();
            for (const auto& m : h.mpls)
                labels.push_back({{"label", m.label}, {"exp", m.exp}, {"bottom", m.bottom}, {"ttl", m.ttl}});
            j["mpls"] = labels;
        }
        hops.push_back(j);
    }
    rep.data["hops"] = hops;
    rep.data["target"] = p.target;
    rep.data["destination"] = p.destination.to_string();
    rep.data["destination_reached"] = p.destination_reached;
    rep.data["method"] = to_string(p.method);
    if (p.method != Method::icmp) rep.data["port"] = p.port;
    rep.data["rounds"] = p.rounds;
    if (p.flows.size() > 1) {
        nlohmann::json flows = nlohmann::json::array();
        for (const auto& fp : p.flows) {
            nlohmann::json hs = nlohmann::json::array();
            for (const auto& a : fp.hops) hs.push_back(a ? nlohmann::json(a->to_string()) : nlohmann::json(nullptr));
            flows.push_back({{"flow", fp.flow}, {"hops", hs}});
        }
        rep.data["flows"] = flows;
    }
    if (p.mtu_probed) {
        rep.data["mtu"] = {{"path_mtu", p.path_mtu ? nlohmann::json(*p.path_mtu) : nlohmann::json(nullptr)},
                           {"drop_ttl", p.mtu_drop_ttl ? nlohmann::json(*p.mtu_drop_ttl) : nlohmann::json(nullptr)},
                           {"blackhole", p.mtu_blackhole}};
    }
    rep.data["summary"] = {{"destination_reached", p.destination_reached},
                           {"hops", p.hops.size()},
                           {"verdict", rep.findings.empty() ? "" : rep.findings.front().code}};
    return rep;
}

}  // namespace nockit::trace
