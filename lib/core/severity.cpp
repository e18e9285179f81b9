// Parsing of severity names as they appear in catalogues and configuration.
#include "core/severity.hpp"

namespace nockit {

std::optional<Severity> parse_severity(std::string_view text) {
    for (auto s : {Severity::ok, Severity::warning, Severity::critical, Severity::unknown})
        if (text == to_string(s)) return s;
    return std::nullopt;
}

}  // namespace nockit
