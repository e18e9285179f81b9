// noc-trace's library entry point: measure the path to one destination (all TTLs in flight at
// once, flow-stable probes, MTR-style rounds), label hops with their segments, and analyse it.
#pragma once

#include "core/result.hpp"
#include "findings/finding.hpp"
#include "trace/analysis.hpp"
#include "trace/model.hpp"

#include <atomic>
#include <functional>
#include <string>

namespace nockit::trace {

struct TraceOptions {
    std::string target;            ///< host name or address
    int family = 0;                ///< AF_UNSPEC, AF_INET (-4) or AF_INET6 (-6)
    Method method = Method::icmp;  ///< -I (default), -U, -T
    uint16_t port = 0;             ///< -p: UDP destination port (default 33434) or TCP port (default 80)
    int first_ttl = 1;             ///< -f
    int max_ttl = 30;              ///< -m
    int rounds = 3;                ///< -c/-q: rounds of probes (every TTL once per round)
    double wait_s = 1.0;           ///< -w: how long to wait for each probe's answer
    double interval_s = 0.05;      ///< --interval: time between rounds
    double rate_pps = 0;           ///< global pacing; 0 = the probe engine's default
    int flows = 1;                 ///< --flows: distinct flow identities (ECMP discovery)
    bool resolve_names = true;     ///< reverse DNS for hops (-n turns it off); never delays the result
    double dns_timeout_s = 0.5;    ///< reverse lookups still pending then are dropped
    bool mtu = false;              ///< --mtu: path MTU discovery
    std::string segments_file;     ///< --segments / inventory: prefixes -> segment and team
    AnalysisOptions analysis;
};

/// Checks what the engineer typed (TTLs, interval, rounds, flows, port), before any socket opens.
Result<void> validate(const TraceOptions& options);

/// Called with (probes resolved, probes planned).
using ProgressFn = std::function<void(std::size_t, std::size_t)>;

/// Resolves the target, probes the path, labels hops, and analyses it. Errors (exit 3): bad
/// input, unresolvable name, no permission for raw sockets. "Destination unreachable" is a
/// finding, not an error.
Result<Report> run(const TraceOptions& options, const std::atomic<bool>* stop = nullptr,
                   const ProgressFn& progress = {});

}  // namespace nockit::trace
