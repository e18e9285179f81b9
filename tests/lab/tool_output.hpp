// Reading what iputils ping and traceroute print, for the lab's own tests.
#pragma once

#include <arpa/inet.h>

#include <cstdio>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace nockit::test {

struct PingSummary {
    int transmitted = 0;
    int received = 0;
    int errors = 0;  ///< ICMP errors reported instead of replies
    double min_ms = -1;
    double avg_ms = -1;
    double loss_pct() const { return transmitted ? 100.0 * (transmitted - received) / transmitted : 100.0; }
};

/// Parses ping's closing lines ("N packets transmitted, M received, +E errors", "rtt min/avg/...").
inline std::optional<PingSummary> parse_ping(const std::string& out) {
    PingSummary s;
    const auto t = out.find(" packets transmitted, ");
    if (t == std::string::npos) return std::nullopt;
    const auto line_start = out.rfind('\n', t);
    const std::string line = out.substr(line_start == std::string::npos ? 0 : line_start + 1);
    if (std::sscanf(line.c_str(), "%d packets transmitted, %d received", &s.transmitted, &s.received) != 2) return std::nullopt;
    const auto e = line.find(" errors");
    if (e != std::string::npos) {
        const auto plus = line.rfind('+', e);
        if (plus != std::string::npos) s.errors = std::stoi(line.substr(plus + 1));
    }
    const auto rtt = out.find("rtt min/avg/max/mdev = ");
    if (rtt != std::string::npos) {
        double mn = 0, avg = 0;
        if (std::sscanf(out.c_str() + rtt, "rtt min/avg/max/mdev = %lf/%lf", &mn, &avg) == 2) {
            s.min_ms = mn;
            s.avg_ms = avg;
        }
    }
    return s;
}

inline bool is_address(const std::string& text) {
    unsigned char buf[16];
    return inet_pton(AF_INET, text.c_str(), buf) == 1 || inet_pton(AF_INET6, text.c_str(), buf) == 1;
}

/// One traceroute line: the TTL, the addresses that answered, and the !X-style annotations.
struct TraceHop {
    int ttl = 0;
    std::vector<std::string> addresses;  ///< in order of appearance, each once
    int stars = 0;
    std::vector<std::string> flags;  ///< e.g. "!X", "!H"
};

/// Parses `traceroute -n` output into hops.
inline std::vector<TraceHop> parse_traceroute(const std::string& out) {
    std::vector<TraceHop> hops;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        TraceHop hop;
        if (!(words >> hop.ttl)) continue;  // the heading line starts with "traceroute"
        std::string w;
        while (words >> w) {
            if (w == "*") ++hop.stars;
            else if (w.size() > 1 && w[0] == '!') hop.flags.push_back(w);
            else if (is_address(w)) {
                bool seen = false;
                for (const auto& a : hop.addresses) seen = seen || a == w;
                if (!seen) hop.addresses.push_back(w);
            }
        }
        hops.push_back(hop);
    }
    return hops;
}

/// The canonical text form of an IPv4 or IPv6 address (so "fd00:8:0::2" equals "fd00:8::2").
inline std::string canonical(const std::string& address) {
    unsigned char buf[16];
    char text[INET6_ADDRSTRLEN];
    if (inet_pton(AF_INET, address.c_str(), buf) == 1) return inet_ntop(AF_INET, buf, text, sizeof text);
    if (inet_pton(AF_INET6, address.c_str(), buf) == 1) return inet_ntop(AF_INET6, buf, text, sizeof text);
    return address;
}

}  // namespace nockit::test
