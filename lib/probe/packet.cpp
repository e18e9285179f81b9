// Probe packets: echo requests, ICMP/ICMPv6 messages, quoted datagrams, and the payload cookie.
#include "probe/packet.hpp"

#include <netinet/in.h>
#include <sys/random.h>

#include <algorithm>
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

// RFC 4884: the length of the quoted original datagram, in 32-bit words (ICMP) or 64-bit words (ICMPv6),
// for the message types that can carry extensions; npos_words for the others.
constexpr std::size_t npos_words = static_cast<std::size_t>(-1);
constexpr std::size_t legacy_quote_size = 128;
constexpr std::size_t max_mpls_entries = 64;

std::size_t extension_length_words(bool v6, uint8_t type, std::span<const uint8_t> message) {
    if (message.size() < icmp_header_size) return npos_words;
    if (v6) {
        if (type != icmp6_dest_unreachable && type != icmp6_time_exceeded) return npos_words;
        return message[4];
    }
    if (type != icmp_dest_unreachable && type != icmp_time_exceeded && type != icmp_parameter_problem) return npos_words;
    return message[5];
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
        q.checksum = read16(t + 2);
        q.echo_identifier = read16(t + 4);
        q.echo_sequence = read16(t + 6);
    } else if (q.protocol == IPPROTO_UDP || q.protocol == IPPROTO_TCP) {
        q.source_port = read16(t);
        q.destination_port = read16(t + 2);
        if (q.protocol == IPPROTO_UDP) {
            q.udp_length = read16(t + 4);
            q.checksum = read16(t + 6);
        } else {
            q.tcp_sequence = read32(t + 4);
        }
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
    if (m.is_error(v6)) {
        m.has_extensions = parse_extensions(v6, message, m.mpls);
        // With extensions present, the quote ends where RFC 4884's length field says.
        std::size_t words = extension_length_words(v6, m.type, message);
        std::span<const uint8_t> quote = m.body;
        if (m.has_extensions && words > 0) quote = quote.first(std::min(quote.size(), words * (v6 ? 8u : 4u)));
        m.quoted = parse_quoted(v6, quote);
    }
    return m;
}

bool parse_extensions(bool v6, std::span<const uint8_t> message, std::vector<MplsEntry>& mpls) {
    mpls.clear();
    if (message.size() < icmp_header_size) return false;
    std::size_t words = extension_length_words(v6, message[0], message);
    if (words == npos_words) return false;  // a message type that carries no extensions
    std::size_t start = 0;
    bool legacy = false;
    if (words > 0) {
        start = icmp_header_size + words * (v6 ? 8 : 4);
    } else {
        // Routers that predate RFC 4884 (RFC 4950's first implementations) put the extensions after a
        // quote of exactly 128 bytes and leave the length 0; only a verified structure counts there.
        start = icmp_header_size + legacy_quote_size;
        legacy = true;
    }
    if (start + 4 > message.size()) return false;
    auto ext = message.subspan(start);
    if ((ext[0] >> 4) != 2) return false;  // version 2
    uint16_t sum = read16(ext.data() + 2);
    bool verifies = internet_checksum(ext) == 0;
    if (legacy ? !verifies : (sum != 0 && !verifies)) return false;

    std::size_t at = 4;
    while (at + 4 <= ext.size()) {
        std::size_t length = read16(ext.data() + at);
        uint8_t class_num = ext[at + 2], c_type = ext[at + 3];
        if (length < 4 || at + length > ext.size()) break;  // malformed: keep what was read
        if (class_num == 1 && c_type == 1) {  // MPLS label stack, incoming (RFC 4950)
            for (std::size_t e = at + 4; e + 4 <= at + length && mpls.size() < max_mpls_entries; e += 4) {
                uint32_t v = read32(ext.data() + e);
                mpls.push_back(MplsEntry{v >> 12, static_cast<uint8_t>((v >> 9) & 7), ((v >> 8) & 1) != 0,
                                         static_cast<uint8_t>(v & 0xff)});
            }
        }
        at += length;
    }
    return true;
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

bool cookie_prefix_matches(std::span<const uint8_t> bytes, uint64_t cookie) {
    const std::size_t n = std::min<std::size_t>(bytes.size(), 8);
    for (std::size_t i = 0; i < n; ++i)
        if (bytes[i] != static_cast<uint8_t>(cookie >> (8 * i))) return false;
    return true;
}

bool payload_matches(std::span<const uint8_t> payload, std::size_t expected_size, uint64_t cookie) {
    return payload.size() == expected_size && cookie_prefix_matches(payload, cookie);
}

uint32_t pseudo_header_sum(const net::Address& source, const net::Address& destination, uint8_t protocol,
                           uint32_t length) {
    uint32_t sum = 0;
    auto add = [&](const net::Address& a) {
        for (std::size_t i = 0; i + 1 < a.size(); i += 2) sum += read16(a.data() + i);
    };
    add(source);
    add(destination);
    sum += protocol;
    sum += length >> 16;
    sum += length & 0xffff;
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return sum;
}

namespace {

void write32(uint8_t* p, uint32_t v) {
    write16(p, static_cast<uint16_t>(v >> 16));
    write16(p + 2, static_cast<uint16_t>(v));
}

// The two payload bytes that make a message whose checksum field already holds `wanted` verify:
// the one's-complement sum over pseudo-header and message must come to 0xffff.
void balance(std::span<uint8_t> message, std::size_t at, uint32_t pseudo) {
    write16(message.data() + at, 0);
    write16(message.data() + at, internet_checksum(message, pseudo));
}

void write_cookie(uint8_t* p, uint64_t cookie) {
    for (int i = 0; i < 8; ++i) p[i] = static_cast<uint8_t>(cookie >> (8 * i));
}

}  // namespace

std::size_t probe_min_length(ProbeKind kind) {
    switch (kind) {
        case ProbeKind::icmp_echo: return icmp_header_size + 10;
        case ProbeKind::udp: return udp_header_size + 10;
        case ProbeKind::tcp_syn: return tcp_syn_size;
    }
    return tcp_syn_size;
}

std::size_t probe_cookie_offset(ProbeKind kind) {
    // ICMP: cookie right after the header, then the balancing bytes; UDP: balancing bytes first, so
    // a router quoting 8 payload bytes still shows most of the cookie.
    return kind == ProbeKind::udp ? udp_header_size + 2 : icmp_header_size;
}

bool probe_cookie_matches(ProbeKind kind, std::span<const uint8_t> transport, uint64_t cookie) {
    if (kind == ProbeKind::tcp_syn) return true;
    const std::size_t at = probe_cookie_offset(kind);
    return at >= transport.size() || cookie_prefix_matches(transport.subspan(at), cookie);
}

std::size_t build_probe(const ProbeSpec& s, std::span<uint8_t> out) {
    std::size_t length = s.kind == ProbeKind::tcp_syn ? tcp_syn_size : s.length;
    if (length < probe_min_length(s.kind) || out.size() < length || length > 0xffff) return 0;
    auto message = out.first(length);
    uint8_t* p = message.data();
    std::fill(message.begin(), message.end(), uint8_t{0});
    const bool v6 = !s.destination.is_v4();
    switch (s.kind) {
        case ProbeKind::icmp_echo: {
            p[0] = v6 ? icmp6_echo_request : icmp_echo_request;
            write16(p + 4, s.identifier);
            write16(p + 6, s.sequence);
            write_cookie(p + icmp_header_size, s.cookie);
            for (std::size_t i = icmp_header_size + 10; i < length; ++i) p[i] = static_cast<uint8_t>(i);
            write16(p + 2, s.checksum);
            // ICMP has no pseudo-header; ICMPv6 does (and the kernel computes it: it arrives at ours).
            uint32_t pseudo = v6 ? pseudo_header_sum(s.source, s.destination, IPPROTO_ICMPV6, static_cast<uint32_t>(length)) : 0;
            balance(message, icmp_header_size + 8, pseudo);
            return length;
        }
        case ProbeKind::udp: {
            write16(p, s.source_port);
            write16(p + 2, s.destination_port);
            write16(p + 4, static_cast<uint16_t>(length));
            write_cookie(p + udp_header_size + 2, s.cookie);
            for (std::size_t i = udp_header_size + 10; i < length; ++i) p[i] = static_cast<uint8_t>(i);
            write16(p + 6, s.checksum == 0 ? 0xffff : s.checksum);
            balance(message, udp_header_size, pseudo_header_sum(s.source, s.destination, IPPROTO_UDP, static_cast<uint32_t>(length)));
            return length;
        }
        case ProbeKind::tcp_syn: {
            write16(p, s.source_port);
            write16(p + 2, s.destination_port);
            write32(p + 4, s.tcp_sequence);
            p[12] = static_cast<uint8_t>((tcp_syn_size / 4) << 4);
            p[13] = tcp_flag_syn;
            write16(p + 14, 64240);  // the window a Linux SYN offers
            p[20] = 2;               // MSS option
            p[21] = 4;
            write16(p + 22, v6 ? 1440 : 1460);
            uint32_t pseudo = pseudo_header_sum(s.source, s.destination, IPPROTO_TCP, static_cast<uint32_t>(length));
            write16(p + 16, internet_checksum(message, pseudo));
            return length;
        }
    }
    return 0;
}

std::optional<TcpSegment> parse_tcp(std::span<const uint8_t> bytes) {
    if (bytes.size() < 20) return std::nullopt;
    const uint8_t* p = bytes.data();
    std::size_t offset = static_cast<std::size_t>(p[12] >> 4) * 4;
    if (offset < 20 || offset > bytes.size()) return std::nullopt;
    TcpSegment t;
    t.source_port = read16(p);
    t.destination_port = read16(p + 2);
    t.sequence = read32(p + 4);
    t.acknowledgment = read32(p + 8);
    t.flags = p[13];
    return t;
}

}  // namespace nockit::probe::packet
