// The data of a path measurement: per-probe records as the engine delivers them, and per-hop
// statistics as an engineer reads them in an mtr report.
#pragma once

#include "net/address.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nockit::trace {

enum class Method { icmp, udp, tcp };
std::string_view to_string(Method m);

/// One MPLS label stack entry quoted in an ICMP extension (RFC 4950).
struct MplsLabel {
    uint32_t label = 0;
    uint8_t exp = 0;      ///< traffic class
    bool bottom = false;  ///< bottom of stack
    uint8_t ttl = 0;
};

/// What came back for one probe.
enum class Answer {
    none,            ///< nothing within the wait
    time_exceeded,   ///< a router on the way (the usual traceroute answer)
    reply,           ///< the destination itself: echo reply, TCP SYN-ACK/RST, or UDP port unreachable
    unreachable,     ///< an ICMP destination unreachable from a router (or the destination, not port-unreachable)
};

/// One probe, as the engine reports it.
struct ProbeRecord {
    int ttl = 0;
    int round = 0;
    int flow = 0;
    Answer answer = Answer::none;
    std::chrono::nanoseconds rtt{0};
    net::Address from;
    int icmp_type = -1, icmp_code = -1;
    uint32_t next_hop_mtu = 0;
    std::size_t probe_size = 0;  ///< bytes on the wire (IP header included), for --mtu
    std::vector<MplsLabel> mpls;
};

/// Per-hop statistics (one TTL), mtr style.
struct Hop {
    int ttl = 0;
    std::optional<net::Address> address;  ///< the usual responder; none when the hop never answered
    std::vector<net::Address> addresses;  ///< every responder seen, most frequent first
    std::string name;                     ///< reverse DNS, when looked up and found
    std::string segment;                  ///< from the segments map, when one is given
    std::string team;                     ///< the segment's owning team
    int sent = 0, received = 0;
    double loss_pct = 0;
    double last = 0, avg = 0, best = 0, worst = 0, stdev = 0, jitter = 0;  ///< milliseconds
    std::vector<MplsLabel> mpls;          ///< labels quoted by this hop (first seen)
    int icmp_type = -1, icmp_code = -1;   ///< the answer's type/code (first seen)
    bool destination = false;             ///< the destination answered at this TTL
    bool unreachable = false;             ///< this hop answered "destination unreachable"
};

/// A flow's hop list, for --flows: where equal-cost paths diverge.
struct FlowPath {
    int flow = 0;
    std::vector<std::optional<net::Address>> hops;  ///< by TTL - 1
};

/// The measured path, ready to be analysed.
struct Path {
    std::string target;             ///< as given
    net::Address destination;
    Method method = Method::icmp;
    uint16_t port = 0;
    int rounds = 0;
    std::vector<Hop> hops;          ///< TTL order, 1..last hop probed that matters
    bool destination_reached = false;
    std::vector<FlowPath> flows;    ///< one per flow when --flows > 1
    // Path MTU discovery (--mtu).
    bool mtu_probed = false;
    std::optional<int> path_mtu;    ///< largest size that reached the destination
    std::optional<int> mtu_drop_ttl;///< the hop that reported "fragmentation needed"
    int mtu_reported = 0;           ///< the next-hop MTU it reported
    bool mtu_blackhole = false;     ///< large don't-fragment probes vanished with no answer
    int mtu_blackhole_size = 0;     ///< the size that vanished
    bool interrupted = false;
};

/// Builds per-hop statistics from probe records (the records may come in any order).
/// `max_ttl` bounds the list; hops beyond the destination are dropped.
Path build_path(std::string target, const net::Address& destination, Method method, uint16_t port, int rounds,
                const std::vector<ProbeRecord>& records, int max_ttl);

}  // namespace nockit::trace
