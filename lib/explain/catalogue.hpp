// The message catalogue: finding code -> wording per audience, with named placeholders.
// Defaults are embedded in the library (data/catalogue/*.yaml); an organisation overrides or
// extends them with its own YAML file (configuration key `catalogue`), no recompiling.
#pragma once

#include "core/result.hpp"
#include "findings/finding.hpp"

#include <array>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace nockit::explain {

/// The three templates for one finding code, indexed by Audience.
struct Entry {
    std::array<std::string, 3> text;
    std::string origin;  ///< "built-in ping" or "/etc/nockit/wording.yaml:12"
};

class Catalogue {
public:
    /// The embedded defaults of every area.
    static const Catalogue& builtin();

    /// Parses one catalogue document; `source` names it in errors ("file.yaml").
    static Result<Catalogue> parse(std::string_view yaml, const std::string& source);
    /// Reads a catalogue file.
    static Result<Catalogue> load(const std::string& path);

    /// Overlays `other` on this one: its entries replace ours audience by audience.
    void merge(const Catalogue& other);

    const Entry* find(std::string_view code) const;
    const std::map<std::string, Entry, std::less<>>& entries() const { return entries_; }

    /// Fills the finding's three texts from its code and facts. Fails when the code has no entry
    /// or a template names a placeholder the finding lacks.
    Result<void> explain(Finding& finding) const;

    /// Like explain(), but never leaves a blank line in front of a customer: on failure it writes
    /// a neutral fallback into the texts and returns the error for the caller to log.
    Result<void> explain_or_fallback(Finding& finding) const;

private:
    std::map<std::string, Entry, std::less<>> entries_;
};

/// Substitutes {name} placeholders from `facts` ({Name} capitalises the value's first letter;
/// {{ and }} are literal braces). Fails naming the first missing placeholder.
Result<std::string> fill(std::string_view text, const std::map<std::string, std::string>& facts);

/// Placeholder names used in a template, in order of appearance.
std::vector<std::string> placeholders(std::string_view text);

/// Technical words a customer should never hear (packet, latency, hop, ICMP, TTL, MTU, CRC, ms,
/// IP addresses, interface names). Returns those found in `text`.
std::vector<std::string> jargon_in(std::string_view text);

/// Formats a count with thousands separators: 1024 -> "1,024".
std::string with_commas(long long value);

}  // namespace nockit::explain
