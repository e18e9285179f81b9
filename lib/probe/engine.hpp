// The probe engine: one epoll loop with many ICMP echo or TCP connect probes in flight, paced by a
// global packets-per-second budget and a per-target interval, timed by kernel receive timestamps.
#pragma once

#include "core/result.hpp"
#include "net/address.hpp"
#include "probe/packet.hpp"

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace nockit::probe {

enum class Method { icmp_echo, tcp_connect };

struct Options {
    Method method = Method::icmp_echo;
    int count = 1;                                      // probes per target
    std::chrono::nanoseconds interval{1'000'000'000};   // per-target interval between probes
    double rate_pps = 0;                                // global budget; 0 = engine default
    std::chrono::nanoseconds timeout{1'000'000'000};    // reply timeout per probe
    std::size_t payload = 56;                           // ICMP payload bytes
    bool dont_fragment = false;
    int ttl = 0;                                        // 0 = system default
    uint16_t port = 0;                                  // tcp_connect
};

/// The global budget used when Options::rate_pps is 0: a /22 with one probe each is sent in ~0.2 s.
constexpr double default_rate_pps = 5000;
/// Most TCP connects in flight at once (further capped by the open-files limit).
constexpr std::size_t default_tcp_concurrency = 4096;
/// Largest ICMP payload accepted (IPv4 datagram limit less the IP and ICMP headers).
constexpr std::size_t max_payload = 65507;

enum class Outcome {
    reply,        // echo reply, or TCP handshake completed
    timeout,      // nothing within Options::timeout
    icmp_error,   // a router (or the host) answered with an ICMP error; see icmp_type/icmp_code/from
    refused,      // TCP: the host answered with a reset (it is up, the port is closed)
    send_failed,  // the probe could not be sent (detail says why)
};

struct ProbeResult {
    uint32_t target = 0;                // index into the targets span
    uint32_t probe = 0;                 // 0..count-1 for that target
    Outcome outcome = Outcome::timeout;
    std::chrono::nanoseconds rtt{0};    // reply/refused/icmp_error: kernel receive timestamp - send time
    net::Address from;                  // who answered (the router, for ICMP errors)
    int icmp_type = -1, icmp_code = -1; // for icmp_error (and replies)
    uint32_t next_hop_mtu = 0;          // "fragmentation needed" / "packet too big"
    int ttl = -1;                       // TTL / hop limit of the answer as received, when known
    bool duplicate = false;             // a second reply to a probe already answered: reported, not counted
    std::string detail;                 // send_failed: strerror text etc.; icmp_error: what the code means
};

/// Words for an outcome: "reply", "timeout", "icmp-error", "refused", "send-failed".
std::string_view to_string(Outcome outcome);
/// What an ICMP or ICMPv6 error type/code means, e.g. "host unreachable", "TTL exceeded in transit".
std::string icmp_meaning(bool v6, int type, int code);

/// Checks options a user typed (count, interval, rate, timeout, payload, port) before any socket is
/// opened; the error names the option and the allowed range.
Result<void> validate(const Options& options);

// --- Path measurements (noc-trace): probes with a TTL each, flow-stable headers (Paris traceroute),
// matched by what routers quote back. The engine sends, receives and matches; a PathDriver decides
// what to send when and when to stop waiting.

enum class PathMethod { icmp_echo, udp, tcp_syn };

/// What a path measurement probes.
struct PathTarget {
    net::Address destination;
    PathMethod method = PathMethod::icmp_echo;
    uint16_t port = 0;    ///< udp: destination port (default 33434); tcp_syn: the port (default 80)
    int flows = 1;        ///< flow identities: source ports, or ICMP identifier and checksum
    double rate_pps = 0;  ///< global budget; 0 = default_rate_pps
};

/// Most probes one run_path() call can send (each carries its own 16-bit number).
constexpr uint32_t max_path_probes = 65535;
/// Most flows one path measurement can use.
constexpr int max_path_flows = 256;

/// One probe a PathDriver asks for.
struct PathProbe {
    uint32_t id = 0;        ///< the driver's number for it, below max_path_probes, each sent at most once per run
    int ttl = 1;            ///< TTL / hop limit
    int flow = 0;           ///< 0..flows-1
    std::size_t size = 0;   ///< bytes on the wire with the IP header; 0 = the method's usual size
};

/// What came back for one probe.
struct PathAnswer {
    uint32_t id = 0;
    Outcome outcome = Outcome::timeout;  ///< reply (echo reply, SYN-ACK), refused (TCP reset), icmp_error, send_failed
    std::chrono::nanoseconds rtt{0};     ///< kernel receive timestamp - send time
    net::Address from;
    int icmp_type = -1, icmp_code = -1;
    uint32_t next_hop_mtu = 0;           ///< "fragmentation needed" / "packet too big"
    int quoted_ttl = -1;                 ///< the TTL left in the probe as the router quoted it
    std::vector<packet::MplsEntry> mpls; ///< RFC 4950 label stack from the answer's extensions
    std::string detail;                  ///< send_failed: why; icmp_error: what the code means
};

/// The caller's side of a path measurement: what to send, what came back, when it is complete.
class PathDriver {
public:
    using Clock = std::chrono::steady_clock;
    virtual ~PathDriver() = default;
    /// The probe to send now, if one is due (the engine calls this while its pacing budget allows).
    virtual std::optional<PathProbe> due(Clock::time_point now) = 0;
    /// The probe due() returned went out at `now`.
    virtual void sent(const PathProbe& probe, Clock::time_point now) = 0;
    /// An answer matched to a sent probe, or the failure to send one. At most one per probe.
    virtual void answered(const PathAnswer& answer) = 0;
    /// Called on every turn of the loop: the driver gives up on probes and returns when it next
    /// needs the clock (a deadline, the next round), or nothing once the measurement is complete.
    virtual std::optional<Clock::time_point> wake(Clock::time_point now) = 0;
};

/// Checks a path target before sockets are opened (flows, rate, port).
Result<void> validate(const PathTarget& target);

/// Runs probes. Opens the sockets it needs once; `run` may be called more than once.
class Engine {
public:
    /// Opens the sockets this run needs (raw ICMP, or unprivileged ICMP datagram sockets, for the
    /// families present). Fails with a one-line message naming the fix when not permitted.
    static Result<std::unique_ptr<Engine>> open(const Options& options, bool need_v4, bool need_v6);

    ~Engine();
    Engine(const Engine&) = delete;
    Engine& operator=(const Engine&) = delete;

    /// Sends options.count probes to every target, paced, all in flight together; calls `sink` once per
    /// probe (final outcome) and once per duplicate, from this thread, as results arrive. Returns when
    /// every probe is resolved or `stop` becomes true (Ctrl-C: results so far were already delivered),
    /// or on a fatal socket error.
    Result<void> run(std::span<const net::Address> targets, const std::function<void(const ProbeResult&)>& sink,
                     const std::atomic<bool>* stop = nullptr);

    /// True when ICMP goes through unprivileged datagram sockets (the kernel picks the identifier).
    bool unprivileged() const;

    /// Opens the raw sockets a path measurement needs (ICMP for the answers, UDP or TCP for the
    /// probes) and reserves one source port per flow. Fails with one line naming the fix.
    static Result<std::unique_ptr<Engine>> open_path(const PathTarget& target);
    /// Sends what `driver` asks for, paced, and hands it every matched answer, until the driver says
    /// the measurement is complete or `stop` becomes true. May be called more than once (each call
    /// numbers its probes afresh).
    Result<void> run_path(PathDriver& driver, const std::atomic<bool>* stop = nullptr);
    /// The address path probes leave from (for the checksums' pseudo-header).
    net::Address path_source() const;
    /// The MTU of the local route to the destination: the largest probe that can leave this host.
    int path_local_mtu() const;

    struct Impl;

private:
    explicit Engine(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace nockit::probe
