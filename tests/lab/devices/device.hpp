// The lab device emulator's model: one device's state, read from its state file, which a test
// may rewrite at any time (a port taken down, errors that start rising) to change the answers.
#pragma once

#include <ctime>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace devcli {

struct Port {
    std::string name;          // canonical: GigabitEthernet1/0/3, Ethernet1/3, ge-0/0/3, Ethernet3, eth1
    bool admin_up = true;
    bool oper_up = true;
    std::time_t since = 0;     // last state change (epoch)
    int speed_mbps = 1000;
    std::string duplex = "full";
    std::string description;
    std::string mac = "0011.2233.4400";
    long long in_errors = 0;
    long long crc = 0;
    double crc_per_s = 0;      // errors that keep arriving: counters grow with time
    std::time_t counting_since = 0;
    long long in_packets = 1234567, out_packets = 2345678;
    long long in_bytes = 123456789, out_bytes = 234567890;
    std::optional<double> rx_dbm, tx_dbm;  // optics, when the port has a transceiver
    int vlan = 1;

    long long crc_now(std::time_t now) const;
    long long in_errors_now(std::time_t now) const;
};

struct MacEntry {
    int vlan = 1;
    std::string mac;  // Cisco dotted form 0050.56ab.cd01
    std::string port;
};

struct ArpEntry {
    std::string address;
    std::string mac;
    std::string interface;
    int age_min = 0;
};

struct LogLine {
    std::time_t at = 0;
    std::string text;  // "%LINK-3-UPDOWN: Interface GigabitEthernet1/0/3, changed state to down"
};

struct Device {
    std::string hostname = "lab-device";
    std::string platform = "cisco_ios";
    std::string user;                 // for Junos-style prompts; defaults to $USER
    std::string enable_secret;        // empty: no enable secret configured
    std::string banner;               // printed before the first prompt
    bool pager_stuck = false;         // "terminal length 0" is refused: paging stays on
    std::string behaviour = "normal"; // normal | hang_after_banner | close_mid_output | hang_on_command
    std::string trouble_command;      // for close_mid_output / hang_on_command: which command (prefix)
    std::string model = "WS-C2960X-48FPD-L";
    std::string version = "15.2(7)E8";
    std::string serial = "FOC1234X0AB";
    std::time_t boot_time = 0;
    std::string reload_reason = "power-on";
    int cpu_5s = 7, cpu_1m = 6, cpu_5m = 5;
    long long memory_total = 524288000, memory_used = 123456789;
    std::vector<Port> ports;
    std::vector<MacEntry> macs;
    std::vector<ArpEntry> arps;
    std::vector<LogLine> logs;

    const Port* port(const std::string& name) const;
};

/// Reads a state file: "key value" lines, plus "port NAME key=value ...", "mac VLAN MAC PORT",
/// "arp ADDRESS MAC INTERFACE AGE", "log EPOCH TEXT". Unknown keys are errors (the lab must
/// not drift silently). Returns an error message, or "" on success.
std::string load(const std::string& path, Device& device);

/// Finds a port by a name as an engineer types it: "Gi1/0/3", "gig1/0/3", "Et3", "eth1".
const Port* find_port(const Device& d, const std::string& typed);

/// The device's answer to one command line (pipes included), as lines without line endings.
/// `known` is false when the command does not exist on the platform.
struct Answer {
    std::vector<std::string> lines;
    bool known = true;
    bool error = false;  // the device refused it (the lines hold its message)
};
Answer answer(const Device& d, const std::string& command, std::time_t now);

}  // namespace devcli
