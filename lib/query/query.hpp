// noc-query's library entry point: validate the request (inventory, platforms, checks) into a
// plan, run it on every device at once with bounded concurrency, and turn the answers into a
// Report (schema nockit.query/1) while streaming each device's outcome as it finishes.
#pragma once

#include "findings/finding.hpp"
#include "inventory/inventory.hpp"
#include "query/checks.hpp"
#include "query/records.hpp"
#include "ssh/fleet.hpp"

#include <atomic>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nockit::query {

/// What the engineer asked for, as parsed from the command line (no validation yet).
struct Request {
    std::vector<std::string> devices;  ///< inventory names, or user@host[:port] with `platform`
    inventory::Selection selection;    ///< groups, sites, customers, all (names go in `devices`)
    std::string inventory_path;
    std::string platform;              ///< for devices outside the inventory
    std::string platforms_path;        ///< an organisation's platforms file
    std::vector<std::string> commands; ///< -x
    std::vector<std::string> checks;   ///< --check NAME[:ARGUMENT]
    double interval_s = 0;             ///< interface: read the counters again after this long
    int parallel = 32;
    ssh::Timeouts timeouts;
    ssh::HostKeyPolicy host_keys;
    std::vector<std::string> identity_files;  ///< -i
    std::string password_env;          ///< log in with the password in this variable
    bool ask_password = false;         ///< log in with a password typed at the terminal
    std::string enable_env;            ///< the enable secret's variable
    std::string jump;                  ///< --jump user@host[:port] for every device
    std::string ssh_config;            ///< "" default files, "none", or a file
    std::size_t output_cap = 16u << 20;
    Thresholds thresholds;
};

/// One device of the plan: who it is, the session to run, the checks to evaluate.
struct PlannedDevice {
    inventory::Device device;
    ssh::DeviceJob job;                  ///< job.platform is set by run()
    std::vector<PlannedCheck> checks;
    std::vector<std::size_t> commands;   ///< steps that came from -x
    std::string team;                    ///< escalation team for the customer's address, if known
};

struct Plan {
    Request request;
    ssh::Platforms platforms;
    std::optional<inventory::Inventory> inventory;
    std::vector<PlannedDevice> devices;
};

/// Checks everything that can be checked before connecting; errors name the input and the fix.
Result<Plan> make_plan(const Request& request);

/// The passwords to ask for before any session starts (credentials with method prompt, or
/// --ask-password): one per credential, whatever the number of devices.
std::vector<std::string> password_prompts(const Plan& plan);

/// The prompt shown for one of them.
inline std::string password_question(const std::string& key) {
    return key == "password" ? "Password: " : "Password for " + key + ": ";
}

/// A finished device: the session's report, each command's records, and the findings.
struct DeviceOutcome {
    const PlannedDevice* plan = nullptr;
    ssh::DeviceReport report;
    std::vector<Parsed> parsed;  ///< one per command, in order
    std::vector<Finding> findings;
    Severity severity = Severity::ok;
};

/// Runs the plan. `on_device` is called as each device finishes (one call at a time).
Report run(const Plan& plan, ssh::Secrets& secrets, const std::atomic<bool>* stop, const TemplateParser& templates,
           const std::function<void(const DeviceOutcome&)>& on_device);

/// The JSON of one device in a nockit.query/1 document.
nlohmann::json device_json(const DeviceOutcome& outcome);

}  // namespace nockit::query
