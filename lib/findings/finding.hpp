// The findings model: every diagnostic result is a list of findings, each with a stable code,
// a severity, a subject, metrics and text for three audiences. Renderers only ever see this.
#pragma once

#include "core/severity.hpp"

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nockit {

/// Who reads the text: the customer on the phone, the customer-service agent, the engineer.
enum class Audience { customer, agent, engineer };
std::string_view to_string(Audience a);
std::optional<Audience> parse_audience(std::string_view text);

/// A measured number with its unit; thresholds and bounds feed Nagios perfdata.
struct Metric {
    std::string name;   ///< perfdata label, e.g. "rta", "pl"
    double value = 0;
    std::string unit;   ///< "ms", "%", "" ...
    std::optional<double> warn, crit, min, max;
};

/// One statement about the network, with the words to say it.
struct Finding {
    std::string code;      ///< stable, e.g. "ping.loss.partial"; keys the message catalogue
    Severity severity = Severity::ok;
    std::string subject;   ///< what the finding is about (the target as given)
    std::vector<Metric> metrics;
    std::map<std::string, std::string> facts;  ///< placeholder values for the catalogue's templates
    std::string customer, agent, engineer;     ///< filled by explain::Catalogue::explain()

    const std::string& text(Audience a) const;
};

/// A plain table for the technical section of the terminal output.
struct Table {
    std::vector<std::string> columns;
    std::vector<std::vector<std::string>> rows;
    std::vector<bool> right_aligned;  ///< per column; numbers read better right-aligned
};

/// The result of one program run: what the renderers (terminal, JSON, Nagios) draw from.
struct Report {
    std::string program;   ///< "noc-ping"
    std::string schema;    ///< "nockit.ping/1"
    std::string service;   ///< Nagios service label, e.g. "PING"
    std::vector<Finding> findings;  ///< the first one is the headline
    Table table;           ///< technical detail (per target, per hop...)
    nlohmann::json data = nlohmann::json::object();  ///< program-specific JSON fields
    std::vector<Metric> perfdata;  ///< extra perfdata beyond the findings' metrics
    bool interrupted = false;      ///< stopped early (Ctrl-C, --timeout): results are partial

    /// Worst severity of all findings (critical > warning > unknown > ok); ok when empty.
    Severity severity() const;
    /// The headline finding, or null when there are none.
    const Finding* headline() const;
};

}  // namespace nockit
