// noc-ping's library half: probe targets, gather per-target statistics, judge them against
// thresholds and turn them into findings. The program only parses options and renders.
#pragma once

#include "config/config.hpp"
#include "core/result.hpp"
#include "findings/finding.hpp"
#include "ping/stats.hpp"
#include "ping/targets.hpp"
#include "probe/engine.hpp"

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace nockit::ping {

struct PingOptions {
    TargetRequest targets;
    probe::Options probe;      ///< count, interval, rate, timeout, payload, df, tcp port
    PingThresholds thresholds;
    std::string label;         ///< plain words for a single target, e.g. "the customer's router"
    bool count_given = false;     ///< -c given; otherwise the default for a check or a sweep
    bool interval_given = false;  ///< -i given; otherwise default_interval_s
    bool target_json = true;      ///< put every target into the JSON fields (only --json needs them)
};

/// Defaults that depend on what is probed: a sweep (any CIDR range) sends one probe per address,
/// a check of named targets sends five, 0.2 s apart, so an answer comes in about a second.
constexpr int default_count_check = 5;
constexpr int default_count_sweep = 1;
constexpr double default_interval_s = 0.2;

/// How one target fared.
enum class Verdict { up, degraded, down, unreachable, refused, untested };
std::string_view to_string(Verdict v);

/// The first ICMP error a target drew, with how often it came.
struct IcmpErrorSeen {
    int type = -1, code = -1;
    net::Address from;
    std::string meaning;
    uint32_t next_hop_mtu = 0;
    uint32_t count = 0;
};

/// Everything measured for one target.
struct TargetResult {
    Target target;
    uint32_t sent = 0, received = 0, duplicates = 0, refused = 0, send_failed = 0;
    std::vector<double> rtts_ms;  ///< replies in probe order
    IcmpErrorSeen icmp;           ///< icmp.count == 0 when none
    std::string send_error;
    RttSummary rtt;               ///< filled by finish()
    double loss_pct = 0;
    Verdict verdict = Verdict::untested;
};

/// Fills statistics, loss and verdict from the raw counts.
void finish(TargetResult& result, const PingThresholds& thresholds, bool tcp);

/// Turns measured targets into a report: findings (not yet worded), the per-target table and
/// the `nockit.ping/1` JSON fields. Finishes each result in place (statistics, verdict). Pure: no
/// network, so it is tested on its own.
Report analyse(std::vector<TargetResult>& results, const PingOptions& options);

/// The addresses that answered (alive) or did not, one per line, for --alive / --unreachable.
std::string addresses(const std::vector<TargetResult>& results, bool alive);

/// A finished run: the report, and the measured targets behind it.
struct PingRun {
    Report report;
    std::vector<TargetResult> targets;
};

/// Called with (probes resolved, probes planned) as results arrive.
using ProgressFn = std::function<void(std::size_t, std::size_t)>;

/// Expands targets, probes them all at once, and analyses the outcome.
Result<PingRun> run(const PingOptions& options, const std::atomic<bool>* stop = nullptr,
                   const ProgressFn& progress = {});

}  // namespace nockit::ping
