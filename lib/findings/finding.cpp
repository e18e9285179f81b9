// Findings roll-up and audience names.
#include "findings/finding.hpp"

namespace nockit {

std::string_view to_string(Audience a) {
    switch (a) {
        case Audience::customer: return "customer";
        case Audience::agent: return "agent";
        case Audience::engineer: return "engineer";
    }
    return "engineer";
}

std::optional<Audience> parse_audience(std::string_view text) {
    for (auto a : {Audience::customer, Audience::agent, Audience::engineer})
        if (text == to_string(a)) return a;
    return std::nullopt;
}

const std::string& Finding::text(Audience a) const {
    switch (a) {
        case Audience::customer: return customer;
        case Audience::agent: return agent;
        case Audience::engineer: return engineer;
    }
    return engineer;
}

Severity Report::severity() const {
    Severity s = Severity::ok;
    for (const auto& f : findings) s = worst(s, f.severity);
    return s;
}

const Finding* Report::headline() const { return findings.empty() ? nullptr : &findings.front(); }

}  // namespace nockit
