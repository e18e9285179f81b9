// Renderers: one Report, drawn as terminal text, one JSON document, or a Monitoring Plugins line.
#pragma once

#include "findings/finding.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <ostream>
#include <string>

namespace nockit::output {

struct TextStyle {
    std::optional<Audience> audience;  ///< show only this audience's text; none = plain summary then technical
    bool color = false;                ///< ANSI colour (only on a TTY, never with NO_COLOR)
    bool quiet = false;                ///< the plain summary only
};

/// Terminal text: status line, plain summary (customer words), then the technical section.
void render_text(std::ostream& out, const Report& report, const TextStyle& style);

/// One JSON document: schema, program, version, severity, exit_code, summary, findings, then the
/// program's own fields (report.data).
nlohmann::json to_json(const Report& report);

/// Monitoring Plugins output: "SERVICE STATE - text | perfdata", further findings as long output.
std::string render_nagios(const Report& report);

/// One perfdata item: 'label'=value[unit];[warn];[crit];[min];[max]
std::string perfdata(const Metric& m);

/// Decides whether colour is wanted: a TTY, no NO_COLOR in the environment, not disabled by option.
bool want_color(int fd, bool disabled_by_option);

/// Renders numbers the way engineers read them: 12.3, 0.412, 1500.
std::string format_number(double value);

}  // namespace nockit::output
