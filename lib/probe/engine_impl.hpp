// The probe engine's internals, shared by its two halves: engine.cpp (noc-ping: echo and connect
// probes to many targets) and path.cpp (noc-trace: a TTL per probe, flows, quoted-header matching).
#pragma once

#include "probe/engine.hpp"
#include "probe/packet.hpp"
#include "probe/sockets.hpp"

#include <linux/errqueue.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include <array>
#include <cstring>
#include <ctime>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace nockit::probe {
namespace detail {

// From <linux/icmp.h>, which clashes with the glibc headers: a raw IPv4 ICMP socket's type filter.
constexpr int icmp_filter_option = 1;

inline int64_t clock_ns(clockid_t id) {
    timespec ts{};
    clock_gettime(id, &ts);
    return int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}
// Deadlines and pacing run on the monotonic clock; RTTs on the realtime clock, which is the one the
// kernel's receive timestamps (SO_TIMESTAMPNS) use.
inline int64_t monotonic_ns() { return clock_ns(CLOCK_MONOTONIC); }
inline int64_t realtime_ns() { return clock_ns(CLOCK_REALTIME); }

enum class SlotState : uint8_t { free, in_flight, answered, done };

// One probe in flight, kept only from send to final outcome (and a while after, to spot duplicates).
struct Slot {
    int64_t sent_real = 0;
    uint32_t target = 0;
    uint32_t probe = 0;
    uint32_t generation = 0;
    SlotState state = SlotState::free;
};

// Probes expire in the order they were sent (one timeout for all), so a FIFO is the timer wheel.
struct Expiry {
    int64_t deadline = 0;
    uint32_t key = 0;  // kind << 24 | index (sequence number, or file descriptor for TCP)
    uint32_t generation = 0;
};
constexpr uint32_t kind_echo_v4 = 0, kind_echo_v6 = 1, kind_tcp = 2;
constexpr uint32_t make_key(uint32_t kind, uint32_t index) { return kind << 24 | index; }

// A probe waiting for its per-target interval to pass.
struct Due {
    int64_t at = 0;
    uint32_t target = 0;
    uint32_t probe = 0;
};

constexpr uint64_t tag_icmp_v4 = uint64_t{1} << 62;
constexpr uint64_t tag_icmp_v6 = uint64_t{1} << 62 | 1;
constexpr uint64_t tag_tcp = uint64_t{1} << 63;
constexpr uint64_t tag_path_icmp = uint64_t{1} << 62 | 2;
constexpr uint64_t tag_path_tcp = uint64_t{1} << 62 | 3;

// One ICMP socket and the sequence-number space it owns.
struct EchoChannel {
    IcmpSocket icmp;
    bool v6 = false;
    uint16_t identifier = 0;     // ours on raw sockets; the kernel's on datagram sockets
    uint16_t next_sequence = 0;
    std::vector<Slot> slots;     // indexed by sequence number
    bool present() const { return icmp.socket.valid(); }
    bool raw() const { return icmp.mode == IcmpMode::raw; }
};

// Received messages are read in batches: one system call for many replies.
constexpr unsigned batch_size = 64;
constexpr std::size_t control_size = 256;

inline std::string errno_text(int e) { return std::strerror(e); }

inline bool set_int(int fd, int level, int name, int value) {
    return setsockopt(fd, level, name, &value, sizeof value) == 0;
}


// Kernel receive timestamp and TTL/hop limit from the control messages of one received datagram.
struct Ancillary {
    int64_t stamp_real = 0;
    int ttl = -1;
    const sock_extended_err* error = nullptr;
    net::Address offender;
    bool has_offender = false;
};

Ancillary read_ancillary(msghdr& header);

// One message of a socket's error queue (IP_RECVERR): the quoted datagram, where it was going, and
// the control messages that carry the ICMP error.
struct ErrorQueueMessage {
    uint8_t data[512];
    alignas(cmsghdr) uint8_t control[control_size];
    sockaddr_storage name{};
    iovec iov{};
    msghdr header{};
    /// Reads the next message without waiting: its length, or -1 with errno set.
    ssize_t read(int fd);
};

// Asks for kernel receive timestamps and a receive buffer large enough for a burst of answers.
void prepare_receive(int fd);

// Lets a raw ICMP socket wake the loop only for the errors that can concern a probe (destination
// unreachable, packet too big, time exceeded, parameter problem) and, with `echo_replies`, echo replies;
// the rest of the host's ICMP (neighbour discovery, router advertisements...) is filtered in the kernel.
void pass_only_probe_answers(int fd, bool v6, bool echo_replies);

// The MTU of the route towards `to`, as the kernel knows it (for "message too long" on --df).
int route_mtu(const net::Address& to);

// A path probe in flight (path.cpp), indexed by its wire number.
struct PathSlot {
    int64_t sent_real = 0;
    uint32_t id = 0;
    uint16_t flow = 0;
    uint16_t length = 0;  // transport bytes, as sent
    SlotState state = SlotState::free;
};

// The sockets and numbering of a path measurement (path.cpp).
struct PathState {
    PathTarget target;
    packet::ProbeKind kind = packet::ProbeKind::icmp_echo;
    bool v6 = false;
    net::Address source;
    int local_mtu = 0;
    Socket icmp;                   // raw ICMP/ICMPv6: every router's answer (and echo probes go out here)
    Socket sender;                 // raw UDP or TCP: the probes (TCP: the SYN-ACKs and resets come in here)
    std::vector<Socket> reserved;  // one bound UDP/TCP socket per flow: nobody else gets our source ports
    std::vector<uint16_t> ports;   // source port of each flow
    uint16_t identifier = 0;       // ICMP identifier of flow 0 (flow f uses identifier + f)
    uint16_t checksum = 0;         // ICMP checksum of flow 0 (flow f uses checksum + f)
    uint32_t tcp_base = 0;         // TCP sequence number of wire number 0
    std::vector<PathSlot> slots;   // by wire number (probe id + 1)
    std::vector<uint8_t> packet;   // the probe being built
    uint32_t run = 0;              // counts run_path() calls: a late answer to an earlier run's probe
                                   // with the same number does not carry this run's cookie
    PathDriver* driver = nullptr;
    /// What the cookie covers besides the address and the probe's numbers: the flow and the run.
    uint32_t cookie_context(uint16_t flow) const { return run << 9 | flow; }
};

}  // namespace detail

struct Engine::Impl {
    using Slot = detail::Slot;
    using Expiry = detail::Expiry;
    using Due = detail::Due;
    using EchoChannel = detail::EchoChannel;
    Options options;
    double rate = default_rate_pps;
    Socket epoll;
    EchoChannel v4, v6;
    packet::CookieKey key;
    std::size_t tcp_concurrency = default_tcp_concurrency;

    // Per-run state.
    std::span<const net::Address> targets;
    const std::function<void(const ProbeResult&)>* sink = nullptr;
    std::vector<Slot> tcp_slots;  // indexed by file descriptor
    std::size_t tcp_in_flight = 0;
    std::deque<Expiry> expiries;
    std::deque<Due> due;
    std::size_t next_initial = 0;
    uint64_t unresolved = 0;
    uint32_t generation = 0;    // tells a slot's current probe from an earlier one (31 bits: it rides in epoll data)
    double tokens = 0;
    double burst = 2;
    double wake_tokens = 1;  // how many tokens to wait for before sending again
    int64_t refilled_at = 0;
    int64_t retry_at = 0;       // after the send buffer was full
    int64_t woke_real = 0;      // realtime clock when epoll returned: the receive time when the kernel gives none
    std::string fatal;

    // Receive buffers for recvmmsg.
    std::size_t buffer_size = 0;
    std::vector<uint8_t> buffers;
    std::vector<uint8_t> controls;
    std::vector<sockaddr_storage> names;
    std::vector<iovec> iovs;
    std::vector<mmsghdr> headers;
    std::vector<uint8_t> send_buffer;
    std::vector<uint8_t> payload;

    Result<void> open_channel(EchoChannel& channel, int family);
    void prepare_buffers();

    // The loop.
    Result<void> run(std::span<const net::Address> t, const std::function<void(const ProbeResult&)>& s,
                     const std::atomic<bool>* stop);
    void reset_run();
    void reset_pacing();
    void refill(int64_t now);
    bool next_probe(int64_t now, uint32_t& target, uint32_t& probe) const;
    void take_probe();
    void schedule_next(uint32_t target, uint32_t probe, int64_t now);
    enum class Sent { ok, resolved, blocked, retry_later };
    Sent send_echo(uint32_t target, uint32_t probe, int64_t now);
    Sent send_tcp(uint32_t target, uint32_t probe, int64_t now);
    void expire(int64_t now);
    int64_t next_wake(int64_t now) const;
    void deliver(const ProbeResult& r);
    void resolve(Slot& slot, ProbeResult r);

    // Reads what `fd` has queued, in batches (bounded, so that a flood of other hosts' packets cannot
    // starve sending and expiry), handing each datagram to `on_message(bytes, sender, header, truncated)`.
    // Returns 0 once the queue is empty, or the errno that stopped reading.
    template <class OnMessage>
    int receive(int fd, OnMessage&& on_message);
    void read_echo(EchoChannel& channel);
    void read_error_queue(EchoChannel& channel);
    void handle_echo_message(EchoChannel& channel, std::span<const uint8_t> bytes, const sockaddr_storage& from,
                             msghdr& header, bool truncated);
    uint32_t next_generation() { return generation = (generation + 1) & 0x7fffffff; }
    void handle_tcp(int fd, uint32_t gen, int known_error = -1);
    void finish_tcp(int fd);
    // Waits for socket events until `wake` (monotonic ns); sets woke_real. Returns the count, or -1.
    int wait_events(int64_t wake, epoll_event* events, int max_events);

    // Path measurements (path.cpp).
    std::unique_ptr<detail::PathState> path;
    Result<void> open_path(const PathTarget& target);
    Result<void> run_path(PathDriver& driver, const std::atomic<bool>* stop);
    Sent send_path(const PathProbe& probe, int64_t now);
    void read_path(int fd, bool tcp);
    void handle_path_icmp(std::span<const uint8_t> bytes, const sockaddr_storage& from, msghdr& header, bool truncated);
    void handle_path_tcp(std::span<const uint8_t> bytes, const sockaddr_storage& from, msghdr& header);
    void answer_path(uint16_t wire, PathAnswer answer, int64_t received_real);
};

template <class OnMessage>
int Engine::Impl::receive(int fd, OnMessage&& on_message) {
    for (int round = 0; round < 16; ++round) {
        for (unsigned i = 0; i < detail::batch_size; ++i) {
            iovs[i] = iovec{buffers.data() + i * buffer_size, buffer_size};
            msghdr& mh = headers[i].msg_hdr;
            mh = msghdr{};
            mh.msg_name = &names[i];
            mh.msg_namelen = sizeof names[i];
            mh.msg_iov = &iovs[i];
            mh.msg_iovlen = 1;
            mh.msg_control = controls.data() + i * detail::control_size;
            mh.msg_controllen = detail::control_size;
            headers[i].msg_len = 0;
        }
        int n = recvmmsg(fd, headers.data(), detail::batch_size, MSG_DONTWAIT, nullptr);
        if (n < 0) {
            int e = errno;
            if (e == EINTR) continue;
            return e == EAGAIN || e == EWOULDBLOCK ? 0 : e;
        }
        for (std::size_t i = 0; i < static_cast<std::size_t>(n); ++i) {
            msghdr& mh = headers[i].msg_hdr;
            std::span<const uint8_t> bytes(buffers.data() + i * buffer_size,
                                           std::min<std::size_t>(headers[i].msg_len, buffer_size));
            on_message(bytes, names[i], mh, (mh.msg_flags & MSG_TRUNC) != 0);
        }
        if (static_cast<unsigned>(n) < detail::batch_size) return 0;
    }
    return 0;
}

}  // namespace nockit::probe
