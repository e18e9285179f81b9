// Severity of a finding and the exit-code table shared by every program
// (Monitoring Plugins convention: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
#pragma once

#include <optional>
#include <string_view>

namespace nockit {

enum class Severity { ok = 0, warning = 1, critical = 2, unknown = 3 };
using ExitCode = Severity;

/// Exit code of a program whose result has this severity.
constexpr int exit_code(Severity s) { return static_cast<int>(s); }

/// Worst-of ordering used for roll-ups: critical > warning > unknown > ok.
constexpr int rank(Severity s) {
    switch (s) {
        case Severity::ok: return 0;
        case Severity::unknown: return 1;
        case Severity::warning: return 2;
        case Severity::critical: return 3;
    }
    return 1;
}
constexpr Severity worst(Severity a, Severity b) { return rank(a) >= rank(b) ? a : b; }

constexpr std::string_view to_string(Severity s) {
    switch (s) {
        case Severity::ok: return "ok";
        case Severity::warning: return "warning";
        case Severity::critical: return "critical";
        case Severity::unknown: return "unknown";
    }
    return "unknown";
}
/// Monitoring Plugins spelling: OK, WARNING, CRITICAL, UNKNOWN.
constexpr std::string_view plugin_state(Severity s) {
    switch (s) {
        case Severity::ok: return "OK";
        case Severity::warning: return "WARNING";
        case Severity::critical: return "CRITICAL";
        case Severity::unknown: return "UNKNOWN";
    }
    return "UNKNOWN";
}
std::optional<Severity> parse_severity(std::string_view text);

}  // namespace nockit
