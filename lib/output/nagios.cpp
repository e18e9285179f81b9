// Monitoring Plugins renderer: "PING CRITICAL - text | perfdata", so any program runs as a
// check under Nagios, Icinga or Naemon.
#include "output/render.hpp"

#include <fmt/format.h>

namespace nockit::output {
namespace {

std::string one_line(std::string s) {
    for (auto& ch : s)
        if (ch == '\n' || ch == '|') ch = ch == '|' ? '/' : ' ';
    return s;
}

std::string quote_label(const std::string& label) {
    bool plain = label.find_first_of(" ='") == std::string::npos;
    if (plain) return label;
    std::string q = "'";
    for (char ch : label) {
        if (ch == '\'') q += "''";
        else if (ch != '=') q += ch;
        else q += '_';
    }
    return q + "'";
}

std::string opt(const std::optional<double>& v) { return v ? format_number(*v) : ""; }

}  // namespace

std::string perfdata(const Metric& m) {
    std::string s = fmt::format("{}={}{};{};{};{};{}", quote_label(m.name), format_number(m.value), m.unit, opt(m.warn),
                                opt(m.crit), opt(m.min), opt(m.max));
    while (!s.empty() && s.back() == ';') s.pop_back();
    return s;
}

std::string render_nagios(const Report& report) {
    const Severity overall = report.severity();
    std::string text = report.headline() ? report.headline()->engineer : "no result";
    std::string line = fmt::format("{} {} - {}", report.service, plugin_state(overall), one_line(text));
    std::string perf;
    for (const auto& m : report.perfdata) perf += (perf.empty() ? "" : " ") + perfdata(m);
    for (const auto& f : report.findings)
        for (const auto& m : f.metrics) perf += (perf.empty() ? "" : " ") + perfdata(m);
    if (!perf.empty()) line += " | " + perf;
    line += '\n';
    for (std::size_t i = 1; i < report.findings.size(); ++i)
        line += fmt::format("{}: {}\n", plugin_state(report.findings[i].severity), one_line(report.findings[i].engineer));
    return line;
}

}  // namespace nockit::output
