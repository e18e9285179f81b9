// Probe packets: echo requests, ICMP/ICMPv6 messages, quoted datagrams, and the payload cookie.
#include "probe/packet.hpp"

#include <netinet/in.h>
#include <sys/random.h>

#include <cstring>
#include <ctime>

namespace nockit::probe::packet {

namespace {

uint16_t read16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }
uint32_t read32(const uint8_t* p) {
    return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}
void write16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v >> 8);
    p[1] = static_cast<uint8_t>(v);
}

net::Address v4_at(const uint8_t* p) { return net::Address::v4(read32(p)); }
net::Address v6_at(const uint8_t* p) {
    std::array<uint8_t, 16> b{};
    std::memcpy(b.data(), p, 16);
    return net::Address::v6(b);
}

}  // namespace

uint16_t internet_checksum(std::span<const uint8_t> data, uint32_t partial) {
    uint64_t sum = partial;
    std::size_t i = 0;
    for (; i + 1 < data.size(); i += 2) sum += read16(data.data() + i);
    if (i < data.size()) sum += uint32_t{data[i]} << 8;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return static_cast<uint16_t>(~sum & 0xffff);
}

std::size_t build_echo_request(bool v6, uint16_t identifier, uint16_t sequence, std::span<const uint8_t> payload,
                               std::span<uint8_t> out) {
    std::size_t total = icmp_header_size + payload.size();
    if (out.size() < total) return 0;
    uint8_t* p = out.data();
    p[0] = v6 ? icmp6_echo_request : icmp_echo_request;
    p[1] = 0;
    write16(p + 2, 0);
    write16(p + 4, identifier);
    write16(p + 6, sequence);
    if (!payload.empty()) std::memcpy(p + icmp_header_size, payload.data(), payload.size());
    if (!v6) write16(p + 2, internet_checksum(out.first(total)));
    return total;
}

std::optional<Ipv4Header> parse_ipv4_header(std::span<const uint8_t> bytes) {
    if (bytes.size() < ipv4_min_header_size) return std::nullopt;
    const uint8_t* p = bytes.data();
    if ((p[0] >> 4) != 4) return std::nullopt;
    std::size_t ihl = std::size_t{p[0] & 0x0fu} * 4;
    if (ihl < ipv4_min_header_size || ihl > bytes.size()) return std::nullopt;
    Ipv4Header h;
    h.header_length = ihl;
    h.total_length = read16(p + 2);
    h.identification = read16(p + 4);
    h.ttl = p[8];
    h.protocol = p[9];
    h.source = v4_at(p + 12);
    h.destination = v4_at(p + 16);
    return h;
}

std::optional<QuotedDatagram> parse_quoted(bool v6, std::span<const uint8_t> quote) {
    QuotedDatagram q;
    std::size_t header = 0;
    if (!v6) {
        auto ip = parse_ipv4_header(quote);
        if (!ip) return std::nullopt;
        q.source = ip->source;
        q.destination = ip->destination;
        q.protocol = ip->protocol;
        q.ttl = ip->ttl;
        q.identification = ip->identification;
        header = ip->header_length;
    } else {
        if (quote.size() < ipv6_header_size || (quote[0] >> 4) != 6) return std::nullopt;
        const uint8_t* p = quote.data();
        q.flow_label = read32(p) & 0xfffffu;
        q.protocol = p[6];
        q.ttl = p[7];
        q.source = v6_at(p + 8);
        q.destination = v6_at(p + 24);
        header = ipv6_header_size;
        // Extension headers are not followed: probes are sent without them, so a quote with one is not ours.
    }
    // RFC 792 promises the IP header and 8 bytes of what followed; without them nothing can be matched.
    if (quote.size() < header + 8) return std::nullopt;
    q.transport = quote.subspan(header);
    const uint8_t* t = q.transport.data();
    if ((!v6 && q.protocol == IPPROTO_ICMP) || (v6 && q.protocol == IPPROTO_ICMPV6)) {
        q.echo_type = t[0];
        q.echo_identifier = read16(t + 4);
        q.echo_sequence = read16(t + 6);
    } else if (q.protocol == IPPROTO_UDP || q.protocol == IPPROTO_TCP) {
        q.source_port = read16(t);
        q.destination_port = read16(t + 2);
    }
    return q;
}

bool IcmpMessage::is_error(bool v6) const {
    if (v6) return type < 128;  // RFC 4443: types 0-127 are errors
    // Redirects and source quench also quote a datagram, but they say nothing about the probe's fate.
    return type == icmp_dest_unreachable || type == icmp_time_exceeded || type == icmp_parameter_problem;
}

std::optional<IcmpMessage> parse_icmp(bool v6, std::span<const uint8_t> message) {
    if (message.size() < icmp_header_size) return std::nullopt;
    const uint8_t* p = message.data();
    IcmpMessage m;
    m.type = p[0];
    m.code = p[1];
    m.checksum = read16(p + 2);
    m.identifier = read16(p + 4);
    m.sequence = read16(p + 6);
    m.body = message.subspan(icmp_header_size);
    if (!v6 && m.type == icmp_dest_unreachable && m.code == 4) m.mtu = read16(p + 6);  // RFC 1191
    if (v6 && m.type == icmp6_packet_too_big) m.mtu = read32(p + 4);
    if (m.is_error(v6)) m.quoted = parse_quoted(v6, m.body);
    return m;
}

CookieKey random_cookie_key() {
    CookieKey key;
    uint64_t words[2] = {0, 0};
    if (getrandom(words, sizeof words, 0) != static_cast<ssize_t>(sizeof words)) {
        // getrandom cannot fail for 16 bytes once the pool is ready; fall back to the clock to stay unique.
        timespec ts{};
        clock_gettime(CLOCK_REALTIME, &ts);
        words[0] = static_cast<uint64_t>(ts.tv_nsec) * 0x9e3779b97f4a7c15ull;
        words[1] = static_cast<uint64_t>(ts.tv_sec) ^ reinterpret_cast<uintptr_t>(&key);
    }
    key.k0 = words[0];
    key.k1 = words[1];
    return key;
}

namespace {

// SipHash-2-4 (Aumasson and Bernstein): a keyed hash made for short inputs such as this one.
uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct SipState {
    uint64_t v0, v1, v2, v3;
    void round() {
        v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
        v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
        v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
        v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
    }
    void absorb(uint64_t m) {
        v3 ^= m;
        round();
        round();
        v0 ^= m;
    }
};

uint64_t load_le(const uint8_t* p, std::size_t n) {
    uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v |= uint64_t{p[i]} << (8 * i);
    return v;
}

uint64_t siphash24(const CookieKey& key, std::span<const uint8_t> in) {
    SipState s{key.k0 ^ 0x736f6d6570736575ull, key.k1 ^ 0x646f72616e646f6dull, key.k0 ^ 0x6c7967656e657261ull,
               key.k1 ^ 0x7465646279746573ull};
    std::size_t full = in.size() / 8 * 8;
    for (std::size_t i = 0; i < full; i += 8) s.absorb(load_le(in.data() + i, 8));
    uint64_t last = (uint64_t{in.size()} & 0xff) << 56;
    last |= load_le(in.data() + full, in.size() - full);
    s.absorb(last);
    s.v2 ^= 0xff;
    for (int i = 0; i < 4; ++i) s.round();
    return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

}  // namespace

uint64_t probe_cookie(const CookieKey& key, const net::Address& destination, uint32_t target, uint32_t probe,
                      uint16_t sequence) {
    uint8_t in[28] = {};
    std::memcpy(in, destination.data(), destination.size());
    for (int i = 0; i < 4; ++i) {
        in[16 + i] = static_cast<uint8_t>(target >> (8 * i));
        in[20 + i] = static_cast<uint8_t>(probe >> (8 * i));
    }
    in[24] = static_cast<uint8_t>(sequence);
    in[25] = static_cast<uint8_t>(sequence >> 8);
    in[26] = destination.is_v4() ? 4 : 6;
    return siphash24(key, in);
}

void fill_payload(std::span<uint8_t> payload, uint64_t cookie) {
    std::size_t n = std::min<std::size_t>(payload.size(), 8);
    for (std::size_t i = 0; i < n; ++i) payload[i] = static_cast<uint8_t>(cookie >> (8 * i));
    // The rest is the classic ping pattern (0x08, 0x09, ...), recognisable in a packet capture.
    for (std::size_t i = n; i < payload.size(); ++i) payload[i] = static_cast<uint8_t>(i);
}

bool payload_matches(std::span<const uint8_t> payload, std::size_t expected_size, uint64_t cookie) {
    if (payload.size() != expected_size) return false;
    std::size_t n = std::min<std::size_t>(payload.size(), 8);
    for (std::size_t i = 0; i < n; ++i)
        if (payload[i] != static_cast<uint8_t>(cookie >> (8 * i))) return false;
    return true;
}

}  // namespace nockit::probe::packet
