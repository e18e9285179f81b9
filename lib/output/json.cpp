// JSON renderer: one document with a versioned schema; numbers stay numbers.
#include "output/render.hpp"

#include <cmath>

#ifndef NOCKIT_VERSION
#define NOCKIT_VERSION "0.0.0"
#endif

namespace nockit::output {
namespace {

nlohmann::json metric_json(const Metric& m) {
    nlohmann::json j{{"name", m.name}, {"value", m.value}, {"unit", m.unit}};
    if (m.warn) j["warn"] = *m.warn;
    if (m.crit) j["crit"] = *m.crit;
    if (m.min) j["min"] = *m.min;
    if (m.max) j["max"] = *m.max;
    return j;
}

}  // namespace

nlohmann::json to_json(const Report& report) {
    nlohmann::json doc;
    doc["schema"] = report.schema;
    doc["program"] = report.program;
    doc["version"] = NOCKIT_VERSION;
    const Severity overall = report.severity();
    doc["severity"] = to_string(overall);
    doc["exit_code"] = exit_code(overall);
    doc["interrupted"] = report.interrupted;

    nlohmann::json summary = nlohmann::json::object();
    summary["severity"] = to_string(overall);
    if (const Finding* h = report.headline())
        summary["text"] = {{"customer", h->customer}, {"agent", h->agent}, {"engineer", h->engineer}};
    if (report.data.contains("summary") && report.data["summary"].is_object())
        for (const auto& [k, v] : report.data["summary"].items()) summary[k] = v;
    doc["summary"] = summary;

    nlohmann::json findings = nlohmann::json::array();
    for (const auto& f : report.findings) {
        nlohmann::json metrics = nlohmann::json::array();
        for (const auto& m : f.metrics) metrics.push_back(metric_json(m));
        findings.push_back({{"code", f.code},
                            {"severity", to_string(f.severity)},
                            {"subject", f.subject},
                            {"metrics", metrics},
                            {"facts", f.facts},
                            {"text", {{"customer", f.customer}, {"agent", f.agent}, {"engineer", f.engineer}}}});
    }
    doc["findings"] = findings;
    for (const auto& [k, v] : report.data.items())
        if (k != "summary") doc[k] = v;
    return doc;
}

}  // namespace nockit::output
