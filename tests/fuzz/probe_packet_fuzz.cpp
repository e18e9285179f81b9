// Fuzz target: the probe engine's packet parsers, fed what raw sockets hand them from anyone on the
// network: ICMP and ICMPv6 messages with quoted datagrams and RFC 4884 extensions (MPLS label
// stacks), IPv4 headers, and TCP answers. The first input byte picks IPv4 or IPv6.
#include "probe/packet.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

namespace {

using namespace nockit::probe::packet;

// A span the parser returned must lie inside the bytes it was given.
void inside(std::span<const uint8_t> part, std::span<const uint8_t> whole) {
    if (part.empty()) return;
    if (part.data() < whole.data() || part.data() + part.size() > whole.data() + whole.size()) std::abort();
}

void check_message(bool v6, std::span<const uint8_t> bytes) {
    auto m = parse_icmp(v6, bytes);
    if (!m) {
        if (bytes.size() >= icmp_header_size) std::abort();  // any 8 bytes are a message
        return;
    }
    inside(m->body, bytes);
    if (m->quoted) {
        inside(m->quoted->transport, bytes);
        if (m->quoted->transport.size() < 8) std::abort();  // parse_quoted promises 8 transport bytes
        (void)probe_cookie_matches(ProbeKind::udp, m->quoted->transport, 0x0123456789abcdefull);
        (void)probe_cookie_matches(ProbeKind::icmp_echo, m->quoted->transport, 0x0123456789abcdefull);
    }
    if (!m->has_extensions && !m->mpls.empty()) std::abort();
    if (m->mpls.size() > 64) std::abort();
    for (const auto& e : m->mpls)
        if (e.label > 0xfffff || e.traffic_class > 7) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1) return 0;
    const bool v6 = (data[0] & 1) != 0;
    const std::span<const uint8_t> bytes(data + 1, size - 1);

    // As a raw IPv4 socket delivers it (IP header first), and as the ICMP message alone.
    if (!v6)
        if (auto ip = parse_ipv4_header(bytes)) {
            if (ip->header_length < ipv4_min_header_size || ip->header_length > bytes.size()) std::abort();
            check_message(false, bytes.subspan(ip->header_length));
        }
    check_message(v6, bytes);

    std::vector<MplsEntry> mpls;
    if (!parse_extensions(v6, bytes, mpls) && !mpls.empty()) std::abort();
    if (auto q = parse_quoted(v6, bytes)) inside(q->transport, bytes);
    if (auto t = parse_tcp(bytes); t && bytes.size() < 20) std::abort();
    return 0;
}
