// The named checks: which commands answer them on each platform, and what the answers mean
// (findings with plain words for the customer, the agent and the engineer).
#pragma once

#include "config/config.hpp"
#include "core/result.hpp"
#include "findings/finding.hpp"
#include "inventory/inventory.hpp"
#include "query/records.hpp"
#include "ssh/cli.hpp"
#include "ssh/fleet.hpp"

#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace nockit::query {

/// A check as given on the command line: "interface:GigabitEthernet1/0/3", "health".
struct CheckSpec {
    std::string name;
    std::string argument;
    std::string to_string() const { return argument.empty() ? name : name + ":" + argument; }
};

/// The checks there are: interface, health, mac, arp, logs.
const std::vector<std::string>& check_names();

/// Parses NAME[:ARGUMENT]; unknown names and arguments that could not be a port, an address or
/// a search text are errors that say what to write instead.
Result<CheckSpec> parse_check(std::string_view text);

/// When a port or a device counts as degraded (set in the configuration under thresholds.query).
using Thresholds = QueryThresholds;

/// A check planned on one device: its argument (from the customer record when not given) and
/// which of the device's steps answer it.
struct PlannedCheck {
    CheckSpec spec;
    std::vector<std::size_t> first;   ///< indexes into the device's steps
    std::vector<std::size_t> second;  ///< the repeated counter read, when an interval was asked for
    double interval_s = 0;
};

/// Appends the steps `spec` needs on `platform` to `steps`. `customer` supplies the port or the
/// address when the check has none.
Result<PlannedCheck> plan_check(const ssh::Platform& platform, CheckSpec spec,
                                const std::optional<inventory::Customer>& customer, double interval_s,
                                std::vector<ssh::Step>& steps);

/// One command's answer with its records.
struct Evidence {
    const ssh::CommandResult* result = nullptr;
    const ssh::CheckCommand* rules = nullptr;
    Parsed parsed;
};

/// Everything an evaluation may use besides the answers.
struct CheckContext {
    std::string device;
    std::string platform;
    std::optional<inventory::Customer> customer;
    std::string team;  ///< who to escalate to (from the inventory's segments), or ""
    std::time_t now = 0;
    Thresholds thresholds;
};

/// What the answers mean. `first` and `second` follow the plan's step lists.
std::vector<Finding> evaluate(const PlannedCheck& check, const std::vector<Evidence>& first,
                              const std::vector<Evidence>& second, const CheckContext& context);

}  // namespace nockit::query
