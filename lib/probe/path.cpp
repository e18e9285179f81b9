// Path measurements on the probe engine (noc-trace): raw sockets, a TTL per probe, flow-stable headers
// (Paris traceroute), and answers matched by the header a router quotes back.
#include "probe/engine.hpp"

#include "probe/engine_impl.hpp"
#include "probe/packet.hpp"
#include "probe/sockets.hpp"

#include <linux/filter.h>
#include <netinet/icmp6.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <vector>

#include <fmt/format.h>

namespace nockit::probe {

using namespace detail;

namespace {

constexpr uint16_t default_udp_port = 33434;  // traceroute's
constexpr uint16_t default_tcp_port = 80;

PathDriver::Clock::time_point clock_point(int64_t monotonic) {
    return PathDriver::Clock::time_point(std::chrono::nanoseconds(monotonic));
}
int64_t to_ns(PathDriver::Clock::time_point t) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

uint32_t random32() {
    uint32_t v = 0;
    if (getrandom(&v, sizeof v, 0) != static_cast<ssize_t>(sizeof v))
        v = static_cast<uint32_t>(realtime_ns()) ^ static_cast<uint32_t>(getpid());
    return v;
}

// The address the kernel sends from towards `to`: connecting a UDP socket sends nothing, but picks it.
Result<net::Address> source_towards(const net::Address& to) {
    Socket s(::socket(to.family(), SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!s.valid()) return unknown_error(fmt::format("cannot open a socket: {}", errno_text(errno)));
    sockaddr_storage ss{};
    socklen_t len = to.to_sockaddr(ss, default_udp_port);
    if (::connect(s.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0)
        return unknown_error(fmt::format("cannot trace {}: {} from this machine; check its routes (ip route get {})",
                                         to.to_string(), errno_text(errno), to.to_string()));
    sockaddr_storage local{};
    socklen_t ll = sizeof local;
    if (::getsockname(s.get(), reinterpret_cast<sockaddr*>(&local), &ll) != 0)
        return unknown_error(fmt::format("cannot find the source address towards {}: {}", to.to_string(), errno_text(errno)));
    return net::Address::from_sockaddr(reinterpret_cast<const sockaddr*>(&local));
}

bool bind_to(int fd, const net::Address& address, uint16_t port = 0) {
    sockaddr_storage ss{};
    socklen_t len = address.to_sockaddr(ss, port);
    return ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0;
}

// A raw socket that only sends: a filter that accepts nothing keeps every other program's UDP
// datagrams from piling up in its receive queue.
void refuse_all_input(int fd) {
    sock_filter drop{BPF_RET | BPF_K, 0, 0, 0};
    sock_fprog program{1, &drop};
    setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program);
}

// The raw TCP socket is handed a copy of every TCP segment to this host: only those from the probed
// port wake the loop. IPv4 raw sockets see the IP header first; IPv6 ones start at the TCP header.
void accept_from_port(int fd, bool v6, uint16_t port) {
    std::vector<sock_filter> code;
    if (!v6) code.push_back(sock_filter{BPF_LDX | BPF_B | BPF_MSH, 0, 0, 0});  // x = IPv4 header length
    code.push_back(sock_filter{static_cast<uint16_t>(BPF_LD | BPF_H | (v6 ? BPF_ABS : BPF_IND)), 0, 0, 0});  // source port
    code.push_back(sock_filter{BPF_JMP | BPF_JEQ | BPF_K, 0, 1, port});
    code.push_back(sock_filter{BPF_RET | BPF_K, 0, 0, 0xffffffffu});
    code.push_back(sock_filter{BPF_RET | BPF_K, 0, 0, 0});
    sock_fprog program{static_cast<unsigned short>(code.size()), code.data()};
    setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program);
}

// Every path probe leaves with "don't fragment" and at the interface MTU, whatever the kernel has
// learnt about the path: --mtu needs to see each hop's own answer to large probes.
void set_probe_fragmentation(int fd, bool v6) {
    if (v6) {
        set_int(fd, SOL_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_PROBE);
        set_int(fd, SOL_IPV6, IPV6_DONTFRAG, 1);
    } else {
        set_int(fd, SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_PROBE);
    }
}

}  // namespace

Result<void> validate(const PathTarget& t) {
    if (t.flows < 1 || t.flows > max_path_flows)
        return unknown_error(fmt::format("{} flows is out of range: --flows takes 1 to {}", t.flows, max_path_flows));
    if (!(t.rate_pps >= 0) || t.rate_pps > 1e7)
        return unknown_error(fmt::format("rate {} is out of range: --rate takes 1 to 10000000 probes per second", t.rate_pps));
    if (t.rate_pps > 0 && t.rate_pps < 1) return unknown_error("the rate is below one probe a second: raise --rate");
    return {};
}

Result<void> Engine::Impl::open_path(const PathTarget& t) {
    auto st = std::make_unique<PathState>();
    st->target = t;
    if (st->target.port == 0)
        st->target.port = t.method == PathMethod::tcp_syn ? default_tcp_port : default_udp_port;
    st->v6 = !t.destination.is_v4();
    st->kind = t.method == PathMethod::udp       ? packet::ProbeKind::udp
               : t.method == PathMethod::tcp_syn ? packet::ProbeKind::tcp_syn
                                                 : packet::ProbeKind::icmp_echo;
    const int family = t.destination.family();
    auto source = source_towards(t.destination);
    if (!source) return source.error();
    st->source = *source;
    st->local_mtu = route_mtu(t.destination);
    if (st->local_mtu <= 0) st->local_mtu = st->v6 ? 1280 : 576;

    auto icmp = open_raw_socket(family, st->v6 ? int{IPPROTO_ICMPV6} : int{IPPROTO_ICMP});
    if (!icmp) return icmp.error();
    st->icmp = std::move(icmp.value());
    int fd = st->icmp.get();
    prepare_receive(fd);
    pass_only_probe_answers(fd, st->v6, st->kind == packet::ProbeKind::icmp_echo);
    if (!bind_to(fd, st->source))
        return unknown_error(fmt::format("cannot use source address {}: {}", st->source.to_string(), errno_text(errno)));

    if (st->kind == packet::ProbeKind::icmp_echo) {
        set_probe_fragmentation(fd, st->v6);
    } else {
        const bool tcp = st->kind == packet::ProbeKind::tcp_syn;
        auto sender = open_raw_socket(family, tcp ? int{IPPROTO_TCP} : int{IPPROTO_UDP});
        if (!sender) return sender.error();
        st->sender = std::move(sender.value());
        int sfd = st->sender.get();
        set_probe_fragmentation(sfd, st->v6);
        if (!bind_to(sfd, st->source))
            return unknown_error(fmt::format("cannot use source address {}: {}", st->source.to_string(), errno_text(errno)));
        if (tcp) {
            // The SYN-ACKs and resets come back on this socket.
            accept_from_port(sfd, st->v6, st->target.port);
            prepare_receive(sfd);
        } else {
            refuse_all_input(sfd);
        }
        // One source port per flow, held by an ordinary bound socket so that no other program gets it
        // while probes with it are out (the kernel answers SYN-ACKs to it with a reset, as it should).
        for (int f = 0; f < t.flows; ++f) {
            Socket holder(::socket(family, (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0));
            sockaddr_storage local{};
            socklen_t ll = sizeof local;
            if (!holder.valid() || !bind_to(holder.get(), st->source) ||
                ::getsockname(holder.get(), reinterpret_cast<sockaddr*>(&local), &ll) != 0)
                return unknown_error(fmt::format("cannot reserve a source port: {}; lower --flows", errno_text(errno)));
            st->ports.push_back(ntohs(local.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&local)->sin6_port
                                                                  : reinterpret_cast<sockaddr_in*>(&local)->sin_port));
            st->reserved.push_back(std::move(holder));
        }
    }
    // Random per run, so that two traces at once (or a ping) never take each other's answers.
    uint32_t r = random32();
    st->identifier = static_cast<uint16_t>(r);
    st->checksum = static_cast<uint16_t>(0x1000 + (r >> 16) % 0xd000);  // flows add up to 256: never 0 or 0xffff
    st->tcp_base = random32();

    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u64 = tag_path_icmp;
    if (epoll_ctl(epoll.get(), EPOLL_CTL_ADD, st->icmp.get(), &ev) != 0)
        return unknown_error(fmt::format("cannot watch the ICMP socket: {}", errno_text(errno)));
    if (st->kind == packet::ProbeKind::tcp_syn) {
        ev.data.u64 = tag_path_tcp;
        if (epoll_ctl(epoll.get(), EPOLL_CTL_ADD, st->sender.get(), &ev) != 0)
            return unknown_error(fmt::format("cannot watch the TCP socket: {}", errno_text(errno)));
    }
    // Receive buffers for answers to small probes (quotes included); they grow when --mtu sends
    // large ones, whose echo replies are as large.
    prepare_buffers();
    st->packet.assign(1024, 0);
    path = std::move(st);
    return {};
}

Result<std::unique_ptr<Engine>> Engine::open_path(const PathTarget& target) {
    if (auto valid = validate(target); !valid) return valid.error();
    auto impl = std::make_unique<Impl>();
    impl->rate = target.rate_pps > 0 ? target.rate_pps : default_rate_pps;
    impl->key = packet::random_cookie_key();
    impl->epoll = Socket(epoll_create1(EPOLL_CLOEXEC));
    if (!impl->epoll.valid()) return unknown_error(fmt::format("cannot create the event loop: {}", errno_text(errno)));
    if (auto r = impl->open_path(target); !r) return r.error();
    return std::unique_ptr<Engine>(new Engine(std::move(impl)));
}

Result<void> Engine::run_path(PathDriver& driver, const std::atomic<bool>* stop) { return impl_->run_path(driver, stop); }

net::Address Engine::path_source() const { return impl_->path ? impl_->path->source : net::Address{}; }

int Engine::path_local_mtu() const { return impl_->path ? impl_->path->local_mtu : 0; }

Result<void> Engine::Impl::run_path(PathDriver& driver, const std::atomic<bool>* stop) {
    if (!path) return unknown_error("the probe engine was not opened for path measurements");
    path->driver = &driver;
    ++path->run;
    path->slots.clear();
    fatal.clear();
    reset_pacing();

    epoll_event events[64];
    Result<void> result;
    for (;;) {
        if (stop != nullptr && stop->load()) break;
        int64_t now = monotonic_ns();
        auto next = driver.wake(clock_point(now));
        if (!next) break;

        refill(now);
        bool short_of_budget = false;
        if (retry_at <= now) {
            for (;;) {
                if (tokens < 1) {
                    short_of_budget = true;
                    break;
                }
                auto probe = driver.due(clock_point(now));
                if (!probe) break;
                Sent sent = send_path(*probe, now);
                if (sent == Sent::retry_later) {
                    retry_at = now + 1'000'000;  // send buffer full: the same probe again shortly
                    break;
                }
                tokens -= 1;
            }
        }
        if (!fatal.empty()) {
            result = unknown_error(fatal);
            break;
        }
        // Look at the stop flag at least ten times a second (--timeout sets it from another thread).
        int64_t wake = std::min(to_ns(*next), now + 100'000'000);
        if (short_of_budget)
            wake = std::min(wake, now + static_cast<int64_t>(std::ceil((wake_tokens - tokens) * 1e9 / rate)));
        if (retry_at > now) wake = std::min(wake, retry_at);
        int n = wait_events(wake, events, 64);
        if (n < 0) {
            if (errno == EINTR) continue;
            result = unknown_error(fmt::format("the probe event loop failed: {}", errno_text(errno)));
            break;
        }
        for (int i = 0; i < n; ++i) {
            if (events[i].data.u64 == tag_path_icmp) read_path(path->icmp.get(), false);
            else if (events[i].data.u64 == tag_path_tcp) read_path(path->sender.get(), true);
        }
        if (!fatal.empty()) {
            result = unknown_error(fatal);
            break;
        }
    }
    path->driver = nullptr;
    return result;
}

Engine::Impl::Sent Engine::Impl::send_path(const PathProbe& probe, int64_t now) {
    PathState& st = *path;
    PathAnswer failed;
    failed.id = probe.id;
    failed.outcome = Outcome::send_failed;
    failed.from = st.target.destination;
    const std::size_t ip_header = st.v6 ? packet::ipv6_header_size : packet::ipv4_min_header_size;
    const uint32_t wire = probe.id + 1;
    if (probe.id < max_path_probes && wire >= st.slots.size()) st.slots.resize(std::max<std::size_t>(wire + 1, st.slots.size() * 2));
    if (probe.id >= max_path_probes || st.slots[wire].state != SlotState::free || probe.flow < 0 ||
        probe.flow >= st.target.flows || probe.ttl < 1 || probe.ttl > 255) {
        failed.detail = "probe out of range";
        st.driver->answered(failed);
        return Sent::resolved;
    }
    std::size_t size = probe.size;
    if (size == 0) size = st.kind == packet::ProbeKind::tcp_syn ? ip_header + packet::tcp_syn_size : (st.v6 ? 80 : 60);
    std::size_t length = std::max(size > ip_header ? size - ip_header : 0, packet::probe_min_length(st.kind));
    if (length > 0xffff) {
        failed.detail = "probe too large";
        st.driver->answered(failed);
        return Sent::resolved;
    }
    if (length + 64 > st.packet.size()) st.packet.resize(length + 64);
    // Room to read the echo reply to a probe this large (the buffers' size covers an IP header).
    if (length > options.payload + packet::icmp_header_size) {
        options.payload = length;
        prepare_buffers();
    }

    const uint16_t flow = static_cast<uint16_t>(probe.flow);
    packet::ProbeSpec spec;
    spec.kind = st.kind;
    spec.source = st.source;
    spec.destination = st.target.destination;
    spec.length = length;
    spec.cookie = packet::probe_cookie(key, st.target.destination, st.cookie_context(flow), probe.id, static_cast<uint16_t>(wire));
    switch (st.kind) {
        case packet::ProbeKind::icmp_echo:
            spec.identifier = static_cast<uint16_t>(st.identifier + flow);
            spec.sequence = static_cast<uint16_t>(wire);
            spec.checksum = static_cast<uint16_t>(st.checksum + flow);
            break;
        case packet::ProbeKind::udp:
            spec.source_port = st.ports[flow];
            spec.destination_port = st.target.port;
            spec.checksum = static_cast<uint16_t>(wire);
            break;
        case packet::ProbeKind::tcp_syn:
            spec.source_port = st.ports[flow];
            spec.destination_port = st.target.port;
            spec.tcp_sequence = st.tcp_base + wire;
            break;
    }
    std::size_t built = packet::build_probe(spec, st.packet);
    if (built == 0) {
        failed.detail = "probe too large";
        st.driver->answered(failed);
        return Sent::resolved;
    }

    sockaddr_storage ss{};
    socklen_t sl = st.target.destination.to_sockaddr(ss);
    iovec iov{st.packet.data(), built};
    alignas(cmsghdr) uint8_t control[CMSG_SPACE(sizeof(int))] = {};
    msghdr mh{};
    mh.msg_name = &ss;
    mh.msg_namelen = sl;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = control;
    mh.msg_controllen = sizeof control;
    cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = st.v6 ? SOL_IPV6 : SOL_IP;
    c->cmsg_type = st.v6 ? IPV6_HOPLIMIT : IP_TTL;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    int ttl = probe.ttl;
    std::memcpy(CMSG_DATA(c), &ttl, sizeof ttl);
    int fd = st.kind == packet::ProbeKind::icmp_echo ? st.icmp.get() : st.sender.get();

    for (;;) {
        int64_t sent_real = realtime_ns();
        ssize_t n = ::sendmsg(fd, &mh, 0);
        if (n >= 0) {
            st.slots[wire] = PathSlot{sent_real, probe.id, flow, static_cast<uint16_t>(built), SlotState::in_flight};
            st.driver->sent(probe, clock_point(now));
            return Sent::ok;
        }
        int e = errno;
        if (e == EINTR) continue;
        if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS) return Sent::retry_later;
        if (e == EMSGSIZE) {
            failed.next_hop_mtu = static_cast<uint32_t>(std::max(st.local_mtu, 0));
            failed.detail = fmt::format("message too long: local MTU is {} bytes", st.local_mtu);
        } else if (e == EPERM || e == EACCES) {
            failed.detail = fmt::format("{} (a local firewall rule refuses the probe)", errno_text(e));
        } else {
            failed.detail = errno_text(e);
        }
        st.driver->answered(failed);
        return Sent::resolved;
    }
}

void Engine::Impl::read_path(int fd, bool tcp) {
    int e = receive(fd, [&](std::span<const uint8_t> bytes, const sockaddr_storage& from, msghdr& header,
                            bool truncated) {
        if (tcp)
            handle_path_tcp(bytes, from, header);
        else
            handle_path_icmp(bytes, from, header, truncated);
    });
    if (e != 0) fatal = fmt::format("cannot read answers: {}", errno_text(e));
}

void Engine::Impl::answer_path(uint16_t wire, PathAnswer answer, int64_t received_real) {
    PathSlot& slot = path->slots[wire];
    slot.state = SlotState::answered;
    answer.id = slot.id;
    int64_t rtt = received_real - slot.sent_real;
    if (rtt < 0) rtt = std::max<int64_t>(realtime_ns() - slot.sent_real, 0);  // the clock was stepped
    answer.rtt = std::chrono::nanoseconds(rtt);
    path->driver->answered(answer);
}

void Engine::Impl::handle_path_icmp(std::span<const uint8_t> bytes, const sockaddr_storage& from, msghdr& header,
                                    bool truncated) {
    PathState& st = *path;
    Ancillary anc = read_ancillary(header);
    int64_t received = anc.stamp_real != 0 ? anc.stamp_real : woke_real;
    net::Address sender = net::Address::from_sockaddr(reinterpret_cast<const sockaddr*>(&from));
    if (!st.v6) {
        auto ip = packet::parse_ipv4_header(bytes);  // raw IPv4 sockets deliver the IP header too
        if (!ip) return;
        bytes = bytes.subspan(ip->header_length);
        // Raw sockets are handed every ICMP packet unchecked; a corrupt one is nobody's answer.
        if (!truncated && packet::internet_checksum(bytes) != 0) return;
    }
    auto msg = packet::parse_icmp(st.v6, bytes);
    if (!msg) return;

    if (msg->is_echo_reply(st.v6)) {
        if (st.kind != packet::ProbeKind::icmp_echo || sender != st.target.destination) return;
        uint16_t flow = static_cast<uint16_t>(msg->identifier - st.identifier);
        if (flow >= st.target.flows || msg->sequence == 0 || msg->sequence >= st.slots.size()) return;
        PathSlot& slot = st.slots[msg->sequence];
        if (slot.state != SlotState::in_flight || slot.flow != flow) return;
        uint64_t cookie = packet::probe_cookie(key, st.target.destination, st.cookie_context(flow), slot.id, msg->sequence);
        if (truncated || bytes.size() != slot.length || !packet::probe_cookie_matches(st.kind, bytes, cookie)) return;
        PathAnswer a;
        a.outcome = Outcome::reply;
        a.from = sender;
        a.icmp_type = msg->type;
        a.icmp_code = msg->code;
        answer_path(msg->sequence, std::move(a), received);
        return;
    }

    if (!msg->is_error(st.v6) || !msg->quoted) return;
    const auto& q = *msg->quoted;
    if (q.destination != st.target.destination || q.source != st.source) return;
    uint32_t wire = 0;
    int flow = -1;
    auto flow_of_port = [&](uint16_t port) {
        auto it = std::find(st.ports.begin(), st.ports.end(), port);
        return it == st.ports.end() ? -1 : static_cast<int>(it - st.ports.begin());
    };
    switch (st.kind) {
        case packet::ProbeKind::icmp_echo: {
            if (q.echo_type != (st.v6 ? packet::icmp6_echo_request : packet::icmp_echo_request)) return;
            uint16_t f = static_cast<uint16_t>(q.echo_identifier - st.identifier);
            if (f >= st.target.flows) return;
            flow = f;
            wire = q.echo_sequence;
            break;
        }
        case packet::ProbeKind::udp:
            if (q.protocol != IPPROTO_UDP || q.destination_port != st.target.port) return;
            flow = flow_of_port(q.source_port);
            wire = q.checksum;
            break;
        case packet::ProbeKind::tcp_syn:
            if (q.protocol != IPPROTO_TCP || q.destination_port != st.target.port) return;
            flow = flow_of_port(q.source_port);
            wire = q.tcp_sequence - st.tcp_base;
            break;
    }
    if (flow < 0 || wire == 0 || wire >= st.slots.size()) return;
    PathSlot& slot = st.slots[wire];
    if (slot.state != SlotState::in_flight || slot.flow != flow) return;
    uint64_t cookie = packet::probe_cookie(key, st.target.destination, st.cookie_context(slot.flow), slot.id, static_cast<uint16_t>(wire));
    if (!packet::probe_cookie_matches(st.kind, q.transport, cookie)) return;
    if (st.kind == packet::ProbeKind::udp && q.udp_length != slot.length) return;
    PathAnswer a;
    a.outcome = Outcome::icmp_error;
    a.from = sender;
    a.icmp_type = msg->type;
    a.icmp_code = msg->code;
    a.next_hop_mtu = msg->mtu;
    a.quoted_ttl = q.ttl;
    a.mpls = msg->mpls;
    a.detail = icmp_meaning(st.v6, msg->type, msg->code);
    answer_path(static_cast<uint16_t>(wire), std::move(a), received);
}

void Engine::Impl::handle_path_tcp(std::span<const uint8_t> bytes, const sockaddr_storage& from, msghdr& header) {
    PathState& st = *path;
    Ancillary anc = read_ancillary(header);
    int64_t received = anc.stamp_real != 0 ? anc.stamp_real : woke_real;
    net::Address sender = net::Address::from_sockaddr(reinterpret_cast<const sockaddr*>(&from));
    if (!st.v6) {
        auto ip = packet::parse_ipv4_header(bytes);
        if (!ip || ip->protocol != IPPROTO_TCP) return;
        sender = ip->source;
        bytes = bytes.subspan(ip->header_length);
    }
    if (sender != st.target.destination) return;
    auto seg = packet::parse_tcp(bytes);
    if (!seg || seg->source_port != st.target.port) return;
    // The answer to a SYN acknowledges it: a SYN-ACK (listening) or a reset (closed).
    if (!(seg->flags & packet::tcp_flag_ack)) return;
    bool syn_ack = (seg->flags & packet::tcp_flag_syn) != 0;
    bool reset = (seg->flags & packet::tcp_flag_rst) != 0;
    if (!syn_ack && !reset) return;
    auto it = std::find(st.ports.begin(), st.ports.end(), seg->destination_port);
    if (it == st.ports.end()) return;
    int flow = static_cast<int>(it - st.ports.begin());
    uint32_t wire = seg->acknowledgment - 1 - st.tcp_base;
    if (wire == 0 || wire >= st.slots.size()) return;
    PathSlot& slot = st.slots[wire];
    if (slot.state != SlotState::in_flight || slot.flow != flow) return;
    PathAnswer a;
    a.outcome = reset ? Outcome::refused : Outcome::reply;
    a.from = sender;
    answer_path(static_cast<uint16_t>(wire), std::move(a), received);
}

}  // namespace nockit::probe
