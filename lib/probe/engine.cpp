// The probe engine: one thread, one epoll loop, many probes in flight. Sends are paced by a global token
// bucket and a per-target interval; replies are timed by kernel receive timestamps and matched by
// identifier, sequence, payload cookie and source (or, for ICMP errors, by the quoted original header).
#include "probe/engine.hpp"

#include "probe/engine_impl.hpp"
#include "probe/packet.hpp"
#include "probe/sockets.hpp"

#include <linux/errqueue.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>
#include <deque>
#include <vector>

#include <fmt/format.h>

namespace nockit::probe {

using namespace detail;

using namespace std::chrono_literals;


std::string_view to_string(Outcome outcome) {
    switch (outcome) {
        case Outcome::reply: return "reply";
        case Outcome::timeout: return "timeout";
        case Outcome::icmp_error: return "icmp-error";
        case Outcome::refused: return "refused";
        case Outcome::send_failed: return "send-failed";
    }
    return "unknown";
}

std::string icmp_meaning(bool v6, int type, int code) {
    static const char* const unreach4[] = {
        "network unreachable", "host unreachable", "protocol unreachable", "port unreachable",
        "fragmentation needed and DF set", "source route failed", "destination network unknown",
        "destination host unknown", "source host isolated", "network administratively prohibited",
        "host administratively prohibited", "network unreachable for TOS", "host unreachable for TOS",
        "communication administratively prohibited", "host precedence violation", "precedence cutoff in effect"};
    static const char* const unreach6[] = {
        "no route to destination", "communication administratively prohibited", "beyond scope of source address",
        "address unreachable", "port unreachable", "source address failed ingress/egress policy",
        "reject route to destination", "error in source routing header"};
    if (!v6) {
        switch (type) {
            case packet::icmp_echo_reply: return "echo reply";
            case packet::icmp_dest_unreachable:
                if (code >= 0 && code < 16) return unreach4[code];
                return fmt::format("destination unreachable (code {})", code);
            case packet::icmp_time_exceeded:
                return code == 1 ? "fragment reassembly time exceeded" : "TTL exceeded in transit";
            case packet::icmp_parameter_problem: return "parameter problem";
            default: return fmt::format("ICMP type {} code {}", type, code);
        }
    }
    switch (type) {
        case packet::icmp6_echo_reply: return "echo reply";
        case packet::icmp6_dest_unreachable:
            if (code >= 0 && code < 8) return unreach6[code];
            return fmt::format("destination unreachable (code {})", code);
        case packet::icmp6_packet_too_big: return "packet too big";
        case packet::icmp6_time_exceeded:
            return code == 1 ? "fragment reassembly time exceeded" : "hop limit exceeded in transit";
        case packet::icmp6_parameter_problem: return "parameter problem";
        default: return fmt::format("ICMPv6 type {} code {}", type, code);
    }
}

Result<void> validate(const Options& o) {
    if (o.count < 1) return unknown_error(fmt::format("count {} is not allowed: -c needs 1 or more probes", o.count));
    if (o.interval < 0ns) return unknown_error("the interval cannot be negative: give -i in seconds, e.g. -i 0.2");
    if (o.interval > 24h) return unknown_error("the interval is over a day: give -i in seconds, e.g. -i 1");
    if (!(o.rate_pps >= 0) || o.rate_pps > 1e7)
        return unknown_error(fmt::format("rate {} is out of range: --rate takes 1 to 10000000 probes per second",
                                         o.rate_pps));
    if (o.rate_pps > 0 && o.rate_pps < 0.001)
        return unknown_error("the rate is below one probe in 1000 seconds: raise --rate");
    if (o.timeout <= 0ns || o.timeout > 1h)
        return unknown_error("the reply timeout must be above 0 and at most 3600 seconds: give -W in seconds, e.g. -W 1");
    if (o.payload > max_payload)
        return unknown_error(fmt::format("payload {} bytes is too large: -s takes 0 to {} bytes", o.payload,
                                         max_payload));
    if (o.ttl < 0 || o.ttl > 255) return unknown_error(fmt::format("TTL {} is out of range: use 1 to 255", o.ttl));
    if (o.method == Method::tcp_connect && o.port == 0)
        return unknown_error("TCP port 0 cannot be probed: give --tcp a port from 1 to 65535");
    return {};
}

namespace detail {

Ancillary read_ancillary(msghdr& header) {
    Ancillary a;
    for (cmsghdr* c = CMSG_FIRSTHDR(&header); c != nullptr; c = CMSG_NXTHDR(&header, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
            timespec ts{};
            std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
            a.stamp_real = int64_t{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
        } else if ((c->cmsg_level == SOL_IP && c->cmsg_type == IP_TTL) ||
                   (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_HOPLIMIT)) {
            int v = 0;
            std::memcpy(&v, CMSG_DATA(c), sizeof v);
            a.ttl = v;
        } else if ((c->cmsg_level == SOL_IP && c->cmsg_type == IP_RECVERR) ||
                   (c->cmsg_level == SOL_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
            a.error = reinterpret_cast<const sock_extended_err*>(CMSG_DATA(c));
            const auto* off = reinterpret_cast<const sockaddr*>(SO_EE_OFFENDER(a.error));
            if (off->sa_family == AF_INET || off->sa_family == AF_INET6) {
                a.offender = net::Address::from_sockaddr(off);
                a.has_offender = true;
            }
        }
    }
    return a;
}

// The MTU of the route towards `to`, as the kernel knows it (for "message too long" on --df).
int route_mtu(const net::Address& to) {
    Socket s(::socket(to.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!s.valid()) return 0;
    sockaddr_storage ss{};
    socklen_t len = to.to_sockaddr(ss, 9);  // any port: connect on UDP sends nothing
    if (::connect(s.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0) return 0;
    int mtu = 0;
    socklen_t ml = sizeof mtu;
    if (getsockopt(s.get(), to.is_v4() ? SOL_IP : SOL_IPV6, to.is_v4() ? IP_MTU : IPV6_MTU, &mtu, &ml) != 0) return 0;
    return mtu;
}

ssize_t ErrorQueueMessage::read(int fd) {
    name = sockaddr_storage{};
    iov = iovec{data, sizeof data};
    header = msghdr{};
    header.msg_name = &name;
    header.msg_namelen = sizeof name;
    header.msg_iov = &iov;
    header.msg_iovlen = 1;
    header.msg_control = control;
    header.msg_controllen = sizeof control;
    return recvmsg(fd, &header, MSG_ERRQUEUE | MSG_DONTWAIT);
}

void prepare_receive(int fd) {
    // Kernel receive timestamps: the RTT is not inflated by however long the loop took to read.
    set_int(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1);
    // Room for a burst of replies from a whole range (the forced size needs CAP_NET_ADMIN; else best effort).
    constexpr int rcvbuf = 4 << 20;
    if (!set_int(fd, SOL_SOCKET, SO_RCVBUFFORCE, rcvbuf)) set_int(fd, SOL_SOCKET, SO_RCVBUF, rcvbuf);
}

void pass_only_probe_answers(int fd, bool v6, bool echo_replies) {
    if (v6) {
        icmp6_filter filter;
        ICMP6_FILTER_SETBLOCKALL(&filter);
        if (echo_replies) ICMP6_FILTER_SETPASS(ICMP6_ECHO_REPLY, &filter);
        ICMP6_FILTER_SETPASS(ICMP6_DST_UNREACH, &filter);
        ICMP6_FILTER_SETPASS(ICMP6_PACKET_TOO_BIG, &filter);
        ICMP6_FILTER_SETPASS(ICMP6_TIME_EXCEEDED, &filter);
        ICMP6_FILTER_SETPASS(ICMP6_PARAM_PROB, &filter);
        setsockopt(fd, IPPROTO_ICMPV6, ICMP6_FILTER, &filter, sizeof filter);
    } else {
        uint32_t pass = (1u << packet::icmp_dest_unreachable) | (1u << packet::icmp_time_exceeded) |
                        (1u << packet::icmp_parameter_problem);
        if (echo_replies) pass |= 1u << packet::icmp_echo_reply;
        uint32_t blocked = ~pass;  // the raw IPv4 filter names the types to drop
        setsockopt(fd, SOL_RAW, icmp_filter_option, &blocked, sizeof blocked);
    }
}

}  // namespace detail

Result<void> Engine::Impl::open_channel(EchoChannel& channel, int family) {
    auto opened = open_icmp_socket(family);
    if (!opened) return opened.error();
    channel.icmp = std::move(opened.value());
    channel.v6 = family == AF_INET6;
    int fd = channel.icmp.socket.get();
    bool is_v6 = channel.v6;

    prepare_receive(fd);
    if (!set_int(fd, SOL_SOCKET, SO_SNDBUFFORCE, 1 << 20)) set_int(fd, SOL_SOCKET, SO_SNDBUF, 1 << 20);

    if (is_v6) {
        set_int(fd, SOL_IPV6, IPV6_RECVHOPLIMIT, 1);
        if (channel.raw()) {
            pass_only_probe_answers(fd, true, true);
        } else {
            set_int(fd, SOL_IPV6, IPV6_RECVERR, 1);
        }
        if (options.ttl > 0) set_int(fd, SOL_IPV6, IPV6_UNICAST_HOPS, options.ttl);
        if (options.dont_fragment) {
            set_int(fd, SOL_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO);
            set_int(fd, SOL_IPV6, IPV6_DONTFRAG, 1);
        }
    } else {
        if (channel.raw()) {
            pass_only_probe_answers(fd, false, true);
        } else {
            set_int(fd, SOL_IP, IP_RECVTTL, 1);
            set_int(fd, SOL_IP, IP_RECVERR, 1);
        }
        if (options.ttl > 0) set_int(fd, SOL_IP, IP_TTL, options.ttl);
        if (options.dont_fragment) set_int(fd, SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO);
    }

    uint16_t id = 0;
    if (getrandom(&id, sizeof id, 0) != static_cast<ssize_t>(sizeof id)) id = static_cast<uint16_t>(getpid());
    channel.identifier = id;
    channel.slots.assign(65536, Slot{});

    epoll_event ev{};
    ev.events = EPOLLIN;  // EPOLLERR is always reported: the error queue of datagram sockets
    ev.data.u64 = is_v6 ? tag_icmp_v6 : tag_icmp_v4;
    if (epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &ev) != 0)
        return unknown_error(fmt::format("cannot watch the ICMP socket: {}", errno_text(errno)));
    return {};
}

void Engine::Impl::prepare_buffers() {
    // An echo reply with our payload behind the largest IPv4 header, or an ICMP error quoting a probe.
    buffer_size = std::max<std::size_t>(options.payload + packet::icmp_header_size + 60 + 64, 1280);
    buffers.assign(buffer_size * batch_size, 0);
    controls.assign(control_size * batch_size, 0);
    names.assign(batch_size, sockaddr_storage{});
    iovs.assign(batch_size, iovec{});
    headers.assign(batch_size, mmsghdr{});
    send_buffer.assign(options.payload + packet::icmp_header_size, 0);
    payload.assign(options.payload, 0);
}

Result<std::unique_ptr<Engine>> Engine::open(const Options& options, bool need_v4, bool need_v6) {
    if (auto valid = validate(options); !valid) return valid.error();
    auto impl = std::make_unique<Impl>();
    impl->options = options;
    impl->rate = options.rate_pps > 0 ? options.rate_pps : default_rate_pps;
    impl->key = packet::random_cookie_key();
    impl->epoll = Socket(epoll_create1(EPOLL_CLOEXEC));
    if (!impl->epoll.valid()) return unknown_error(fmt::format("cannot create the event loop: {}", errno_text(errno)));

    if (options.method == Method::icmp_echo) {
        if (need_v4)
            if (auto r = impl->open_channel(impl->v4, AF_INET); !r) return r.error();
        if (need_v6)
            if (auto r = impl->open_channel(impl->v6, AF_INET6); !r) return r.error();
    } else {
        // One descriptor per connect in flight: take all the open-files limit allows.
        rlimit lim{};
        if (getrlimit(RLIMIT_NOFILE, &lim) == 0) {
            if (lim.rlim_cur < lim.rlim_max) {
                rlimit raised = lim;
                raised.rlim_cur = lim.rlim_max;
                if (setrlimit(RLIMIT_NOFILE, &raised) == 0) lim = raised;
            }
            rlim_t usable = lim.rlim_cur > 64 ? lim.rlim_cur - 64 : 1;
            impl->tcp_concurrency = static_cast<std::size_t>(std::min<rlim_t>(usable, default_tcp_concurrency));
        }
    }
    impl->prepare_buffers();
    return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

Engine::Engine(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Engine::~Engine() {
    // Connects still in flight (after a stop) are closed here.
    if (impl_)
        for (std::size_t fd = 0; fd < impl_->tcp_slots.size(); ++fd)
            if (impl_->tcp_slots[fd].state == SlotState::in_flight) ::close(static_cast<int>(fd));
}

bool Engine::unprivileged() const {
    return (impl_->v4.present() && !impl_->v4.raw()) || (impl_->v6.present() && !impl_->v6.raw());
}

Result<void> Engine::run(std::span<const net::Address> targets, const std::function<void(const ProbeResult&)>& sink,
                         const std::atomic<bool>* stop) {
    return impl_->run(targets, sink, stop);
}

void Engine::Impl::reset_run() {
    for (auto* ch : {&v4, &v6})
        for (auto& s : ch->slots) s = Slot{};
    for (std::size_t fd = 0; fd < tcp_slots.size(); ++fd)
        if (tcp_slots[fd].state == SlotState::in_flight) ::close(static_cast<int>(fd));
    tcp_slots.clear();
    tcp_in_flight = 0;
    expiries.clear();
    due.clear();
    next_initial = 0;
    fatal.clear();
    reset_pacing();
}

void Engine::Impl::reset_pacing() {
    // Sends go out in bursts of about a millisecond's worth: smooth enough for routers' ICMP rate limits,
    // yet the loop wakes at most about a thousand times a second. The bucket holds two bursts, so that
    // the time the loop wakes late carries over to the next send instead of slowing the sweep down.
    wake_tokens = std::max(1.0, rate / 1000.0);
    burst = 2 * wake_tokens;
    tokens = 1;
    refilled_at = monotonic_ns();
    retry_at = 0;
}

void Engine::Impl::refill(int64_t now) {
    if (now > refilled_at) {
        tokens = std::min(burst, tokens + static_cast<double>(now - refilled_at) * rate / 1e9);
        refilled_at = now;
    }
}

bool Engine::Impl::next_probe(int64_t now, uint32_t& target, uint32_t& probe) const {
    // Every first probe is due at the start, before any repeat; repeats are due in the order their
    // previous probes went out, which serves targets due together round-robin.
    if (next_initial < targets.size()) {
        target = static_cast<uint32_t>(next_initial);
        probe = 0;
        return true;
    }
    if (!due.empty() && due.front().at <= now) {
        target = due.front().target;
        probe = due.front().probe;
        return true;
    }
    return false;
}

void Engine::Impl::take_probe() {
    if (next_initial < targets.size())
        ++next_initial;
    else
        due.pop_front();
}

void Engine::Impl::schedule_next(uint32_t target, uint32_t probe, int64_t now) {
    if (static_cast<int>(probe) + 1 < options.count)
        due.push_back(Due{now + options.interval.count(), target, probe + 1});
}

void Engine::Impl::deliver(const ProbeResult& r) { (*sink)(r); }

void Engine::Impl::resolve(Slot& slot, ProbeResult r) {
    slot.state = r.outcome == Outcome::reply ? SlotState::answered : SlotState::done;
    --unresolved;
    deliver(r);
}

Engine::Impl::Sent Engine::Impl::send_echo(uint32_t target, uint32_t probe, int64_t /*now*/) {
    const net::Address& to = targets[target];
    EchoChannel& ch = to.is_v4() ? v4 : v6;
    uint16_t seq = ch.next_sequence;
    Slot& slot = ch.slots[seq];
    // 65,536 sequence numbers per socket: the oldest probe must be resolved before its number is reused.
    if (slot.state == SlotState::in_flight) return Sent::blocked;

    // The cookie ties the reply to this probe and this address. With a payload under 8 bytes only part
    // of it fits (with none, matching falls back to identifier and sequence alone).
    uint64_t cookie = packet::probe_cookie(key, to, target, probe, seq);
    packet::fill_payload(payload, cookie);
    std::size_t len = packet::build_echo_request(ch.v6, ch.identifier, seq, payload, send_buffer);
    sockaddr_storage ss{};
    socklen_t sl = to.to_sockaddr(ss);

    for (int attempt = 0;; ++attempt) {
        int64_t sent_real = realtime_ns();
        ssize_t n = ::sendto(ch.icmp.socket.get(), send_buffer.data(), len, 0, reinterpret_cast<sockaddr*>(&ss), sl);
        if (n >= 0) {
            slot = Slot{sent_real, target, probe, next_generation(), SlotState::in_flight};
            ++ch.next_sequence;
            expiries.push_back(Expiry{monotonic_ns() + options.timeout.count(),
                                      make_key(ch.v6 ? kind_echo_v6 : kind_echo_v4, seq), slot.generation});
            return Sent::ok;
        }
        int e = errno;
        if (e == EINTR) continue;
        if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS) return Sent::retry_later;
        if (!ch.raw() && attempt == 0 &&
            (e == EHOSTUNREACH || e == ENETUNREACH || e == ECONNREFUSED || e == EPROTO || e == EACCES ||
             e == EMSGSIZE || e == ETIMEDOUT)) {
            // A datagram socket reports an earlier probe's ICMP error once on the next call; that error is
            // also on the error queue, which is read now, and this probe is sent again.
            read_error_queue(ch);
            continue;
        }
        ProbeResult r;
        r.target = target;
        r.probe = probe;
        r.outcome = Outcome::send_failed;
        r.from = to;
        if (e == EMSGSIZE) {
            int mtu = route_mtu(to);
            r.next_hop_mtu = static_cast<uint32_t>(std::max(mtu, 0));
            r.detail = mtu > 0 ? fmt::format("message too long: local MTU is {} bytes", mtu)
                               : std::string("message too long for the local MTU");
        } else {
            r.detail = errno_text(e);
        }
        --unresolved;
        deliver(r);
        return Sent::resolved;
    }
}

Engine::Impl::Sent Engine::Impl::send_tcp(uint32_t target, uint32_t probe, int64_t now) {
    if (tcp_in_flight >= tcp_concurrency) return Sent::blocked;
    const net::Address& to = targets[target];
    ProbeResult r;
    r.target = target;
    r.probe = probe;
    r.from = to;

    int fd = ::socket(to.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        int e = errno;
        if ((e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM) && tcp_in_flight > 0) return Sent::blocked;
        r.outcome = Outcome::send_failed;
        r.detail = errno_text(e);
        --unresolved;
        deliver(r);
        return Sent::resolved;
    }
    Socket sock(fd);
    // ICMP errors for the SYN arrive on the error queue with the router's address.
    if (to.is_v4()) {
        set_int(fd, SOL_IP, IP_RECVERR, 1);
        if (options.ttl > 0) set_int(fd, SOL_IP, IP_TTL, options.ttl);
    } else {
        set_int(fd, SOL_IPV6, IPV6_RECVERR, 1);
        if (options.ttl > 0) set_int(fd, SOL_IPV6, IPV6_UNICAST_HOPS, options.ttl);
    }
    // Closing with a reset leaves no TIME_WAIT behind, so sweeping a range does not use up local ports.
    linger lg{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);

    sockaddr_storage ss{};
    socklen_t sl = to.to_sockaddr(ss, options.port);
    int64_t sent_real = realtime_ns();
    int rc = ::connect(fd, reinterpret_cast<sockaddr*>(&ss), sl);
    int e = rc == 0 ? 0 : errno;
    if (e == EAGAIN) return Sent::retry_later;  // out of local ports for the moment

    if (static_cast<std::size_t>(fd) >= tcp_slots.size()) tcp_slots.resize(static_cast<std::size_t>(fd) + 1);
    Slot& slot = tcp_slots[static_cast<std::size_t>(fd)];
    slot = Slot{sent_real, target, probe, next_generation(), SlotState::in_flight};

    if (e == EINPROGRESS || e == 0) {
        epoll_event ev{};
        ev.events = EPOLLOUT;
        ev.data.u64 = tag_tcp | uint64_t{slot.generation} << 32 | static_cast<uint32_t>(fd);
        if (epoll_ctl(epoll.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
            slot.state = SlotState::free;
            r.outcome = Outcome::send_failed;
            r.detail = errno_text(errno);
            --unresolved;
            deliver(r);
            return Sent::resolved;
        }
        sock.release();
        ++tcp_in_flight;
        expiries.push_back(Expiry{now + options.timeout.count(), make_key(kind_tcp, static_cast<uint32_t>(fd)),
                                  slot.generation});
        return Sent::ok;
    }
    // Answered (or failed) within connect itself, which happens on loopback.
    sock.release();
    ++tcp_in_flight;
    woke_real = realtime_ns();
    handle_tcp(fd, slot.generation, e);
    return Sent::ok;
}

void Engine::Impl::handle_tcp(int fd, uint32_t gen, int known_error) {
    if (fd < 0 || static_cast<std::size_t>(fd) >= tcp_slots.size()) return;
    Slot& slot = tcp_slots[static_cast<std::size_t>(fd)];
    if (slot.state != SlotState::in_flight || slot.generation != gen) return;
    int err = known_error;
    if (err < 0) {
        socklen_t el = sizeof err;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0) err = errno;
    }

    ProbeResult r;
    r.target = slot.target;
    r.probe = slot.probe;
    r.from = targets[slot.target];
    int64_t rtt = woke_real - slot.sent_real;
    if (err == 0) {
        // Connected: the kernel's own measure of the handshake (SYN to SYN-ACK) is the RTT.
        tcp_info info{};
        socklen_t il = sizeof info;
        if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &il) == 0 && info.tcpi_rtt > 0)
            rtt = int64_t{info.tcpi_rtt} * 1000;
        r.outcome = Outcome::reply;
    } else if (err == ECONNREFUSED) {
        r.outcome = Outcome::refused;
    } else if (err == EINPROGRESS || err == EALREADY) {
        return;  // not finished yet
    } else {
        r.outcome = Outcome::icmp_error;
        r.detail = errno_text(err);
        // The ICMP error itself, when the kernel kept it: type, code and the router that sent it.
        ErrorQueueMessage m;
        if (m.read(fd) >= 0) {
            Ancillary a = read_ancillary(m.header);
            if (a.error != nullptr &&
                (a.error->ee_origin == SO_EE_ORIGIN_ICMP || a.error->ee_origin == SO_EE_ORIGIN_ICMP6)) {
                r.icmp_type = a.error->ee_type;
                r.icmp_code = a.error->ee_code;
                if (a.has_offender) r.from = a.offender;
                r.detail = icmp_meaning(!r.from.is_v4(), r.icmp_type, r.icmp_code);
                if (r.icmp_code == 4 && r.icmp_type == packet::icmp_dest_unreachable && r.from.is_v4())
                    r.next_hop_mtu = a.error->ee_info;
            }
        }
    }
    r.rtt = std::chrono::nanoseconds(std::max<int64_t>(rtt, 0));
    finish_tcp(fd);
    resolve(slot, std::move(r));
}

void Engine::Impl::finish_tcp(int fd) {
    ::close(fd);  // also leaves the epoll set
    --tcp_in_flight;
}

void Engine::Impl::expire(int64_t now) {
    while (!expiries.empty() && expiries.front().deadline <= now) {
        Expiry x = expiries.front();
        expiries.pop_front();
        uint32_t kind = x.key >> 24, index = x.key & 0xffffff;
        Slot* slot = nullptr;
        if (kind == kind_tcp) {
            if (index < tcp_slots.size()) slot = &tcp_slots[index];
        } else {
            slot = &(kind == kind_echo_v6 ? v6 : v4).slots[index];
        }
        if (slot == nullptr || slot->state != SlotState::in_flight || slot->generation != x.generation) continue;
        if (kind == kind_tcp) finish_tcp(static_cast<int>(index));
        ProbeResult r;
        r.target = slot->target;
        r.probe = slot->probe;
        r.outcome = Outcome::timeout;
        resolve(*slot, std::move(r));
    }
}

void Engine::Impl::read_echo(EchoChannel& ch) {
    for (int tries = 0; tries < 16; ++tries) {
        int e = receive(ch.icmp.socket.get(), [&](std::span<const uint8_t> bytes, const sockaddr_storage& from,
                                                  msghdr& header, bool truncated) {
            handle_echo_message(ch, bytes, from, header, truncated);
        });
        if (e == 0) return;
        if (ch.raw()) {
            fatal = fmt::format("cannot read ICMP replies: {}", errno_text(e));
            return;
        }
        // A pending ICMP error reported through recv: its details are on the error queue.
        read_error_queue(ch);
    }
}

void Engine::Impl::handle_echo_message(EchoChannel& ch, std::span<const uint8_t> bytes, const sockaddr_storage& from,
                                       msghdr& header, bool truncated) {
    Ancillary anc = read_ancillary(header);
    int64_t received = anc.stamp_real != 0 ? anc.stamp_real : woke_real;
    net::Address sender = net::Address::from_sockaddr(reinterpret_cast<const sockaddr*>(&from));
    int ttl = anc.ttl;
    if (!ch.v6 && ch.raw()) {
        // Raw IPv4 sockets deliver the IP header too.
        auto ip = packet::parse_ipv4_header(bytes);
        if (!ip) return;
        ttl = ip->ttl;
        bytes = bytes.subspan(ip->header_length);
    }
    // Raw sockets are handed every ICMP packet unchecked; a corrupt one is nobody's answer.
    if (!ch.v6 && !truncated && packet::internet_checksum(bytes) != 0) return;
    auto msg = packet::parse_icmp(ch.v6, bytes);
    if (!msg) return;

    if (msg->is_echo_reply(ch.v6)) {
        // The kernel filters datagram sockets by identifier itself (and rewrites ours on the way out).
        if (ch.raw() && msg->identifier != ch.identifier) return;
        Slot& slot = ch.slots[msg->sequence];
        if (slot.state != SlotState::in_flight && slot.state != SlotState::answered) return;
        const net::Address& to = targets[slot.target];
        if (sender != to) return;
        uint64_t cookie = packet::probe_cookie(key, to, slot.target, slot.probe, msg->sequence);
        if (truncated || !packet::payload_matches(msg->body, options.payload, cookie)) return;

        ProbeResult r;
        r.target = slot.target;
        r.probe = slot.probe;
        r.outcome = Outcome::reply;
        r.from = sender;
        r.icmp_type = msg->type;
        r.icmp_code = msg->code;
        r.ttl = ttl;
        int64_t rtt = received - slot.sent_real;
        if (rtt < 0) rtt = std::max<int64_t>(realtime_ns() - slot.sent_real, 0);  // the clock was stepped
        r.rtt = std::chrono::nanoseconds(rtt);
        if (slot.state == SlotState::answered) {
            r.duplicate = true;
            deliver(r);
            return;
        }
        // Exactly "no answer within the timeout", however late the loop got round to reading.
        if (r.rtt > options.timeout) {
            r = ProbeResult{};
            r.target = slot.target;
            r.probe = slot.probe;
            r.outcome = Outcome::timeout;
            slot.state = SlotState::done;
            --unresolved;
            deliver(r);
            return;
        }
        resolve(slot, std::move(r));
        return;
    }

    if (!msg->is_error(ch.v6) || !msg->quoted) return;
    const auto& q = *msg->quoted;
    if (q.echo_type != (ch.v6 ? packet::icmp6_echo_request : packet::icmp_echo_request)) return;
    if (q.echo_identifier != ch.identifier) return;
    Slot& slot = ch.slots[q.echo_sequence];
    if (slot.state != SlotState::in_flight) return;
    const net::Address& to = targets[slot.target];
    if (q.destination != to) return;
    // Routers quote at least 8 bytes; when they quote our payload too, its cookie must match.
    if (q.transport.size() >= packet::icmp_header_size + std::min<std::size_t>(options.payload, 8)) {
        uint64_t cookie = packet::probe_cookie(key, to, slot.target, slot.probe, q.echo_sequence);
        auto quoted_payload = q.transport.subspan(packet::icmp_header_size, std::min<std::size_t>(options.payload, 8));
        if (!packet::cookie_prefix_matches(quoted_payload, cookie)) return;
    }
    ProbeResult r;
    r.target = slot.target;
    r.probe = slot.probe;
    r.outcome = Outcome::icmp_error;
    r.from = sender;
    r.icmp_type = msg->type;
    r.icmp_code = msg->code;
    r.next_hop_mtu = msg->mtu;
    r.ttl = ttl;
    r.detail = icmp_meaning(ch.v6, msg->type, msg->code);
    r.rtt = std::chrono::nanoseconds(std::max<int64_t>(received - slot.sent_real, 0));
    resolve(slot, std::move(r));
}

void Engine::Impl::read_error_queue(EchoChannel& ch) {
    int fd = ch.icmp.socket.get();
    ErrorQueueMessage m;
    for (int i = 0; i < 4096; ++i) {
        ssize_t n = m.read(fd);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;
        }
        Ancillary a = read_ancillary(m.header);
        if (a.error == nullptr) continue;
        if (a.error->ee_origin != SO_EE_ORIGIN_ICMP && a.error->ee_origin != SO_EE_ORIGIN_ICMP6) continue;
        // The data is our echo request as the router quoted it; the name is where it was going.
        auto quoted = packet::parse_icmp(ch.v6, std::span<const uint8_t>(m.data, static_cast<std::size_t>(n)));
        if (!quoted) continue;
        if (quoted->type != (ch.v6 ? packet::icmp6_echo_request : packet::icmp_echo_request)) continue;
        Slot& slot = ch.slots[quoted->sequence];
        if (slot.state != SlotState::in_flight) continue;
        const net::Address& to = targets[slot.target];
        if (net::Address::from_sockaddr(reinterpret_cast<const sockaddr*>(&m.name)) != to) continue;
        std::size_t n_cookie = std::min<std::size_t>(options.payload, 8);
        if (quoted->body.size() >= n_cookie) {
            uint64_t cookie = packet::probe_cookie(key, to, slot.target, slot.probe, quoted->sequence);
            if (!packet::cookie_prefix_matches(quoted->body.first(n_cookie), cookie)) continue;
        }
        int64_t received = a.stamp_real != 0 ? a.stamp_real : realtime_ns();
        ProbeResult r;
        r.target = slot.target;
        r.probe = slot.probe;
        r.outcome = Outcome::icmp_error;
        r.from = a.has_offender ? a.offender : to;
        r.icmp_type = a.error->ee_type;
        r.icmp_code = a.error->ee_code;
        bool frag_needed = ch.v6 ? r.icmp_type == packet::icmp6_packet_too_big
                                 : (r.icmp_type == packet::icmp_dest_unreachable && r.icmp_code == 4);
        if (frag_needed) r.next_hop_mtu = a.error->ee_info;
        r.detail = icmp_meaning(ch.v6, r.icmp_type, r.icmp_code);
        r.rtt = std::chrono::nanoseconds(std::max<int64_t>(received - slot.sent_real, 0));
        resolve(slot, std::move(r));
    }
}

int64_t Engine::Impl::next_wake(int64_t now) const {
    int64_t wake = now + 100'000'000;  // look at the stop flag at least ten times a second
    if (!expiries.empty()) wake = std::min(wake, expiries.front().deadline);
    bool work = next_initial < targets.size() || (!due.empty() && due.front().at <= now);
    if (work) {
        if (retry_at > now) wake = std::min(wake, retry_at);
        else if (tokens < 1)
            wake = std::min(wake, now + static_cast<int64_t>(std::ceil((wake_tokens - tokens) * 1e9 / rate)));
        // Otherwise blocked on sequence numbers or connect slots: an answer or an expiry frees one.
    } else if (!due.empty()) {
        wake = std::min(wake, due.front().at);
    }
    return std::max(wake, now);
}

int Engine::Impl::wait_events(int64_t wake, epoll_event* events, int max_events) {
    int64_t wait = wake - monotonic_ns();
    int n;
    if (wait <= 0) {
        n = epoll_wait(epoll.get(), events, max_events, 0);
    } else {
        timespec ts{static_cast<time_t>(wait / 1'000'000'000), static_cast<long>(wait % 1'000'000'000)};
        n = epoll_pwait2(epoll.get(), events, max_events, &ts, nullptr);
        if (n < 0 && errno == ENOSYS)  // kernels before 5.11: millisecond resolution
            n = epoll_wait(epoll.get(), events, max_events, static_cast<int>((wait + 999'999) / 1'000'000));
    }
    woke_real = realtime_ns();
    return n;
}

Result<void> Engine::Impl::run(std::span<const net::Address> t, const std::function<void(const ProbeResult&)>& s,
                               const std::atomic<bool>* stop) {
    targets = t;
    sink = &s;
    reset_run();
    if (targets.size() > UINT32_MAX)
        return unknown_error(fmt::format("{} targets are too many for one run: split the list (at most {})",
                                         targets.size(), UINT32_MAX));
    if (options.method == Method::icmp_echo) {
        for (const auto& a : targets) {
            if (a.is_v4() && !v4.present())
                return unknown_error(fmt::format("{} is IPv4 but no ICMP socket was opened for IPv4", a.to_string()));
            if (!a.is_v4() && !v6.present())
                return unknown_error(fmt::format("{} is IPv6 but no ICMPv6 socket was opened", a.to_string()));
        }
    }
    unresolved = uint64_t{targets.size()} * static_cast<uint64_t>(options.count);

    epoll_event events[64];
    while (unresolved > 0) {
        if (stop != nullptr && stop->load()) break;
        int64_t now = monotonic_ns();
        expire(now);

        // Send whatever is due and allowed by the budget.
        refill(now);
        if (retry_at <= now) {
            uint32_t target = 0, probe = 0;
            while (tokens >= 1 && next_probe(now, target, probe)) {
                Sent sent = options.method == Method::icmp_echo ? send_echo(target, probe, now)
                                                                : send_tcp(target, probe, now);
                if (sent == Sent::blocked) break;
                if (sent == Sent::retry_later) {
                    // Send buffer full: try this same probe again shortly, never drop it.
                    retry_at = now + 1'000'000;
                    break;
                }
                take_probe();
                tokens -= 1;
                schedule_next(target, probe, now);
                if (!fatal.empty()) return unknown_error(fatal);
            }
        }
        if (unresolved == 0) break;

        int n = wait_events(next_wake(now), events, 64);
        if (n < 0) {
            if (errno == EINTR) continue;
            return unknown_error(fmt::format("the probe event loop failed: {}", errno_text(errno)));
        }
        for (int i = 0; i < n; ++i) {
            uint64_t tag = events[i].data.u64;
            if (tag & tag_tcp) {
                handle_tcp(static_cast<int>(tag & 0xffffffff), static_cast<uint32_t>((tag >> 32) & 0x7fffffff));
                continue;
            }
            EchoChannel& ch = tag == tag_icmp_v6 ? v6 : v4;
            if (events[i].events & EPOLLERR) {
                if (ch.raw()) {
                    int err = 0;
                    socklen_t el = sizeof err;
                    getsockopt(ch.icmp.socket.get(), SOL_SOCKET, SO_ERROR, &err, &el);  // clears it
                } else {
                    read_error_queue(ch);
                }
            }
            if (events[i].events & EPOLLIN) read_echo(ch);
            if (!fatal.empty()) return unknown_error(fatal);
        }
    }
    return {};
}

}  // namespace nockit::probe
