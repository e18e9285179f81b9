// The lab device emulator's answers, modelled on what Cisco IOS, NX-OS, Junos, Arista EOS and
// Linux print for the same commands, generated from the device's state at the time of asking.
#include "device.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>

namespace devcli {
namespace {

std::string lower(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::vector<std::string> words(const std::string& s) {
    std::vector<std::string> out;
    std::istringstream in(s);
    std::string w;
    while (in >> w) out.push_back(w);
    return out;
}

std::string printf_string(const char* format, ...) __attribute__((format(printf, 1, 2)));
std::string printf_string(const char* format, ...) {
    char buf[1024];
    va_list ap;
    va_start(ap, format);
    std::vsnprintf(buf, sizeof buf, format, ap);
    va_end(ap);
    return buf;
}
#define F printf_string

std::tm utc(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    return tm;
}

std::string strtime(std::time_t t, const char* format) {
    std::tm tm = utc(t);
    char buf[128];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}

std::string plural(long long n, const char* unit) { return F("%lld %s%s", n, unit, n == 1 ? "" : "s"); }

// "12 weeks, 3 days, 4 hours, 5 minutes" (IOS uptime style; zero parts left out).
std::string ios_duration(long long secs) {
    long long w = secs / 604800, d = secs % 604800 / 86400, h = secs % 86400 / 3600, m = secs % 3600 / 60;
    std::vector<std::string> parts;
    if (w) parts.push_back(plural(w, "week"));
    if (d) parts.push_back(plural(d, "day"));
    if (h) parts.push_back(plural(h, "hour"));
    if (m || parts.empty()) parts.push_back(plural(m, "minute"));
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
    return out;
}

std::string hms(long long secs) { return F("%02lld:%02lld:%02lld", secs / 3600, secs % 3600 / 60, secs % 60); }

// NX-OS "Last link flapped": 00:37:12 under a day, else 1d02h, else 5week(s) 2day(s).
std::string nxos_flap(long long secs) {
    if (secs < 86400) return hms(secs);
    if (secs < 7 * 86400) return F("%lldd%02lldh", secs / 86400, secs % 86400 / 3600);
    return F("%lldweek(s) %lldday(s)", secs / 604800, secs % 604800 / 86400);
}

// Arista "Up 2 days, 3 hours, 4 minutes, 5 seconds".
std::string eos_duration(long long secs) {
    long long d = secs / 86400, h = secs % 86400 / 3600, m = secs % 3600 / 60, s = secs % 60;
    std::vector<std::string> parts;
    if (d) parts.push_back(plural(d, "day"));
    if (h) parts.push_back(plural(h, "hour"));
    if (m) parts.push_back(plural(m, "minute"));
    parts.push_back(plural(s, "second"));
    std::string out;
    for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
    return out;
}

std::string colon_mac(const std::string& dotted) {
    std::string hex;
    for (char c : dotted)
        if (std::isxdigit(static_cast<unsigned char>(c))) hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (hex.size() != 12) return dotted;
    std::string out;
    for (std::size_t i = 0; i < 12; i += 2) out += (i ? ":" : "") + hex.substr(i, 2);
    return out;
}

double mw(double dbm) { return std::pow(10.0, dbm / 10.0); }

std::pair<std::string, std::string> split_name(const std::string& name) {
    std::size_t i = 0;
    while (i < name.size() && (std::isalpha(static_cast<unsigned char>(name[i])) || name[i] == '-')) ++i;
    // Junos names like ge-0/0/3 keep their prefix up to the first digit
    return {name.substr(0, i), name.substr(i)};
}

// Short IOS-style names for tables: GigabitEthernet1/0/3 -> Gi1/0/3, Ethernet3 -> Et3.
std::string short_name(const std::string& name) {
    auto [letters, rest] = split_name(name);
    if (letters.size() <= 3 || letters.find('-') != std::string::npos) return name;
    return letters.substr(0, 2) + rest;
}

// The device's log: the state file's lines plus what the device itself logged when each port
// last changed state, in each platform's words, oldest first.
std::vector<LogLine> all_logs(const Device& d) {
    std::vector<LogLine> out = d.logs;
    for (const auto& p : d.ports) {
        if (p.since == 0) continue;
        bool up = p.admin_up && p.oper_up;
        const std::string& n = p.name;
        if (d.platform == "cisco_ios" || d.platform == "arista_eos") {
            if (!p.admin_up) out.push_back({p.since, "%LINK-5-CHANGED: Interface " + n + ", changed state to administratively down"});
            else if (d.platform == "cisco_ios") out.push_back({p.since, "%LINK-3-UPDOWN: Interface " + n + ", changed state to " + (up ? "up" : "down")});
            out.push_back({p.since + 1, "%LINEPROTO-5-UPDOWN: Line protocol on Interface " + n + ", changed state to " + (up ? "up" : "down")});
        } else if (d.platform == "cisco_nxos") {
            out.push_back({p.since, up ? "%ETHPORT-5-IF_UP: Interface " + n + " is up in mode access"
                                       : "%ETHPORT-5-IF_DOWN_LINK_FAILURE: Interface " + n + " is down (Link failure)"});
        } else if (d.platform == "juniper_junos") {
            out.push_back({p.since, std::string("mib2d[1931]: ") + (up ? "SNMP_TRAP_LINK_UP" : "SNMP_TRAP_LINK_DOWN") +
                                        ": ifIndex 520, ifAdminStatus " + (p.admin_up ? "up(1)" : "down(2)") + ", ifOperStatus " +
                                        (up ? "up(1)" : "down(2)") + ", ifName " + n});
        } else {
            out.push_back({p.since, n + (up ? ": Link is Up - 1Gbps/Full - flow control off" : ": Link is Down")});
        }
    }
    std::stable_sort(out.begin(), out.end(), [](const LogLine& a, const LogLine& b) { return a.at < b.at; });
    return out;
}

struct Args {
    std::string port_typed;
    const Port* port = nullptr;
    std::string word;
};

using Handler = std::function<Answer(const Device&, const Args&, std::time_t)>;
struct Command {
    std::vector<std::string> words;  // literal words, "{port}" or "{word}"
    Handler run;
};

// --- Cisco IOS -------------------------------------------------------------------------------

Answer ios_version(const Device& d, const Args&, std::time_t now) {
    long long up = now - d.boot_time;
    return {{F("Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version %s, RELEASE SOFTWARE (fc3)", d.version.c_str()),
             "Technical Support: http://www.cisco.com/techsupport",
             "Copyright (c) 1986-2023 by Cisco Systems, Inc.",
             "Compiled Tue 28-Feb-23 04:09 by prod_rel_team",
             "",
             "ROM: Bootstrap program is C2960X boot loader",
             "BOOTLDR: C2960X Boot Loader (C2960X-HBOOT-M) Version 15.2(7r)E, RELEASE SOFTWARE (fc1)",
             "",
             F("%s uptime is %s", d.hostname.c_str(), ios_duration(up).c_str()),
             "System returned to ROM by " + d.reload_reason,
             "System restarted at " + strtime(d.boot_time, "%H:%M:%S UTC %a %b %e %Y"),
             "System image file is \"flash:c2960x-universalk9-mz.152-7.E8.bin\"",
             "Last reload reason: " + d.reload_reason,
             "",
             "This product contains cryptographic features and is subject to United",
             "States and local country laws governing import, export, transfer and",
             "use. Delivery of Cisco cryptographic products does not imply",
             "third-party authority to import, export, distribute or use encryption.",
             "",
             F("cisco %s (APM86XXX) processor (revision B0) with %lldK bytes of memory.", d.model.c_str(), d.memory_total / 1024),
             "Processor board ID " + d.serial,
             "Last reset from " + d.reload_reason,
             "1 Virtual Ethernet interface",
             F("%zu Gigabit Ethernet interfaces", d.ports.size()),
             "The password-recovery mechanism is enabled.",
             "",
             "512K bytes of flash-simulated non-volatile configuration memory.",
             "Base ethernet MAC Address       : 00:11:22:33:44:80",
             "Motherboard assembly number     : 73-15800-08",
             "Model revision number           : B0",
             "Model number                    : " + d.model,
             "System serial number            : " + d.serial,
             "",
             "Switch Ports Model                     SW Version            SW Image",
             "------ ----- -----                     ----------            ----------",
             F("*    1 %-5zu %-22s %-21s C2960X-UNIVERSALK9-M", d.ports.size(), d.model.c_str(), d.version.c_str()),
             "",
             "Configuration register is 0xF"}};
}

std::vector<std::string> ios_interface(const Port& p, std::time_t now, bool arista) {
    std::vector<std::string> l;
    std::string state = !p.admin_up ? "administratively down" : p.oper_up ? "up" : "down";
    std::string proto = p.admin_up && p.oper_up ? "up" : "down";
    std::string why = !p.admin_up ? "disabled" : p.oper_up ? "connected" : "notconnect";
    l.push_back(F("%s is %s, line protocol is %s (%s)", p.name.c_str(), state.c_str(), proto.c_str(), why.c_str()));
    l.push_back(F("  Hardware is %s, address is %s (bia %s)", arista ? "Ethernet" : "Gigabit Ethernet", p.mac.c_str(), p.mac.c_str()));
    if (!p.description.empty()) l.push_back("  Description: " + p.description);
    bool up = p.admin_up && p.oper_up;
    if (arista) {
        l.push_back(F("  Ethernet MTU 9214 bytes, BW %d kbit", p.speed_mbps * 1000));
        if (up) l.push_back(F("  %s-duplex, %s, auto negotiation: on, uni-link: n/a", p.duplex == "full" ? "Full" : "Half",
                              p.speed_mbps >= 1000 ? F("%dGb/s", p.speed_mbps / 1000).c_str() : F("%dMb/s", p.speed_mbps).c_str()));
        else l.push_back("  Unconfigured-duplex, Unconfigured-speed, auto negotiation: on, uni-link: n/a");
        l.push_back(F("  %s %s", up ? "Up" : "Down", eos_duration(now - p.since).c_str()));
        l.push_back("  Loopback Mode : None");
        l.push_back("  2 link status changes since last clear");
        l.push_back("  Last clearing of \"show interface\" counters never");
        l.push_back("  5 minutes input rate 1.23 kbps (0.0% with framing overhead), 1 packets/sec");
        l.push_back("  5 minutes output rate 2.34 kbps (0.0% with framing overhead), 2 packets/sec");
        l.push_back(F("     %lld packets input, %lld bytes", p.in_packets, p.in_bytes));
        l.push_back("     Received 12 broadcasts, 2345 multicast");
        l.push_back("     0 runts, 0 giants");
        l.push_back(F("     %lld input errors, %lld CRC, 0 alignment, 0 symbol, 0 input discards", p.in_errors_now(now), p.crc_now(now)));
        l.push_back("     0 PAUSE input");
        l.push_back(F("     %lld packets output, %lld bytes", p.out_packets, p.out_bytes));
        l.push_back("     Sent 23 broadcasts, 3456 multicast");
        l.push_back("     0 output errors, 0 collisions");
        l.push_back("     0 late collision, 0 deferred, 0 output discards");
        l.push_back("     0 PAUSE output");
        return l;
    }
    l.push_back(F("  MTU 1500 bytes, BW %d Kbit/sec, DLY 10 usec,", p.speed_mbps * 1000));
    l.push_back("     reliability 255/255, txload 1/255, rxload 1/255");
    l.push_back("  Encapsulation ARPA, loopback not set");
    l.push_back("  Keepalive set (10 sec)");
    if (up) l.push_back(F("  %s-duplex, %dMb/s, media type is 10/100/1000BaseTX", p.duplex == "full" ? "Full" : "Half", p.speed_mbps));
    else l.push_back("  Auto-duplex, Auto-speed, media type is 10/100/1000BaseTX");
    l.push_back("  input flow-control is off, output flow-control is unsupported");
    l.push_back("  ARP type: ARPA, ARP Timeout 04:00:00");
    l.push_back(up ? "  Last input 00:00:00, output 00:00:01, output hang never"
                   : F("  Last input %s, output %s, output hang never", hms(now - p.since).c_str(), hms(now - p.since).c_str()));
    l.push_back("  Last clearing of \"show interface\" counters never");
    l.push_back("  Input queue: 0/75/0/0 (size/max/drops/flushes); Total output drops: 0");
    l.push_back("  Queueing strategy: fifo");
    l.push_back("  Output queue: 0/40 (size/max)");
    l.push_back(up ? "  5 minute input rate 2000 bits/sec, 3 packets/sec" : "  5 minute input rate 0 bits/sec, 0 packets/sec");
    l.push_back(up ? "  5 minute output rate 5000 bits/sec, 6 packets/sec" : "  5 minute output rate 0 bits/sec, 0 packets/sec");
    l.push_back(F("     %lld packets input, %lld bytes, 0 no buffer", p.in_packets, p.in_bytes));
    l.push_back("     Received 1234 broadcasts (567 multicasts)");
    l.push_back("     0 runts, 0 giants, 0 throttles");
    l.push_back(F("     %lld input errors, %lld CRC, 0 frame, 0 overrun, 0 ignored", p.in_errors_now(now), p.crc_now(now)));
    l.push_back("     0 watchdog, 567 multicast, 0 pause input");
    l.push_back("     0 input packets with dribble condition detected");
    l.push_back(F("     %lld packets output, %lld bytes, 0 underruns", p.out_packets, p.out_bytes));
    l.push_back("     0 output errors, 0 collisions, 1 interface resets");
    l.push_back("     0 unknown protocol drops");
    l.push_back("     0 babbles, 0 late collision, 0 deferred");
    l.push_back("     0 lost carrier, 0 no carrier, 0 pause output");
    l.push_back("     0 output buffer failures, 0 output buffers swapped out");
    return l;
}

// "show interfaces [PORT]": the asked port, or every port one after another, each separated
// by `gap` lines (NX-OS and Junos leave an empty line between ports, IOS and EOS none).
Answer interfaces(const Device& d, const Args& a, const std::function<std::vector<std::string>(const Port&)>& one, bool gap) {
    if (a.port) return {one(*a.port)};
    Answer ans;
    for (const auto& p : d.ports) {
        auto l = one(p);
        ans.lines.insert(ans.lines.end(), l.begin(), l.end());
        if (gap) ans.lines.push_back("");
    }
    return ans;
}

Answer ios_interfaces(const Device& d, const Args& a, std::time_t now) {
    return interfaces(d, a, [&](const Port& p) { return ios_interface(p, now, d.platform == "arista_eos"); }, false);
}

Answer ios_status(const Device& d, const Args&, std::time_t) {
    Answer a;
    a.lines.push_back("");
    a.lines.push_back("Port      Name               Status       Vlan       Duplex  Speed Type");
    for (const auto& p : d.ports) {
        std::string st = !p.admin_up ? "disabled" : p.oper_up ? "connected" : "notconnect";
        a.lines.push_back(F("%-9s %-18.18s %-12s %-10d %-7s %-5s 10/100/1000BaseTX", short_name(p.name).c_str(),
                            p.description.c_str(), st.c_str(), p.vlan, p.oper_up ? ("a-" + p.duplex).c_str() : "auto",
                            p.oper_up ? F("a-%d", p.speed_mbps).c_str() : "auto"));
    }
    return a;
}

Answer ios_transceiver(const Device& d, const Args& a, std::time_t) {
    Answer ans;
    std::vector<const Port*> ports;
    if (a.port) ports.push_back(a.port);
    else
        for (const auto& p : d.ports) ports.push_back(&p);
    bool any = false;
    for (const auto* p : ports) any = any || p->rx_dbm.has_value();
    if (!any) {
        if (a.port) ans.lines.push_back("% No transceiver is present on " + a.port->name);
        return ans;
    }
    if (d.platform == "arista_eos") {
        ans.lines = {"If device is externally calibrated, only calibrated values are printed.",
                     "N/A: not applicable, Tx: transmit, Rx: receive.",
                     "mA: milliamperes, dBm: decibels (milliwatts).",
                     "                                 Bias      Optical   Optical",
                     "          Temp       Voltage    Current   Tx Power  Rx Power",
                     "Port      (Celsius)  (Volts)    (mA)      (dBm)     (dBm)      Last Update",
                     "--------- ---------- ---------- --------- --------- ---------- -------------------"};
        for (const auto* p : ports)
            if (p->rx_dbm)
                ans.lines.push_back(F("%-9s %6.2f     %6.2f     %6.2f    %6.2f    %7.2f    0:00:02 ago", short_name(p->name).c_str(),
                                      34.12, 3.29, 6.12, p->tx_dbm.value_or(-2.4), *p->rx_dbm));
        return ans;
    }
    ans.lines = {"ITU Channel not available (Wavelength not available),",
                 "Transceiver is internally calibrated.",
                 "If device is externally calibrated, only calibrated values are printed.",
                 "++ : high alarm, +  : high warning, -  : low warning, -- : low alarm.",
                 "NA or N/A: not applicable, Tx: transmit, Rx: receive.",
                 "mA: milliamperes, dBm: decibels (milliwatts).",
                 "",
                 "                                           Optical   Optical",
                 "            Temperature  Voltage  Current  Tx Power  Rx Power",
                 "Port        (Celsius)    (Volts)  (mA)     (dBm)     (dBm)",
                 "---------   -----------  -------  -------  --------  --------"};
    for (const auto* p : ports) {
        if (!p->rx_dbm) continue;
        std::string flag = *p->rx_dbm <= -20 ? " --" : *p->rx_dbm <= -16 ? " -" : "";
        ans.lines.push_back(F("%-9s     %4.1f       %4.2f     %4.1f     %5.1f     %5.1f%s", short_name(p->name).c_str(), 32.5, 3.29,
                              6.1, p->tx_dbm.value_or(-2.4), *p->rx_dbm, flag.c_str()));
    }
    return ans;
}

Answer ios_logging(const Device& d, const Args&, std::time_t) {
    Answer a;
    a.lines = {"Syslog logging: enabled (0 messages dropped, 0 messages rate-limited, 0 flushes, 0 overruns, xml disabled, filtering disabled)",
               "",
               "No Active Message Discriminator.",
               "",
               "    Console logging: disabled",
               "    Monitor logging: level debugging, 0 messages logged, xml disabled,",
               "    Buffer logging:  level debugging, " + std::to_string(all_logs(d).size()) + " messages logged, xml disabled,",
               "    Exception Logging: size (4096 bytes)",
               "    Count and timestamp logging messages: disabled",
               "    Persistent logging: disabled",
               "",
               "Log Buffer (8192 bytes):",
               ""};
    for (const auto& l : all_logs(d)) a.lines.push_back(strtime(l.at, "%b %e %H:%M:%S.000: ") + l.text);
    return a;
}

// A MAC address table as IOS and EOS print it: their header, a row per entry (on the asked
// port only, when one is asked) made by `row` from vlan, MAC and short port name, and the total.
Answer mac_table(const Device& d, const Args& a, std::vector<std::string> header,
                 const std::function<std::string(int, const std::string&, const std::string&)>& row) {
    Answer ans;
    ans.lines = std::move(header);
    int n = 0;
    for (const auto& m : d.macs) {
        const Port* p = find_port(d, m.port);
        if (a.port && p != a.port) continue;
        ans.lines.push_back(row(m.vlan, m.mac, short_name(p ? p->name : m.port)));
        ++n;
    }
    ans.lines.push_back(F("Total Mac Addresses for this criterion: %d", n));
    return ans;
}

Answer ios_mac(const Device& d, const Args& a, std::time_t) {
    return mac_table(d, a,
                     {"          Mac Address Table", "-------------------------------------------", "",
                      "Vlan    Mac Address       Type        Ports", "----    -----------       --------    -----"},
                     [](int vlan, const std::string& mac, const std::string& port) {
                         return F("%4d    %-14s    DYNAMIC     %s", vlan, mac.c_str(), port.c_str());
                     });
}

Answer ios_arp(const Device& d, const Args& a, std::time_t) {
    Answer ans;
    ans.lines.push_back("Protocol  Address          Age (min)  Hardware Addr   Type   Interface");
    for (const auto& e : d.arps) {
        if (!a.word.empty() && e.address != a.word) continue;
        ans.lines.push_back(F("Internet  %-16s %5d   %-14s  ARPA   %s", e.address.c_str(), e.age_min, e.mac.c_str(), e.interface.c_str()));
    }
    if (ans.lines.size() == 1 && !a.word.empty()) ans.lines.clear();  // IOS prints nothing for an unknown address
    return ans;
}

Answer ios_cpu(const Device& d, const Args&, std::time_t) {
    return {{F("CPU utilization for five seconds: %d%%/0%%; one minute: %d%%; five minutes: %d%%", d.cpu_5s, d.cpu_1m, d.cpu_5m),
             " PID Runtime(ms)     Invoked      uSecs   5Sec   1Min   5Min TTY Process ",
             "   1           0           5          0  0.00%  0.00%  0.00%   0 Chunk Manager    ",
             "   2        1234      123456         10  0.07%  0.02%  0.00%   0 Load Meter       "}};
}

Answer ios_memory(const Device& d, const Args&, std::time_t) {
    return {{F("Processor Pool Total:  %lld Used:  %lld Free:  %lld", d.memory_total, d.memory_used, d.memory_total - d.memory_used),
             F("      I/O Pool Total:   33554432 Used:   12345678 Free:   21208754"),
             "",
             " PID TTY  Allocated      Freed    Holding    Getbufs    Retbufs Process",
             "   0   0  123456789   12345678  111111111          0          0 *Init*          "}};
}

Answer ios_clock(const Device&, const Args&, std::time_t now) { return {{strtime(now, "%H:%M:%S.000 UTC %a %b %e %Y")}}; }

// --- Cisco NX-OS -----------------------------------------------------------------------------

Answer nxos_version(const Device& d, const Args&, std::time_t now) {
    long long up = now - d.boot_time;
    return {{"Cisco Nexus Operating System (NX-OS) Software",
             "TAC support: http://www.cisco.com/tac",
             "Copyright (C) 2002-2023, Cisco and/or its affiliates.",
             "All rights reserved.",
             "",
             "Software",
             "  BIOS: version 05.47",
             F("  NXOS: version %s", d.version.c_str()),
             "  BIOS compile time:  04/28/2022",
             F("  NXOS image file is: bootflash:///nxos64-cs.%s.bin", d.version.c_str()),
             "  NXOS compile time:  8/10/2023 12:00:00 [08/11/2023 01:37:45]",
             "",
             "Hardware",
             F("  cisco Nexus9000 %s Chassis", d.model.c_str()),
             F("  Intel(R) Xeon(R) CPU D-1526 @ 1.80GHz with %lld kB of memory.", d.memory_total / 1024),
             F("  Processor Board ID %s", d.serial.c_str()),
             "",
             F("  Device name: %s", d.hostname.c_str()),
             "  bootflash:   53298520 kB",
             "",
             F("Kernel uptime is %lld day(s), %lld hour(s), %lld minute(s), %lld second(s)", up / 86400, up % 86400 / 3600,
               up % 3600 / 60, up % 60),
             "",
             "Last reset at 123456 usecs after " + strtime(d.boot_time, "%a %b %e %H:%M:%S %Y"),
             "  Reason: " + d.reload_reason,
             "  System version: " + d.version,
             "  Service: ",
             "",
             "plugin",
             "  Core Plugin, Ethernet Plugin"}};
}

std::vector<std::string> nxos_interface(const Port& p, std::time_t now) {
    bool up = p.admin_up && p.oper_up;
    std::vector<std::string> l;
    l.push_back(p.name + (up ? " is up" : !p.admin_up ? " is down (Administratively down)" : " is down (Link not connected)"));
    l.push_back(F("admin state is %s, Dedicated Interface", p.admin_up ? "up" : "down"));
    l.push_back(F("  Hardware: 1000/10000 Ethernet, address: %s (bia %s)", p.mac.c_str(), p.mac.c_str()));
    if (!p.description.empty()) l.push_back("  Description: " + p.description);
    l.push_back(F("  MTU 1500 bytes, BW %d Kbit , DLY 10 usec", p.speed_mbps * 1000));
    l.push_back("  reliability 255/255, txload 1/255, rxload 1/255");
    l.push_back("  Encapsulation ARPA, medium is broadcast");
    l.push_back("  Port mode is access");
    if (up) l.push_back(F("  %s-duplex, %s, media type is 10G", p.duplex.c_str(),
                          p.speed_mbps >= 1000 ? F("%d Gb/s", p.speed_mbps / 1000).c_str() : F("%d Mb/s", p.speed_mbps).c_str()));
    else l.push_back("  auto-duplex, auto-speed, media type is 10G");
    l.push_back("  Beacon is turned off");
    l.push_back("  Auto-Negotiation is turned on  FEC mode is Auto");
    l.push_back("  Input flow-control is off, output flow-control is off");
    l.push_back("  Auto-mdix is turned off");
    l.push_back("  Rate mode is dedicated");
    l.push_back("  Switchport monitor is off");
    l.push_back("  EtherType is 0x8100");
    l.push_back("  EEE (efficient-ethernet) : n/a");
    l.push_back("  Last link flapped " + nxos_flap(now - p.since));
    l.push_back("  Last clearing of \"show interface\" counters never");
    l.push_back("  1 interface resets");
    l.push_back("  Load-Interval #1: 30 seconds");
    l.push_back("    30 seconds input rate 1234 bits/sec, 1 packets/sec");
    l.push_back("    30 seconds output rate 2345 bits/sec, 2 packets/sec");
    l.push_back("  RX");
    l.push_back("    123456 unicast packets  2345 multicast packets  12 broadcast packets");
    l.push_back(F("    %lld input packets  %lld bytes", p.in_packets, p.in_bytes));
    l.push_back("    0 jumbo packets  0 storm suppression packets");
    l.push_back(F("    0 runts  0 giants  %lld CRC  0 no buffer", p.crc_now(now)));
    l.push_back(F("    %lld input error  0 short frame  0 overrun   0 underrun  0 ignored", p.in_errors_now(now)));
    l.push_back("    0 watchdog  0 bad etype drop  0 bad proto drop  0 if down drop");
    l.push_back("    0 input with dribble  0 input discard");
    l.push_back("    0 Rx pause");
    l.push_back("  TX");
    l.push_back("    234567 unicast packets  3456 multicast packets  23 broadcast packets");
    l.push_back(F("    %lld output packets  %lld bytes", p.out_packets, p.out_bytes));
    l.push_back("    0 jumbo packets");
    l.push_back("    0 output error  0 collision  0 deferred  0 late collision");
    l.push_back("    0 lost carrier  0 no carrier  0 babble  0 output discard");
    l.push_back("    0 Tx pause");
    return l;
}

Answer nxos_interfaces(const Device& d, const Args& a, std::time_t now) {
    return interfaces(d, a, [&](const Port& p) { return nxos_interface(p, now); }, true);
}

Answer nxos_transceiver(const Device&, const Args& a, std::time_t) {
    const Port* p = a.port;
    if (!p->rx_dbm) return {{p->name, "    transceiver is not present"}};
    // As NX-OS prints it: each value with its unit, the alarm flag after the measurement.
    auto row = [](const char* what, const char* unit, double v, double ha, double la, double hw, double lw) {
        const char* flag = v <= la ? "--" : v <= lw ? "-" : v >= ha ? "++" : v >= hw ? "+" : "";
        return F("  %-11s %6.2f %-3s %-2s %8.2f %-3s %8.2f %-3s %8.2f %-3s %9.2f %s", what, v, unit, flag, ha, unit, la, unit,
                 hw, unit, lw, unit);
    };
    std::vector<std::string> l = {p->name,
                                  "    transceiver is present",
                                  "    type is 10Gbase-LR",
                                  "    name is CISCO-FINISAR",
                                  "    part number is FTLX1474D3BCL-CS",
                                  "    serial number is FNS12345678",
                                  "    nominal bitrate is 10300 MBit/sec",
                                  "    Link length supported for 9/125um fiber is 10 km",
                                  "    cisco id is 3",
                                  "    cisco extended id number is 4",
                                  "",
                                  "           SFP Detail Diagnostics Information (internal calibration)",
                                  "  ----------------------------------------------------------------------------",
                                  "                Current              Alarms                  Warnings",
                                  "                Measurement     High        Low         High          Low",
                                  "  ----------------------------------------------------------------------------",
                                  row("Temperature", "C", 33.41, 75.0, -5.0, 70.0, 0.0),
                                  row("Voltage", "V", 3.29, 3.63, 2.97, 3.46, 3.13),
                                  row("Current", "mA", 36.12, 70.0, 4.0, 68.0, 5.0),
                                  row("Tx Power", "dBm", p->tx_dbm.value_or(-2.4), 3.49, -12.2, 0.49, -8.2),
                                  row("Rx Power", "dBm", *p->rx_dbm, 3.49, -18.87, 0.49, -14.87),
                                  "  Transmit Fault Count = 0",
                                  "  ----------------------------------------------------------------------------",
                                  "  Note: ++  high-alarm; +  high-warning; --  low-alarm; -  low-warning"};
    return {l};
}

Answer nxos_logging(const Device& d, const Args&, std::time_t) {
    Answer a;
    for (const auto& l : all_logs(d)) a.lines.push_back(strtime(l.at, "%Y %b %e %H:%M:%S ") + d.hostname + " " + l.text);
    return a;
}

Answer nxos_mac(const Device& d, const Args& a, std::time_t) {
    Answer ans;
    ans.lines = {"Legend: ",
                 "        * - primary entry, G - Gateway MAC, (R) - Routed MAC, O - Overlay MAC",
                 "        age - seconds since last seen,+ - primary entry using vPC Peer-Link,",
                 "        (T) - True, (F) - False, C - ControlPlane MAC, ~ - vsan",
                 "   VLAN     MAC Address      Type      age     Secure NTFY Ports",
                 "---------+-----------------+--------+---------+------+----+------------------"};
    for (const auto& m : d.macs) {
        const Port* p = find_port(d, m.port);
        if (a.port && p != a.port) continue;
        ans.lines.push_back(F("*  %4d     %-14s   dynamic  0         F      F    %s", m.vlan, m.mac.c_str(), p ? p->name.c_str() : m.port.c_str()));
    }
    return ans;
}

Answer nxos_arp(const Device& d, const Args& a, std::time_t) {
    Answer ans;
    ans.lines = {"", "Flags: * - Adjacencies learnt on non-active FHRP router", "       + - Adjacencies synced via CFSoE",
                 "       # - Adjacencies Throttled for Glean", "       CP - Added via L2RIB, Control plane Adjacencies",
                 "", "IP ARP Table", "Total number of entries: " + std::to_string(d.arps.size()),
                 "Address         Age       MAC Address     Interface       Flags"};
    for (const auto& e : d.arps) {
        if (!a.word.empty() && e.address != a.word) continue;
        ans.lines.push_back(F("%-15s %s  %-14s  %-15s", e.address.c_str(), hms(e.age_min * 60).c_str(), e.mac.c_str(), e.interface.c_str()));
    }
    return ans;
}

Answer nxos_resources(const Device& d, const Args&, std::time_t) {
    return {{"Load average:   1 minute: 0.42   5 minutes: 0.38   15 minutes: 0.35",
             "Processes   :   712 total, 1 running",
             F("CPU states  :   %d.00%% user,   1.00%% kernel,   %d.00%% idle", d.cpu_1m > 0 ? d.cpu_1m - 1 : 0, 100 - d.cpu_1m),
             F("Memory usage:   %lldK total,   %lldK used,   %lldK free", d.memory_total / 1024, d.memory_used / 1024,
               (d.memory_total - d.memory_used) / 1024),
             "Current memory status: OK"}};
}

// --- Juniper Junos ---------------------------------------------------------------------------

std::string junos_ago(long long secs) {
    long long w = secs / 604800, d = secs % 604800 / 86400;
    std::string out;
    if (w) out += F("%lldw", w);
    if (w || d) out += F("%lldd ", d);
    return out + F("%02lld:%02lld", secs % 86400 / 3600, secs % 3600 / 60);
}

Answer junos_version(const Device& d, const Args&, std::time_t) {
    return {{"Hostname: " + d.hostname, "Model: " + lower(d.model), "Junos: " + d.version,
             "JUNOS OS Kernel 64-bit  [20230616.f5e1b85_builder_stable_12]", "JUNOS OS libs [20230616.f5e1b85_builder_stable_12]",
             "JUNOS OS runtime [20230616.f5e1b85_builder_stable_12]", "JUNOS Packet Forwarding Engine Support (MX Common) [" + d.version + "]"}};
}

Answer junos_uptime(const Device& d, const Args&, std::time_t now) {
    return {{"Current time: " + strtime(now, "%Y-%m-%d %H:%M:%S UTC"), "Time Source:  LOCAL CLOCK ",
             "System booted: " + strtime(d.boot_time, "%Y-%m-%d %H:%M:%S UTC") + " (" + junos_ago(now - d.boot_time) + " ago)",
             "Protocols started: " + strtime(d.boot_time + 120, "%Y-%m-%d %H:%M:%S UTC") + " (" + junos_ago(now - d.boot_time - 120) + " ago)",
             "Last configured: " + strtime(d.boot_time + 3600, "%Y-%m-%d %H:%M:%S UTC") + " (" + junos_ago(now - d.boot_time - 3600) + " ago) by noc",
             strtime(now, "%l:%M%p") + F("  up %lld days, %lld:%02lld, 1 user, load averages: 0.31, 0.28, 0.25",
                                         static_cast<long long>((now - d.boot_time) / 86400),
                                         static_cast<long long>((now - d.boot_time) % 86400 / 3600),
                                         static_cast<long long>((now - d.boot_time) % 3600 / 60))}};
}

Answer junos_re(const Device& d, const Args&, std::time_t now) {
    long long up = now - d.boot_time;
    return {{"Routing Engine status:",
             "    Temperature                 38 degrees C / 100 degrees F",
             "    CPU temperature             45 degrees C / 113 degrees F",
             F("    DRAM                      %lld MB (%lld MB installed)", d.memory_total / 1048576, d.memory_total / 1048576),
             F("    Memory utilization          %lld percent", d.memory_used * 100 / d.memory_total),
             "    5 sec CPU utilization:",
             F("      User                       %d percent", d.cpu_5s > 1 ? d.cpu_5s - 1 : 0),
             "      Background                 0 percent",
             "      Kernel                     1 percent",
             "      Interrupt                  0 percent",
             F("      Idle                      %d percent", 100 - d.cpu_5s),
             "    Model                          RE-S-1800x4",
             "    Serial ID                      " + d.serial,
             "    Start time                     " + strtime(d.boot_time, "%Y-%m-%d %H:%M:%S UTC"),
             F("    Uptime                         %lld days, %lld hours, %lld minutes, %lld seconds", up / 86400, up % 86400 / 3600,
               up % 3600 / 60, up % 60),
             "    Last reboot reason             " + d.reload_reason,
             "    Load averages:                 1 minute   5 minute  15 minute",
             "                                       0.31       0.28       0.25"}};
}

std::vector<std::string> junos_interface(const Port& p, std::time_t now) {
    bool up = p.admin_up && p.oper_up;
    std::vector<std::string> l;
    l.push_back(F("Physical interface: %s, %s, Physical link is %s", p.name.c_str(), p.admin_up ? "Enabled" : "Administratively down",
                  up ? "Up" : "Down"));
    l.push_back("  Interface index: 150, SNMP ifIndex: 520, Generation: 153");
    if (!p.description.empty()) l.push_back("  Description: " + p.description);
    l.push_back(F("  Link-level type: Ethernet, MTU: 1514, LAN-PHY mode, Speed: %dmbps, BPDU Error: None, Loop Detect PDU Error: None,", p.speed_mbps));
    l.push_back("  Ethernet-Switching Error: None, MAC-REWRITE Error: None, Loopback: Disabled, Source filtering: Disabled,");
    l.push_back("  Flow control: Enabled, Auto-negotiation: Enabled, Remote fault: Online");
    l.push_back("  Pad to minimum frame size: Disabled");
    l.push_back("  Device flags   : Present Running" + std::string(up ? "" : " Down"));
    l.push_back("  Interface flags: SNMP-Traps Internal: 0x4000" + std::string(up ? "" : " Link-Layer-Down"));
    l.push_back("  Link flags     : None");
    l.push_back(F("  Current address: %s, Hardware address: %s", colon_mac(p.mac).c_str(), colon_mac(p.mac).c_str()));
    l.push_back("  Last flapped   : " + strtime(p.since, "%Y-%m-%d %H:%M:%S UTC") + " (" + junos_ago(now - p.since) + " ago)");
    l.push_back("  Statistics last cleared: Never");
    l.push_back("  Traffic statistics:");
    l.push_back(F("   Input  bytes  :            %12lld                 2000 bps", p.in_bytes));
    l.push_back(F("   Output bytes  :            %12lld                 5000 bps", p.out_bytes));
    l.push_back(F("   Input  packets:            %12lld                    3 pps", p.in_packets));
    l.push_back(F("   Output packets:            %12lld                    6 pps", p.out_packets));
    l.push_back("  Input errors:");
    l.push_back(F("    Errors: %lld, Drops: 0, Framing errors: %lld, Runts: 0, Policed discards: 0, L3 incompletes: 0,",
                  p.in_errors_now(now), p.crc_now(now)));
    l.push_back("    L2 channel errors: 0, L2 mismatch timeouts: 0, FIFO errors: 0, Resource errors: 0");
    l.push_back("  Output errors:");
    l.push_back("    Carrier transitions: 3, Errors: 0, Drops: 0, Collisions: 0, Aged packets: 0, FIFO errors: 0, HS link CRC errors: 0,");
    l.push_back("    MTU errors: 0, Resource errors: 0");
    l.push_back("  MAC statistics:                      Receive         Transmit");
    l.push_back(F("    Total octets                   %12lld     %12lld", p.in_bytes, p.out_bytes));
    l.push_back(F("    Total packets                  %12lld     %12lld", p.in_packets, p.out_packets));
    l.push_back(F("    CRC/Align errors               %12lld                0", p.crc_now(now)));
    l.push_back("    Code violations                           0");
    l.push_back("  Autonegotiation information:");
    l.push_back(F("    Negotiation status: %s", up ? "Complete" : "Incomplete"));
    if (up) l.push_back(F("    Link partner: Link mode: %s-duplex, Flow control: None, Remote fault: OK", p.duplex == "full" ? "Full" : "Half"));
    return l;
}

Answer junos_interfaces(const Device& d, const Args& a, std::time_t now) {
    return interfaces(d, a, [&](const Port& p) { return junos_interface(p, now); }, true);
}

Answer junos_optics(const Device&, const Args& a, std::time_t) {
    const Port* p = a.port;
    if (!p->rx_dbm) return {{"error: device " + p->name + " has no optics diagnostics"}, true, true};
    double tx = p->tx_dbm.value_or(-2.4), rx = *p->rx_dbm;
    return {{"Physical interface: " + p->name,
             "    Laser bias current                        :  36.120 mA",
             F("    Laser output power                        :  %.4f mW / %.2f dBm", mw(tx), tx),
             "    Module temperature                        :  33 degrees C / 91 degrees F",
             "    Module voltage                            :  3.2900 V",
             F("    Receiver signal average optical power     :  %.4f mW / %.2f dBm", mw(rx), rx),
             F("    Laser bias current high alarm             :  %s", "Off"),
             F("    Laser output power low alarm              :  %s", tx < -12.2 ? "On" : "Off"),
             F("    Laser rx power low alarm                  :  %s", rx < -18.87 ? "On" : "Off"),
             F("    Laser rx power low warning                :  %s", rx < -14.87 ? "On" : "Off"),
             "    Laser output power high alarm threshold   :  2.2380 mW / 3.50 dBm",
             "    Laser output power low alarm threshold    :  0.0600 mW / -12.22 dBm",
             "    Laser rx power high alarm threshold       :  2.2380 mW / 3.50 dBm",
             "    Laser rx power low alarm threshold        :  0.0130 mW / -18.86 dBm",
             "    Laser rx power low warning threshold      :  0.0330 mW / -14.81 dBm"}};
}

Answer junos_log(const Device& d, const Args&, std::time_t) {
    Answer a;
    for (const auto& l : all_logs(d)) a.lines.push_back(strtime(l.at, "%b %e %H:%M:%S ") + d.hostname + " " + l.text);
    return a;
}

Answer junos_mac(const Device& d, const Args& a, std::time_t) {
    Answer ans;
    ans.lines = {"", "MAC flags (S - static MAC, D - dynamic MAC, L - locally learned, P - Persistent static",
                 "           SE - statistics enabled, NM - non configured MAC, R - remote PE MAC, O - ovsdb MAC)", "",
                 "Ethernet switching table : " + std::to_string(d.macs.size()) + " entries, " + std::to_string(d.macs.size()) + " learned",
                 "Routing instance : default-switch",
                 "   Vlan                MAC                 MAC         Age    Logical                NH        RTR ",
                 "   name                address             flags              interface              Index     ID"};
    for (const auto& m : d.macs) {
        const Port* p = find_port(d, m.port);
        if (a.port && p != a.port) continue;
        ans.lines.push_back(F("   vlan-%-13d %-19s D             -   %s.0               0         0", m.vlan, colon_mac(m.mac).c_str(),
                              p ? p->name.c_str() : m.port.c_str()));
    }
    return ans;
}

Answer junos_arp(const Device& d, const Args& a, std::time_t) {
    Answer ans;
    ans.lines.push_back("MAC Address       Address         Interface                Flags");
    int n = 0;
    for (const auto& e : d.arps) {
        if (!a.word.empty() && e.address != a.word) continue;
        ans.lines.push_back(F("%-17s %-15s %-24s none", colon_mac(e.mac).c_str(), e.address.c_str(), e.interface.c_str()));
        ++n;
    }
    ans.lines.push_back(F("Total entries: %d", n));
    return ans;
}

// --- Arista EOS ------------------------------------------------------------------------------

Answer eos_version(const Device& d, const Args&, std::time_t now) {
    long long up = now - d.boot_time;
    return {{"Arista " + d.model, "Hardware version: 11.02", "Serial number: " + d.serial, "Hardware MAC address: 0011.2233.4480",
             "System MAC address: 0011.2233.4480", "", "Software image version: " + d.version, "Architecture: x86_64",
             "Internal build version: " + d.version + "-33012345.4281F", "Internal build ID: 2b1f2c6a-0a4e-4d4f-9b8c-5c1d3e2f1a0b",
             "Image format version: 3.0", "Image optimization: Strata-4GB", "",
             F("Uptime: %lld weeks, %lld days, %lld hours and %lld minutes", up / 604800, up % 604800 / 86400, up % 86400 / 3600, up % 3600 / 60),
             F("Total memory: %lld kB", d.memory_total / 1024), F("Free memory: %lld kB", (d.memory_total - d.memory_used) / 1024)}};
}

Answer eos_reload(const Device& d, const Args&, std::time_t) {
    return {{"Reload Cause 1:", "-------------------", d.reload_reason, "", "Recommended Action:", "-------------------",
             "No action necessary.", "", "Debugging Information:", "----------------------",
             "Reload Time:", "------------", strtime(d.boot_time, "Reload requested at %Y-%m-%d %H:%M:%S.")}};
}

Answer eos_top(const Device& d, const Args&, std::time_t now) {
    long long up = now - d.boot_time;
    long long total_k = d.memory_total / 1024, used_k = d.memory_used / 1024;
    return {{F("top - %s up %lld days, %2lld:%02lld,  0 users,  load average: 0.42, 0.38, 0.35", strtime(now, "%H:%M:%S").c_str(), up / 86400,
               up % 86400 / 3600, up % 3600 / 60),
             "Tasks: 312 total,   1 running, 311 sleeping,   0 stopped,   0 zombie",
             F("%%Cpu(s):  %d.0 us,  1.0 sy,  0.0 ni, %d.0 id,  0.0 wa,  0.0 hi,  0.0 si,  0.0 st", d.cpu_5s > 1 ? d.cpu_5s - 1 : 0, 100 - d.cpu_5s),
             F("KiB Mem :  %lld total,  %lld free,  %lld used,   123456 buff/cache", total_k, total_k - used_k, used_k),
             "KiB Swap:        0 total,        0 free,        0 used.  4567890 avail Mem ",
             "",
             "  PID USER      PR  NI    VIRT    RES    SHR S  %CPU %MEM     TIME+ COMMAND",
             " 1862 root      20   0  618348 156712  91248 S   2.0  1.9 123:45.67 Sysdb"}};
}

Answer eos_logging(const Device& d, const Args&, std::time_t) {
    Answer a;
    a.lines = {"Syslog logging: enabled", "    Buffer logging: level debugging", "    Console logging: level errors",
               "    Persistent logging: disabled", "    Monitor logging: level errors", "", "Facility                   Severity            Effective Severity",
               "--------------------       -------------       ------------------", "aaa                        debugging           debugging", ""};
    for (const auto& l : all_logs(d)) a.lines.push_back(strtime(l.at, "%b %e %H:%M:%S ") + d.hostname + " " + l.text);
    return a;
}

Answer eos_mac(const Device& d, const Args& a, std::time_t) {
    return mac_table(d, a,
                     {"          Mac Address Table", "------------------------------------------------------------------", "",
                      "Vlan    Mac Address       Type        Ports      Moves   Last Move",
                      "----    -----------       ----        -----      -----   ---------"},
                     [](int vlan, const std::string& mac, const std::string& port) {
                         return F("%4d    %-14s    DYNAMIC     %-10s 1       0:02:11 ago", vlan, mac.c_str(), port.c_str());
                     });
}

Answer eos_arp(const Device& d, const Args& a, std::time_t) {
    Answer ans;
    ans.lines.push_back("Address         Age (sec)  Hardware Addr   Interface");
    for (const auto& e : d.arps) {
        if (!a.word.empty() && e.address != a.word) continue;
        ans.lines.push_back(F("%-15s %s  %-14s  %s", e.address.c_str(), hms(e.age_min * 60).c_str(), e.mac.c_str(), e.interface.c_str()));
    }
    return ans;
}

// --- Linux -----------------------------------------------------------------------------------

Answer linux_link(const Device& d, const Args& a, std::time_t now) {
    const Port* p = a.port;
    int index = 2 + static_cast<int>(p - d.ports.data());
    bool up = p->admin_up && p->oper_up;
    std::string flags = p->admin_up ? (p->oper_up ? "BROADCAST,MULTICAST,UP,LOWER_UP" : "NO-CARRIER,BROADCAST,MULTICAST,UP") : "BROADCAST,MULTICAST";
    return {{F("%d: %s: <%s> mtu 1500 qdisc mq state %s mode DEFAULT group default qlen 1000", index, p->name.c_str(), flags.c_str(),
               up ? "UP" : "DOWN"),
             F("    link/ether %s brd ff:ff:ff:ff:ff:ff promiscuity 0 minmtu 68 maxmtu 9000 ", colon_mac(p->mac).c_str()),
             "    addrgenmode eui64 numtxqueues 8 numrxqueues 8 gso_max_size 65536 gso_max_segs 65535 ",
             "    RX:  bytes packets errors dropped  missed   mcast           ",
             F("    %10lld %7lld %6lld %7d %7d %7d ", p->in_bytes, p->in_packets, p->in_errors_now(now), 0, 0, 567),
             "    RX errors:  length    crc   frame    fifo overrun",
             F("                     0 %6lld       0       0       0 ", p->crc_now(now)),
             "    TX:  bytes packets errors dropped carrier collsns           ",
             F("    %10lld %7lld %6d %7d %7d %7d ", p->out_bytes, p->out_packets, 0, 0, 0, 0),
             "    TX errors: aborted   fifo  window heartbt transns",
             "                     0      0       0       0       3 "}};
}

Answer linux_ethtool(const Device&, const Args& a, std::time_t) {
    const Port* p = a.port;
    bool up = p->admin_up && p->oper_up;
    std::string duplex = up ? p->duplex : "unknown";
    if (!duplex.empty()) duplex[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(duplex[0])));
    return {{"Settings for " + p->name + ":",
             "\tSupported ports: [ TP ]",
             "\tSupported link modes:   10baseT/Half 10baseT/Full",
             "\t                        100baseT/Half 100baseT/Full",
             "\t                        1000baseT/Full",
             "\tAuto-negotiation: on",
             up ? F("\tSpeed: %dMb/s", p->speed_mbps) : "\tSpeed: Unknown!",
             "\tDuplex: " + duplex,
             "\tPort: Twisted Pair",
             "\tPHYAD: 1",
             "\tTransceiver: internal",
             "\tMDI-X: off (auto)",
             "\tSupports Wake-on: pumbg",
             "\tWake-on: g",
             "\tCurrent message level: 0x00000007 (7)",
             "\t\t\t       drv probe link",
             std::string("\tLink detected: ") + (up ? "yes" : "no")}};
}

Answer linux_uptime(const Device& d, const Args&, std::time_t now) {
    long long up = now - d.boot_time;
    return {{F(" %s up %lld days, %2lld:%02lld,  1 user,  load average: 0.%02d, 0.%02d, 0.%02d", strtime(now, "%H:%M:%S").c_str(),
               up / 86400, up % 86400 / 3600, up % 3600 / 60, d.cpu_1m, d.cpu_5m, d.cpu_5m)}};
}

Answer linux_loadavg(const Device& d, const Args&, std::time_t) {
    return {{F("0.%02d 0.%02d 0.%02d 1/312 12345", d.cpu_1m, d.cpu_5m, d.cpu_5m)}};
}

Answer linux_meminfo(const Device& d, const Args&, std::time_t) {
    long long total = d.memory_total / 1024, avail = (d.memory_total - d.memory_used) / 1024;
    return {{F("MemTotal:       %8lld kB", total), F("MemFree:        %8lld kB", avail / 2), F("MemAvailable:   %8lld kB", avail),
             "Buffers:           81236 kB", "Cached:          912348 kB", "SwapCached:            0 kB"}};
}

Answer linux_neigh(const Device& d, const Args& a, std::time_t) {
    Answer ans;
    for (const auto& e : d.arps) {
        if (!a.word.empty() && e.address != a.word) continue;
        ans.lines.push_back(F("%s dev %s lladdr %s REACHABLE", e.address.c_str(), e.interface.c_str(), colon_mac(e.mac).c_str()));
    }
    return ans;
}

Answer linux_fdb(const Device& d, const Args& a, std::time_t) {
    Answer ans;
    for (const auto& m : d.macs) {
        const Port* p = find_port(d, m.port);
        if (a.port && p != a.port) continue;
        ans.lines.push_back(F("%s dev %s vlan %d master br0 ", colon_mac(m.mac).c_str(), p ? p->name.c_str() : m.port.c_str(), m.vlan));
    }
    return ans;
}

Answer linux_journal(const Device& d, const Args&, std::time_t) {
    Answer a;
    for (const auto& l : all_logs(d)) a.lines.push_back(strtime(l.at, "%Y-%m-%dT%H:%M:%S+0000 ") + d.hostname + " kernel: " + l.text);
    return a;
}

Answer empty(const Device&, const Args&, std::time_t) { return {}; }

const std::vector<Command>& commands(const std::string& platform) {
    static const std::map<std::string, std::vector<Command>> table = [] {
        std::map<std::string, std::vector<Command>> t;
        auto& ios = t["cisco_ios"];
        ios = {{{"show", "version"}, ios_version},
               {{"show", "interfaces", "status"}, ios_status},
               {{"show", "interfaces", "transceiver"}, ios_transceiver},
               {{"show", "interfaces", "{port}", "transceiver", "detail"}, ios_transceiver},
               {{"show", "interfaces", "{port}", "transceiver"}, ios_transceiver},
               {{"show", "interfaces", "{port}"}, ios_interfaces},
               {{"show", "interfaces"}, ios_interfaces},
               {{"show", "logging"}, ios_logging},
               {{"show", "mac", "address-table", "interface", "{port}"}, ios_mac},
               {{"show", "mac", "address-table"}, ios_mac},
               {{"show", "ip", "arp", "{word}"}, ios_arp},
               {{"show", "ip", "arp"}, ios_arp},
               {{"show", "processes", "cpu"}, ios_cpu},
               {{"show", "processes", "memory"}, ios_memory},
               {{"show", "clock"}, ios_clock}};
        auto& nx = t["cisco_nxos"];
        nx = {{{"show", "version"}, nxos_version},
              {{"show", "interface", "{port}", "transceiver", "details"}, nxos_transceiver},
              {{"show", "interface", "{port}", "transceiver"}, nxos_transceiver},
              {{"show", "interface", "{port}"}, nxos_interfaces},
              {{"show", "interface"}, nxos_interfaces},
              {{"show", "logging", "last", "{word}"}, nxos_logging},
              {{"show", "logging", "logfile"}, nxos_logging},
              {{"show", "logging"}, nxos_logging},
              {{"show", "mac", "address-table", "interface", "{port}"}, nxos_mac},
              {{"show", "mac", "address-table"}, nxos_mac},
              {{"show", "ip", "arp", "{word}"}, nxos_arp},
              {{"show", "ip", "arp"}, nxos_arp},
              {{"show", "system", "resources"}, nxos_resources},
              {{"show", "clock"}, ios_clock}};
        auto& jn = t["juniper_junos"];
        jn = {{{"show", "version"}, junos_version},
              {{"show", "system", "uptime"}, junos_uptime},
              {{"show", "chassis", "routing-engine"}, junos_re},
              {{"show", "interfaces", "diagnostics", "optics", "{port}"}, junos_optics},
              {{"show", "interfaces", "{port}", "extensive"}, junos_interfaces},
              {{"show", "interfaces", "{port}"}, junos_interfaces},
              {{"show", "interfaces", "extensive"}, junos_interfaces},
              {{"show", "log", "messages"}, junos_log},
              {{"show", "ethernet-switching", "table", "interface", "{port}"}, junos_mac},
              {{"show", "ethernet-switching", "table"}, junos_mac},
              {{"show", "arp", "no-resolve", "hostname", "{word}"}, junos_arp},
              {{"show", "arp", "no-resolve"}, junos_arp},
              {{"show", "arp"}, junos_arp},
              {{"set", "cli", "screen-width", "{word}"}, empty}};
        auto& eos = t["arista_eos"];
        eos = {{{"show", "version"}, eos_version},
               {{"show", "reload", "cause"}, eos_reload},
               {{"show", "processes", "top", "once"}, eos_top},
               {{"show", "interfaces", "{port}", "transceiver"}, ios_transceiver},
               {{"show", "interfaces", "transceiver"}, ios_transceiver},
               {{"show", "interfaces", "status"}, ios_status},
               {{"show", "interfaces", "{port}"}, ios_interfaces},
               {{"show", "interfaces"}, ios_interfaces},
               {{"show", "logging"}, eos_logging},
               {{"show", "mac", "address-table", "interface", "{port}"}, eos_mac},
               {{"show", "mac", "address-table"}, eos_mac},
               {{"show", "ip", "arp", "{word}"}, eos_arp},
               {{"show", "ip", "arp"}, eos_arp},
               {{"show", "clock"}, ios_clock}};
        auto& lx = t["linux"];
        lx = {{{"ip", "-s", "-d", "link", "show", "dev", "{port}"}, linux_link},
              {{"ip", "-s", "link", "show", "dev", "{port}"}, linux_link},
              {{"ip", "-s", "link", "show", "{port}"}, linux_link},
              {{"ethtool", "{port}"}, linux_ethtool},
              {{"uptime"}, linux_uptime},
              {{"cat", "/proc/loadavg"}, linux_loadavg},
              {{"cat", "/proc/meminfo"}, linux_meminfo},
              {{"ip", "neigh", "show", "{word}"}, linux_neigh},
              {{"ip", "neigh", "show"}, linux_neigh},
              {{"ip", "neigh"}, linux_neigh},
              {{"bridge", "fdb", "show", "brport", "{port}"}, linux_fdb},
              {{"bridge", "fdb", "show"}, linux_fdb},
              {{"journalctl", "--no-pager", "-n", "{word}", "-o", "short-iso"}, linux_journal}};
        return t;
    }();
    static const std::vector<Command> none;
    auto it = table.find(platform);
    return it == table.end() ? none : it->second;
}

bool abbreviates(const std::string& typed, const std::string& word, bool exact) {
    if (exact) return typed == word;
    return !typed.empty() && typed.size() <= word.size() && lower(word).compare(0, typed.size(), lower(typed)) == 0;
}

// Applies "| include X", "| exclude X", "| begin X", "| match X", "| except X", "| count".
std::vector<std::string> apply_filter(const std::vector<std::string>& lines, const std::string& filter, bool& ok) {
    auto w = words(filter);
    ok = true;
    if (w.empty()) {
        ok = false;
        return lines;
    }
    std::string verb = lower(w[0]);
    std::string arg = filter.substr(filter.find(w[0]) + w[0].size());
    while (!arg.empty() && arg.front() == ' ') arg.erase(0, 1);
    while (!arg.empty() && arg.back() == ' ') arg.pop_back();
    if (arg.size() >= 2 && arg.front() == '"' && arg.back() == '"') arg = arg.substr(1, arg.size() - 2);
    std::vector<std::string> out;
    if (abbreviates(verb, "include", false) || verb == "match" || verb == "grep") {
        for (const auto& l : lines)
            if (l.find(arg) != std::string::npos) out.push_back(l);
    } else if (abbreviates(verb, "exclude", false) || verb == "except") {
        for (const auto& l : lines)
            if (l.find(arg) == std::string::npos) out.push_back(l);
    } else if (abbreviates(verb, "begin", false)) {
        bool on = false;
        for (const auto& l : lines) {
            on = on || l.find(arg) != std::string::npos;
            if (on) out.push_back(l);
        }
    } else if (abbreviates(verb, "count", false)) {
        out.push_back("Count: " + std::to_string(lines.size()) + " lines");
    } else if (verb == "no-more") {
        return lines;
    } else {
        ok = false;
    }
    return out;
}

}  // namespace

long long Port::crc_now(std::time_t now) const {
    if (crc_per_s <= 0 || now <= counting_since) return crc;
    return crc + static_cast<long long>(crc_per_s * static_cast<double>(now - counting_since));
}

long long Port::in_errors_now(std::time_t now) const { return in_errors + (crc_now(now) - crc); }

const Port* Device::port(const std::string& name) const {
    for (const auto& p : ports)
        if (p.name == name) return &p;
    return nullptr;
}

const Port* find_port(const Device& d, const std::string& typed) {
    if (const Port* exact = d.port(typed)) return exact;
    auto [tl, tn] = split_name(typed);
    if (tl.empty() || tn.empty()) return nullptr;
    for (const auto& p : d.ports) {
        auto [pl, pn] = split_name(p.name);
        if (pn == tn && abbreviates(tl, pl, false)) return &p;
    }
    return nullptr;
}

std::string load(const std::string& path, Device& d) {
    std::ifstream in(path);
    if (!in) return "cannot read " + path;
    std::string line;
    int n = 0;
    Device fresh;
    while (std::getline(in, line)) {
        ++n;
        if (line.empty() || line[0] == '#') continue;
        auto sp = line.find(' ');
        std::string key = line.substr(0, sp);
        std::string value = sp == std::string::npos ? "" : line.substr(sp + 1);
        auto bad = [&](const std::string& why) { return path + ":" + std::to_string(n) + ": " + why; };
        try {
            if (key == "hostname") fresh.hostname = value;
            else if (key == "platform") fresh.platform = value;
            else if (key == "user") fresh.user = value;
            else if (key == "enable_secret") fresh.enable_secret = value;
            else if (key == "banner") fresh.banner += (fresh.banner.empty() ? "" : "\n") + value;
            else if (key == "pager_stuck") fresh.pager_stuck = value == "yes" || value == "true";
            else if (key == "behaviour") {
                auto w = words(value);
                fresh.behaviour = w.empty() ? "normal" : w[0];
                fresh.trouble_command = w.size() > 1 ? value.substr(value.find(w[1])) : "";
            } else if (key == "model") fresh.model = value;
            else if (key == "version") fresh.version = value;
            else if (key == "serial") fresh.serial = value;
            else if (key == "boot_time") fresh.boot_time = std::stoll(value);
            else if (key == "reload_reason") fresh.reload_reason = value;
            else if (key == "cpu") {
                auto w = words(value);
                if (w.size() != 3) return bad("cpu needs three numbers (5s 1m 5m)");
                fresh.cpu_5s = std::stoi(w[0]);
                fresh.cpu_1m = std::stoi(w[1]);
                fresh.cpu_5m = std::stoi(w[2]);
            } else if (key == "memory") {
                auto w = words(value);
                if (w.size() != 2) return bad("memory needs total and used bytes");
                fresh.memory_total = std::stoll(w[0]);
                fresh.memory_used = std::stoll(w[1]);
            } else if (key == "port") {
                auto w = words(value);
                if (w.empty()) return bad("port needs a name");
                Port p;
                p.name = w[0];
                // key=value pairs; a quoted value may hold spaces
                std::string rest = value.substr(w[0].size());
                std::size_t i = 0;
                while (i < rest.size()) {
                    while (i < rest.size() && rest[i] == ' ') ++i;
                    if (i >= rest.size()) break;
                    auto eq = rest.find('=', i);
                    if (eq == std::string::npos) return bad("expected key=value after the port name");
                    std::string k = rest.substr(i, eq - i), v;
                    i = eq + 1;
                    if (i < rest.size() && rest[i] == '"') {
                        auto close = rest.find('"', i + 1);
                        if (close == std::string::npos) return bad("unterminated quote");
                        v = rest.substr(i + 1, close - i - 1);
                        i = close + 1;
                    } else {
                        auto end = rest.find(' ', i);
                        v = rest.substr(i, end == std::string::npos ? std::string::npos : end - i);
                        i = end == std::string::npos ? rest.size() : end;
                    }
                    if (k == "admin") p.admin_up = v == "up";
                    else if (k == "oper") p.oper_up = v == "up";
                    else if (k == "since") p.since = std::stoll(v);
                    else if (k == "speed") p.speed_mbps = std::stoi(v);
                    else if (k == "duplex") p.duplex = v;
                    else if (k == "description") p.description = v;
                    else if (k == "mac") p.mac = v;
                    else if (k == "in_errors") p.in_errors = std::stoll(v);
                    else if (k == "crc") p.crc = std::stoll(v);
                    else if (k == "crc_per_s") p.crc_per_s = std::stod(v);
                    else if (k == "counting_since") p.counting_since = std::stoll(v);
                    else if (k == "rx") p.rx_dbm = std::stod(v);
                    else if (k == "tx") p.tx_dbm = std::stod(v);
                    else if (k == "vlan") p.vlan = std::stoi(v);
                    else return bad("unknown port key '" + k + "'");
                }
                fresh.ports.push_back(p);
            } else if (key == "mac") {
                auto w = words(value);
                if (w.size() != 3) return bad("mac needs VLAN MAC PORT");
                fresh.macs.push_back({std::stoi(w[0]), w[1], w[2]});
            } else if (key == "arp") {
                auto w = words(value);
                if (w.size() != 4) return bad("arp needs ADDRESS MAC INTERFACE AGE_MINUTES");
                fresh.arps.push_back({w[0], w[1], w[2], std::stoi(w[3])});
            } else if (key == "log") {
                auto sp2 = value.find(' ');
                if (sp2 == std::string::npos) return bad("log needs EPOCH TEXT");
                fresh.logs.push_back({static_cast<std::time_t>(std::stoll(value.substr(0, sp2))), value.substr(sp2 + 1)});
            } else {
                return bad("unknown key '" + key + "'");
            }
        } catch (const std::exception&) {
            return bad("bad number in '" + line + "'");
        }
    }
    // A switch forgets the addresses learnt on a port when its link goes down.
    std::erase_if(fresh.macs, [&](const MacEntry& m) {
        const Port* p = fresh.port(m.port);
        return p != nullptr && !p->oper_up;
    });
    d = std::move(fresh);
    return {};
}

Answer answer(const Device& d, const std::string& command_line, std::time_t now) {
    std::vector<std::string> parts;
    {
        std::size_t start = 0;
        for (;;) {
            auto bar = command_line.find('|', start);
            parts.push_back(command_line.substr(start, bar == std::string::npos ? std::string::npos : bar - start));
            if (bar == std::string::npos) break;
            start = bar + 1;
        }
    }
    auto typed = words(parts[0]);
    if (typed.empty()) return {};
    bool exact = d.platform == "linux";
    for (const auto& cmd : commands(d.platform)) {
        if (cmd.words.size() != typed.size()) continue;
        Args args;
        bool match = true;
        for (std::size_t i = 0; i < typed.size() && match; ++i) {
            const auto& w = cmd.words[i];
            if (w == "{port}") {
                args.port_typed = typed[i];
                args.port = find_port(d, typed[i]);
                match = args.port != nullptr;
            } else if (w == "{word}") {
                args.word = typed[i];
            } else {
                match = abbreviates(typed[i], w, exact);
            }
        }
        if (!match) continue;
        Answer a = cmd.run(d, args, now);
        for (std::size_t i = 1; i < parts.size(); ++i) {
            bool ok = true;
            a.lines = apply_filter(a.lines, parts[i], ok);
            if (!ok) return {{"% Invalid input detected at '^' marker."}, true, true};
        }
        return a;
    }
    Answer unknown;
    unknown.known = false;
    unknown.error = true;
    return unknown;
}

}  // namespace devcli
