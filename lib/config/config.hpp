// Configuration: thresholds, file locations and overrides, read from the first of
// --config, $NOCKIT_CONFIG, ~/.config/nockit/config.yaml, /etc/nockit/config.yaml.
#pragma once

#include "core/result.hpp"

#include <optional>
#include <string>

namespace nockit {

/// Warning and critical limits for reachability checks (ping, and the ping part of diagnoses).
struct PingThresholds {
    double warn_rtt_ms = 150;
    double warn_loss_pct = 5;
    double crit_rtt_ms = 500;
    double crit_loss_pct = 25;
};

/// When noc-query's checks call a port or a device degraded. Defaults suit 1G/10G optics
/// (10GBASE-LR: transmit -8.2 to +0.5 dBm, receiver overload above +0.5 dBm) and access switches.
struct QueryThresholds {
    double rx_low_dbm = -15.0;       ///< optical receive power below this: WARNING
    double rx_very_low_dbm = -20.0;  ///< below this the wording says the link may fail
    double rx_high_dbm = 0.5;        ///< above this the receiver is overloaded: WARNING
    double tx_low_dbm = -11.0;       ///< our transmitter weaker than this: WARNING
    double tx_high_dbm = 5.0;        ///< our transmitter stronger than this: WARNING
    double errors_rise_warning = 1;  ///< input or CRC errors arriving between two reads, at least this many: WARNING
    double cpu_warn_pct = 80, cpu_crit_pct = 95;
    double memory_warn_pct = 90, memory_crit_pct = 97;
    long long recent_reload_s = 3600;  ///< up for less than this: the device restarted recently
};

struct Config {
    std::string source;       ///< the file it was read from; empty when only defaults apply
    PingThresholds ping;
    QueryThresholds query;
    std::string catalogue;    ///< wording override file (absolute, or relative to the config file)
    std::string templates;    ///< a user's ntc-templates directory, searched after ours
    std::string inventory;    ///< the inventory file
    std::string known_hosts;  ///< OpenSSH known_hosts file for device host keys
    std::string platforms;    ///< device platform drivers laid over the built-in ones
};

/// Where the configuration comes from when no --config is given; the first that exists wins.
/// $NOCKIT_CONFIG, when set, must exist.
std::optional<std::string> find_config_file();

/// Loads the configuration: `explicit_path` (from --config) must exist; otherwise the search above;
/// defaults when no file exists. A malformed file is an error naming file, line and key.
Result<Config> load_config(const std::string& explicit_path = {});

/// Parses configuration text; `source` names it in errors. Relative paths are resolved against
/// the directory of `source`.
Result<Config> parse_config(const std::string& text, const std::string& source);

/// Parses "RTT_MS,LOSS%" (the -w/-C syntax of check_ping), e.g. "150,5%" or "150,5".
Result<std::pair<double, double>> parse_rtt_loss(const std::string& text, const std::string& option);

}  // namespace nockit
