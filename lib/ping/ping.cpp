// Probing and judging targets for noc-ping.
#include "ping/ping.hpp"

#include "explain/catalogue.hpp"
#include "output/render.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace nockit::ping {
namespace {

using output::format_number;

std::string pct(double v) { return format_number(std::round(v * 10) / 10); }

// "about 1 in 4": how a person says a loss rate.
std::string loss_ratio(double loss_pct) {
    if (loss_pct <= 0) return "none";
    int n = static_cast<int>(std::lround(100.0 / loss_pct));
    return fmt::format("1 in {}", std::max(n, 2));
}

std::string what_of(const PingOptions& o, bool single) {
    if (single && !o.label.empty()) return o.label;
    return single ? "the device we checked" : "one of the devices we checked";
}

Finding target_finding(const TargetResult& r, const PingOptions& o, bool single, std::string code, Severity sev) {
    Finding f;
    f.code = std::move(code);
    f.severity = sev;
    f.subject = r.target.given;
    const auto& t = o.thresholds;
    std::string addr = r.target.address.to_string();
    f.facts = {{"what", what_of(o, single)},
               {"agent_what", single ? what_of(o, single) : fmt::format("the device {}", r.target.given)},
               {"address", addr},
               {"target", r.target.given},
               {"who", r.target.given == addr ? addr : fmt::format("{} ({})", r.target.given, addr)},
               {"sent", std::to_string(r.sent)},
               {"received", std::to_string(r.received)},
               {"lost", std::to_string(r.sent - std::min(r.sent, r.received + r.refused))},
               {"loss_pct", pct(r.loss_pct)},
               {"loss_ratio", loss_ratio(r.loss_pct)},
               {"lost_phrase", r.received == r.sent ? "none lost"
                                                    : fmt::format("{} of {} lost", r.sent - r.received, r.sent)},
               {"min_ms", format_number(r.rtt.min)},
               {"avg_ms", format_number(r.rtt.avg)},
               {"max_ms", format_number(r.rtt.max)},
               {"mdev_ms", format_number(r.rtt.mdev)},
               {"p95_ms", format_number(r.rtt.p95)},
               {"duplicates", std::to_string(r.duplicates)},
               {"warn_rtt", format_number(t.warn_rtt_ms)},
               {"crit_rtt", format_number(t.crit_rtt_ms)},
               {"warn_loss", format_number(t.warn_loss_pct)},
               {"crit_loss", format_number(t.crit_loss_pct)},
               {"port", std::to_string(o.probe.port)},
               {"refused", std::to_string(r.refused)},
               {"detail", r.send_error}};
    if (r.icmp.count) {
        f.facts["router"] = r.icmp.from.to_string();
        f.facts["meaning"] = r.icmp.meaning;
        f.facts["icmp_type"] = std::to_string(r.icmp.type);
        f.facts["icmp_code"] = std::to_string(r.icmp.code);
        f.facts["mtu"] = std::to_string(r.icmp.next_hop_mtu);
    }
    std::string prefix = single ? "" : addr + "_";
    if (r.received > 0)
        f.metrics.push_back({prefix + "rta", r.rtt.avg, "ms", t.warn_rtt_ms, t.crit_rtt_ms, 0.0, std::nullopt});
    f.metrics.push_back({prefix + "pl", std::round(r.loss_pct), "%", t.warn_loss_pct, t.crit_loss_pct, 0.0, 100.0});
    return f;
}

Severity level(double value, double warn, double crit) {
    if (value >= crit) return Severity::critical;
    if (value >= warn) return Severity::warning;
    return Severity::ok;
}

// The findings for one target: what a person needs to know about it, worst first.
std::vector<Finding> judge(const TargetResult& r, const PingOptions& o, bool single) {
    const auto& t = o.thresholds;
    std::vector<Finding> out;
    switch (r.verdict) {
        case Verdict::untested:
            out.push_back(target_finding(r, o, single, "ping.untested", Severity::unknown));
            return out;
        case Verdict::refused:
            out.push_back(target_finding(r, o, single, "ping.tcp.refused", Severity::critical));
            return out;
        case Verdict::unreachable:
            out.push_back(target_finding(r, o, single,
                                         r.icmp.next_hop_mtu ? "ping.unreachable.mtu" : "ping.unreachable",
                                         Severity::critical));
            return out;
        case Verdict::down:
            out.push_back(target_finding(r, o, single, r.send_failed == r.sent ? "ping.send_failed" : "ping.down",
                                         r.send_failed == r.sent ? Severity::unknown : Severity::critical));
            return out;
        case Verdict::up:
        case Verdict::degraded: break;
    }
    Severity loss = level(r.loss_pct, t.warn_loss_pct, t.crit_loss_pct);
    Severity rtt = level(r.rtt.avg, t.warn_rtt_ms, t.crit_rtt_ms);
    if (loss != Severity::ok)
        out.push_back(target_finding(r, o, single, r.loss_pct >= 50 ? "ping.loss.heavy" : "ping.loss.partial", loss));
    if (rtt != Severity::ok) out.push_back(target_finding(r, o, single, "ping.rtt.high", rtt));
    if (r.duplicates) out.push_back(target_finding(r, o, single, "ping.duplicates", Severity::warning));
    if (out.empty())
        out.push_back(target_finding(r, o, single, o.probe.method == probe::Method::tcp_connect ? "ping.tcp.up" : "ping.up",
                                     Severity::ok));
    return out;
}

nlohmann::json target_json(const TargetResult& r) {
    nlohmann::json j{{"target", r.target.given},
                     {"address", r.target.address.to_string()},
                     {"sent", r.sent},
                     {"received", r.received},
                     {"loss_pct", std::round(r.loss_pct * 100) / 100},
                     {"duplicates", r.duplicates},
                     {"verdict", to_string(r.verdict)}};
    if (r.received > 0) {
        auto q = [](double v) { return std::round(v * 1000) / 1000; };
        j["rtt_ms"] = {{"min", q(r.rtt.min)}, {"avg", q(r.rtt.avg)}, {"max", q(r.rtt.max)}, {"mdev", q(r.rtt.mdev)},
                       {"p50", q(r.rtt.p50)}, {"p95", q(r.rtt.p95)}};
        j["jitter_ms"] = q(r.rtt.jitter);
    } else {
        j["rtt_ms"] = nullptr;
        j["jitter_ms"] = nullptr;
    }
    nlohmann::json errors = nlohmann::json::array();
    if (r.icmp.count) {
        nlohmann::json e{{"type", r.icmp.type}, {"code", r.icmp.code}, {"from", r.icmp.from.to_string()},
                         {"meaning", r.icmp.meaning}, {"count", r.icmp.count}};
        if (r.icmp.next_hop_mtu) e["next_hop_mtu"] = r.icmp.next_hop_mtu;
        errors.push_back(e);
    }
    j["icmp_errors"] = errors;
    if (r.refused) j["refused"] = r.refused;
    if (r.send_failed) j["send_failed"] = {{"count", r.send_failed}, {"error", r.send_error}};
    return j;
}

std::vector<std::string> table_row(const TargetResult& r) {
    auto ms = [&](double v) { return r.received ? format_number(v) : std::string("-"); };
    return {r.target.given == r.target.address.to_string() ? r.target.given
                                                            : fmt::format("{} ({})", r.target.given, r.target.address.to_string()),
            std::to_string(r.sent), std::to_string(r.received), pct(r.loss_pct) + "%", ms(r.rtt.min), ms(r.rtt.avg),
            ms(r.rtt.max), ms(r.rtt.mdev), ms(r.rtt.p95), std::string(to_string(r.verdict))};
}

}  // namespace

std::string_view to_string(Verdict v) {
    switch (v) {
        case Verdict::up: return "up";
        case Verdict::degraded: return "degraded";
        case Verdict::down: return "down";
        case Verdict::unreachable: return "unreachable";
        case Verdict::refused: return "refused";
        case Verdict::untested: return "untested";
    }
    return "untested";
}

void finish(TargetResult& r, const PingThresholds& t, bool tcp) {
    r.rtt = summarise(r.rtts_ms);
    uint32_t answered = r.received + r.refused;
    r.loss_pct = r.sent ? 100.0 * static_cast<double>(r.sent - std::min(r.sent, answered)) / r.sent : 0;
    if (r.sent == 0) r.verdict = Verdict::untested;
    else if (r.received == 0 && r.refused > 0 && tcp) r.verdict = Verdict::refused;
    else if (r.received == 0 && r.icmp.count > 0) r.verdict = Verdict::unreachable;
    else if (r.received == 0) r.verdict = Verdict::down;
    else if (r.loss_pct >= t.warn_loss_pct || r.rtt.avg >= t.warn_rtt_ms || r.duplicates) r.verdict = Verdict::degraded;
    else r.verdict = Verdict::up;
}

Report analyse(std::vector<TargetResult>& results, const PingOptions& o) {
    Report rep;
    rep.program = "noc-ping";
    rep.schema = "nockit.ping/1";
    rep.service = "PING";
    const bool tcp = o.probe.method == probe::Method::tcp_connect;
    const bool single = results.size() == 1;
    bool sweep = false;
    for (auto& r : results) {
        finish(r, o.thresholds, tcp);
        sweep = sweep || r.target.from_range;
    }

    std::size_t alive = 0, up = 0, degraded = 0, dead = 0, untested = 0;
    std::vector<Finding> per_target;
    for (const auto& r : results) {
        switch (r.verdict) {
            case Verdict::up: ++alive, ++up; break;
            case Verdict::degraded: ++alive, ++degraded; break;
            case Verdict::untested: ++untested; break;
            default: ++dead;
        }
        // In a sweep, silence is the normal state of an unused address: only answering targets that
        // answer badly, and targets named outright, get findings of their own.
        bool silent = r.verdict == Verdict::down || r.verdict == Verdict::unreachable || r.verdict == Verdict::untested;
        if (r.target.from_range && (silent || r.verdict == Verdict::up)) continue;
        for (auto& f : judge(r, o, single)) per_target.push_back(std::move(f));
    }
    std::stable_sort(per_target.begin(), per_target.end(),
                     [](const Finding& a, const Finding& b) { return rank(a.severity) > rank(b.severity); });

    Severity worst_target = Severity::ok;
    for (const auto& f : per_target) worst_target = worst(worst_target, f.severity);

    if (!single) {
        Finding s;
        s.subject = fmt::format("{} targets", results.size());
        s.facts = {{"total", explain::with_commas(static_cast<long long>(results.size()))},
                   {"alive", explain::with_commas(static_cast<long long>(alive))},
                   {"up", explain::with_commas(static_cast<long long>(up))},
                   {"slow", explain::with_commas(static_cast<long long>(degraded))},
                   {"down", explain::with_commas(static_cast<long long>(dead))},
                   // Verb agreement for counts: "1 answers", "3 answer"; "1 does not", "2 do not".
                   {"s_slow", degraded == 1 ? "s" : ""},
                   {"s_up", up == 1 ? "s" : ""},
                   {"does_down", dead == 1 ? "does" : "do"}};
        if (sweep) {
            s.code = alive == 0 ? "ping.sweep.none" : degraded ? "ping.sweep.degraded" : "ping.sweep.summary";
            s.severity = alive == 0 ? Severity::critical : worst_target;
        } else {
            s.code = dead ? "ping.check.down" : degraded ? "ping.check.degraded" : "ping.check.ok";
            s.severity = worst_target;
        }
        if (untested == results.size()) s.severity = Severity::unknown;
        s.metrics.push_back({"alive", static_cast<double>(alive), "", std::nullopt, std::nullopt, 0.0,
                             static_cast<double>(results.size())});
        rep.findings.push_back(std::move(s));
    }
    if (sweep && per_target.size() > 200) per_target.resize(200);  // the JSON targets list has them all
    for (auto& f : per_target) rep.findings.push_back(std::move(f));

    rep.table.columns = {"TARGET", "SENT", "RECV", "LOSS", "MIN", "AVG", "MAX", "MDEV", "P95", "VERDICT"};
    rep.table.right_aligned = {false, true, true, true, true, true, true, true, true, false};
    nlohmann::json targets = nlohmann::json::array();
    for (const auto& r : results) {
        if (o.target_json) targets.push_back(target_json(r));
        // A sweep's table lists only what answered; the silent rest are counted in the summary.
        if (!sweep || r.verdict == Verdict::up || r.verdict == Verdict::degraded || !r.target.from_range)
            rep.table.rows.push_back(table_row(r));
    }
    if (o.target_json) rep.data["targets"] = std::move(targets);
    rep.data["summary"] = {{"targets", results.size()}, {"alive", alive},       {"up", up},
                           {"degraded", degraded},      {"down", dead},         {"sweep", sweep},
                           {"method", tcp ? "tcp" : "icmp"}};
    if (tcp) rep.data["summary"]["port"] = o.probe.port;
    return rep;
}

std::string addresses(const std::vector<TargetResult>& results, bool alive) {
    std::string out;
    for (const auto& r : results) {
        bool answered = r.verdict == Verdict::up || r.verdict == Verdict::degraded;
        if (answered == alive) out += r.target.address.to_string() + "\n";
    }
    return out;
}

Result<PingRun> run(const PingOptions& options, const std::atomic<bool>* stop, const ProgressFn& progress) {
    auto targets = expand_targets(options.targets);
    if (!targets) return targets.error();

    PingOptions o = options;
    bool sweep = std::any_of(targets->begin(), targets->end(), [](const Target& t) { return t.from_range; });
    if (!o.count_given) o.probe.count = sweep ? default_count_sweep : default_count_check;
    if (!o.interval_given)
        o.probe.interval = std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(default_interval_s));
    if (auto v = probe::validate(o.probe); !v) return v.error();

    std::vector<net::Address> addresses;
    addresses.reserve(targets->size());
    bool v4 = false, v6 = false;
    for (const auto& t : *targets) {
        addresses.push_back(t.address);
        (t.address.is_v4() ? v4 : v6) = true;
    }
    auto engine = probe::Engine::open(o.probe, v4, v6);
    if (!engine) return engine.error();

    std::vector<TargetResult> results(targets->size());
    for (std::size_t i = 0; i < targets->size(); ++i) results[i].target = (*targets)[i];
    const std::size_t planned = targets->size() * static_cast<std::size_t>(o.probe.count);
    std::size_t resolved = 0;
    // Replies may arrive out of probe order; keep each target's round trips in probe order.
    std::vector<std::vector<std::pair<uint32_t, double>>> ordered(o.probe.count > 1 ? targets->size() : 0);
    auto sink = [&](const probe::ProbeResult& p) {
        TargetResult& r = results[p.target];
        if (p.duplicate) {
            ++r.duplicates;
            return;
        }
        ++r.sent;
        ++resolved;
        double ms = std::chrono::duration<double, std::milli>(p.rtt).count();
        switch (p.outcome) {
            case probe::Outcome::reply:
                ++r.received;
                if (ordered.empty()) r.rtts_ms.push_back(ms);
                else ordered[p.target].emplace_back(p.probe, ms);
                break;
            case probe::Outcome::refused: ++r.refused; break;
            case probe::Outcome::icmp_error:
                if (r.icmp.count++ == 0) {
                    r.icmp.type = p.icmp_type;
                    r.icmp.code = p.icmp_code;
                    r.icmp.from = p.from;
                    r.icmp.meaning = p.detail.empty() ? probe::icmp_meaning(!p.from.is_v4(), p.icmp_type, p.icmp_code)
                                                      : p.detail;
                    r.icmp.next_hop_mtu = p.next_hop_mtu;
                }
                break;
            case probe::Outcome::send_failed:
                ++r.send_failed;
                if (r.send_error.empty()) r.send_error = p.detail;
                break;
            case probe::Outcome::timeout: break;
        }
        if (progress) progress(resolved, planned);
    };
    auto ran = (*engine)->run(addresses, sink, stop);
    if (!ran) return ran.error();
    for (std::size_t i = 0; i < ordered.size(); ++i) {
        std::sort(ordered[i].begin(), ordered[i].end());
        for (const auto& [seq, ms] : ordered[i]) results[i].rtts_ms.push_back(ms);
    }
    Report rep = analyse(results, o);
    if (stop && stop->load()) rep.interrupted = true;
    return PingRun{std::move(rep), std::move(results)};
}

}  // namespace nockit::ping
