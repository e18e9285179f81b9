// The only place that asks for privilege: raw ICMP sockets, falling back to unprivileged ICMP
// datagram sockets, with one message naming every fix when neither is allowed.
#include "probe/sockets.hpp"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace nockit::probe {

void Socket::reset(int fd) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
}

namespace {
int real_socket(int domain, int type, int protocol) { return ::socket(domain, type, protocol); }
}  // namespace

const SocketCalls& system_socket_calls() {
    static const SocketCalls calls{&real_socket};
    return calls;
}

namespace {
std::string self_path(const char* fallback) {
    std::string self = fallback;
    char path[4096];
    ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
    if (n > 0) self.assign(path, static_cast<std::size_t>(n));
    return self;
}
}  // namespace

std::string icmp_not_permitted_message() {
    std::string self = self_path("noc-ping");
    return fmt::format(
        "cannot send ICMP: raw sockets need root or CAP_NET_RAW (sudo setcap cap_net_raw+ep {}), or allow "
        "unprivileged ICMP (sudo sysctl -w net.ipv4.ping_group_range=\"0 2147483647\"), or probe a TCP port "
        "with --tcp PORT",
        self);
}

Result<IcmpSocket> open_icmp_socket(int family, const SocketCalls& calls) {
    int protocol = family == AF_INET6 ? static_cast<int>(IPPROTO_ICMPV6) : static_cast<int>(IPPROTO_ICMP);
    int fd = calls.socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    if (fd >= 0) return IcmpSocket{Socket(fd), IcmpMode::raw};
    int raw_errno = errno;
    if (raw_errno != EPERM && raw_errno != EACCES) {
        if (raw_errno == EAFNOSUPPORT)
            return unknown_error(fmt::format("cannot send {}: this system has no {} support; drop -{} or use the other family",
                                             family == AF_INET6 ? "ICMPv6" : "ICMP", family == AF_INET6 ? "IPv6" : "IPv4",
                                             family == AF_INET6 ? 6 : 4));
        return unknown_error(fmt::format("cannot open an ICMP socket: {}; close other programs or raise the open-files limit (ulimit -n)",
                                         std::strerror(raw_errno)));
    }
    // Not allowed a raw socket: the kernel's "ping" sockets need only membership of ping_group_range
    // (the one sysctl governs IPv4 and IPv6 alike).
    fd = calls.socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    if (fd >= 0) return IcmpSocket{Socket(fd), IcmpMode::datagram};
    return unknown_error(icmp_not_permitted_message());
}

std::string raw_not_permitted_message() {
    return fmt::format("cannot open raw sockets: tracing a path needs root or CAP_NET_RAW; run it with sudo, or "
                       "allow it once with: sudo setcap cap_net_raw+ep {}",
                       self_path("noc-trace"));
}

Result<Socket> open_raw_socket(int family, int protocol, const SocketCalls& calls) {
    int fd = calls.socket(family, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    if (fd >= 0) return Socket(fd);
    int e = errno;
    if (e == EPERM || e == EACCES) return unknown_error(raw_not_permitted_message());
    if (e == EAFNOSUPPORT)
        return unknown_error(fmt::format("cannot trace over {}: this system has no {} support; use -{}",
                                         family == AF_INET6 ? "IPv6" : "IPv4", family == AF_INET6 ? "IPv6" : "IPv4",
                                         family == AF_INET6 ? 4 : 6));
    return unknown_error(fmt::format("cannot open a raw socket: {}; close other programs or raise the open-files limit (ulimit -n)",
                                     std::strerror(e)));
}

}  // namespace nockit::probe
