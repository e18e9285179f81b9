// Opening the sockets that need privilege (raw ICMP) or a sysctl (ICMP datagram sockets), in one place.
// The system calls go through SocketCalls so tests can make them fail.
#pragma once

#include "core/result.hpp"

#include <string>

namespace nockit::probe {

/// An owned file descriptor, closed on destruction.
class Socket {
public:
    Socket() = default;
    explicit Socket(int fd) : fd_(fd) {}
    ~Socket() { reset(); }
    Socket(Socket&& other) noexcept : fd_(other.release()) {}
    Socket& operator=(Socket&& other) noexcept {
        if (this != &other) {
            reset();
            fd_ = other.release();
        }
        return *this;
    }
    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;

    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }
    int release() {
        int fd = fd_;
        fd_ = -1;
        return fd;
    }
    void reset(int fd = -1);

private:
    int fd_ = -1;
};

/// The system calls used to open sockets; tests substitute ones that fail.
struct SocketCalls {
    int (*socket)(int domain, int type, int protocol);
};
/// The real socket(2).
const SocketCalls& system_socket_calls();

/// How ICMP is sent: a raw socket sees every ICMP packet on the host and chooses its own identifier;
/// a datagram ("ping") socket is unprivileged, sees only its own replies, and the kernel picks the
/// identifier; its ICMP errors arrive on the socket error queue.
enum class IcmpMode { raw, datagram };

struct IcmpSocket {
    Socket socket;
    IcmpMode mode = IcmpMode::raw;
};

/// Opens a non-blocking ICMP (AF_INET) or ICMPv6 (AF_INET6) socket: raw when permitted, else a
/// datagram socket; else an error naming the fixes (setcap cap_net_raw+ep, the
/// net.ipv4.ping_group_range sysctl, or --tcp PORT).
Result<IcmpSocket> open_icmp_socket(int family, const SocketCalls& calls = system_socket_calls());

/// The one-line message shown when ICMP cannot be sent at all.
std::string icmp_not_permitted_message();

/// Opens a non-blocking raw socket for path measurements: `protocol` IPPROTO_ICMP/ICMPV6 (answers
/// from every router, and echo probes), IPPROTO_UDP or IPPROTO_TCP (probes with a per-probe TTL and
/// flow-stable headers; TCP also reads the SYN-ACK or reset). Raw only: no unprivileged socket can
/// read what routers answer to UDP and TCP probes. Fails with one line naming the fix.
Result<Socket> open_raw_socket(int family, int protocol, const SocketCalls& calls = system_socket_calls());

/// The one-line message shown when raw sockets are not permitted.
std::string raw_not_permitted_message();

}  // namespace nockit::probe
