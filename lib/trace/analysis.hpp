// Reading a path the way an expert does: loss that starts at one hop and continues to the
// destination is a fault; loss or silence at one router only is not; latency steps that persist;
// where an unreached path ends and why; loops, path changes and MTU black holes.
#pragma once

#include "config/config.hpp"
#include "findings/finding.hpp"
#include "trace/model.hpp"

namespace nockit::trace {

struct AnalysisOptions {
    PingThresholds thresholds;   ///< destination loss / round-trip limits
    double step_ms = 20;         ///< a latency rise at least this large counts as a step
    std::string label;           ///< the destination in plain words ("the customer's VPN server")
};

/// Findings (not yet worded), the mtr-style table and the `nockit.trace/1` JSON fields. The first
/// finding is the verdict on the destination. Pure: tested without a network.
Report analyse(const Path& path, const AnalysisOptions& options);

}  // namespace nockit::trace
