// Path probes (noc-trace): flow-stable ICMP echo, UDP and TCP SYN probes, what routers quote of them,
// the answers to SYNs, and ICMP extensions with MPLS label stacks (RFC 4884, RFC 4950).
#include "probe/packet.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>

#include <vector>

using namespace nockit::probe::packet;
using nockit::net::Address;

namespace {

const Address kSource = *Address::parse("10.0.0.2");
const Address kTarget = *Address::parse("198.51.100.7");
const Address kSource6 = *Address::parse("2001:db8::2");
const Address kTarget6 = *Address::parse("2001:db8:1::7");

std::vector<uint8_t> probe(ProbeSpec spec) {
    std::vector<uint8_t> out(2000);
    std::size_t n = build_probe(spec, out);
    REQUIRE(n > 0);
    out.resize(n);
    return out;
}

uint16_t field16(const std::vector<uint8_t>& p, std::size_t at) { return static_cast<uint16_t>(p[at] << 8 | p[at + 1]); }

// An IPv4 or IPv6 header in front of `body` (checksum not needed by the parser).
std::vector<uint8_t> ip(const Address& src, const Address& dst, uint8_t protocol, uint8_t ttl, const std::vector<uint8_t>& body) {
    std::vector<uint8_t> p;
    if (src.is_v4()) {
        p.assign(20, 0);
        p[0] = 0x45;
        p[2] = static_cast<uint8_t>((20 + body.size()) >> 8);
        p[3] = static_cast<uint8_t>(20 + body.size());
        p[8] = ttl;
        p[9] = protocol;
        std::copy(src.data(), src.data() + 4, p.begin() + 12);
        std::copy(dst.data(), dst.data() + 4, p.begin() + 16);
    } else {
        p.assign(40, 0);
        p[0] = 0x60;
        p[4] = static_cast<uint8_t>(body.size() >> 8);
        p[5] = static_cast<uint8_t>(body.size());
        p[6] = protocol;
        p[7] = ttl;
        std::copy(src.data(), src.data() + 16, p.begin() + 8);
        std::copy(dst.data(), dst.data() + 16, p.begin() + 24);
    }
    p.insert(p.end(), body.begin(), body.end());
    return p;
}

// An ICMP error: type, code, the RFC 4884 length byte, the quote, then an extension structure.
std::vector<uint8_t> error_with(bool v6, uint8_t type, std::vector<uint8_t> quote, const std::vector<uint8_t>& extension,
                                bool length_field = true) {
    std::vector<uint8_t> m{type, 0, 0, 0, 0, 0, 0, 0};
    if (!extension.empty()) {
        quote.resize(std::max<std::size_t>(quote.size(), 128), 0);  // RFC 4884: at least 128 bytes, padded
        if (v6) quote.resize((quote.size() + 7) / 8 * 8, 0);
        else quote.resize((quote.size() + 3) / 4 * 4, 0);
        if (length_field) m[v6 ? 4 : 5] = static_cast<uint8_t>(quote.size() / (v6 ? 8 : 4));
    }
    m.insert(m.end(), quote.begin(), quote.end());
    m.insert(m.end(), extension.begin(), extension.end());
    if (!v6) {
        uint16_t sum = internet_checksum(m);
        m[2] = static_cast<uint8_t>(sum >> 8);
        m[3] = static_cast<uint8_t>(sum);
    }
    return m;
}

// An extension structure (version 2, checksummed) with one MPLS label stack object.
std::vector<uint8_t> mpls_extension(const std::vector<uint32_t>& entries, bool checksum = true) {
    std::vector<uint8_t> e{0x20, 0, 0, 0};
    uint16_t length = static_cast<uint16_t>(4 + 4 * entries.size());
    e.insert(e.end(), {static_cast<uint8_t>(length >> 8), static_cast<uint8_t>(length), 1, 1});
    for (uint32_t v : entries)
        e.insert(e.end(), {static_cast<uint8_t>(v >> 24), static_cast<uint8_t>(v >> 16), static_cast<uint8_t>(v >> 8),
                           static_cast<uint8_t>(v)});
    if (checksum) {
        uint16_t sum = internet_checksum(e);
        e[2] = static_cast<uint8_t>(sum >> 8);
        e[3] = static_cast<uint8_t>(sum);
    }
    return e;
}

uint32_t label_entry(uint32_t label, uint8_t tc, bool bottom, uint8_t ttl) {
    return label << 12 | uint32_t{tc} << 9 | uint32_t{bottom} << 8 | ttl;
}

}  // namespace

TEST_CASE("ICMP echo probes of one flow keep their checksum while the sequence changes") {
    for (const bool v6 : {false, true}) {
        CAPTURE(v6);
        ProbeSpec s;
        s.kind = ProbeKind::icmp_echo;
        s.source = v6 ? kSource6 : kSource;
        s.destination = v6 ? kTarget6 : kTarget;
        s.identifier = 0x4242;
        s.checksum = 0xbeef;
        s.length = 40;
        for (uint16_t seq : {1, 2, 777, 65535}) {
            s.sequence = seq;
            s.cookie = 0x0102030405060708ull * seq;
            auto p = probe(s);
            CHECK(p.size() == 40);
            CHECK(p[0] == (v6 ? icmp6_echo_request : icmp_echo_request));
            CHECK(field16(p, 2) == 0xbeef);  // what load balancers hash stays the same...
            CHECK(field16(p, 4) == 0x4242);
            CHECK(field16(p, 6) == seq);     // ...while the probe number changes
            // ...and the message still verifies (ICMPv6 over its pseudo-header, as the kernel computes it).
            uint32_t pseudo = v6 ? pseudo_header_sum(s.source, s.destination, IPPROTO_ICMPV6, 40) : 0;
            CHECK(internet_checksum(p, pseudo) == 0);
            CHECK(probe_cookie_matches(ProbeKind::icmp_echo, p, s.cookie));
            CHECK_FALSE(probe_cookie_matches(ProbeKind::icmp_echo, p, s.cookie + 1));
        }
    }
}

TEST_CASE("UDP probes are numbered by their checksum; ports stay fixed") {
    for (const bool v6 : {false, true}) {
        CAPTURE(v6);
        ProbeSpec s;
        s.kind = ProbeKind::udp;
        s.source = v6 ? kSource6 : kSource;
        s.destination = v6 ? kTarget6 : kTarget;
        s.source_port = 40001;
        s.destination_port = 33434;
        s.length = 32;
        for (uint16_t number : {1, 2, 3000, 65535}) {
            s.checksum = number;
            s.cookie = 0xfeedfacecafef00dull ^ number;
            auto p = probe(s);
            CHECK(field16(p, 0) == 40001);
            CHECK(field16(p, 2) == 33434);
            CHECK(field16(p, 4) == 32);
            CHECK(field16(p, 6) == number);
            CHECK(internet_checksum(p, pseudo_header_sum(s.source, s.destination, IPPROTO_UDP, 32)) == 0);

            // A router quoting it gives the number back, with the cookie when it quotes enough.
            auto msg = error_with(v6, v6 ? icmp6_time_exceeded : icmp_time_exceeded, ip(s.source, s.destination, IPPROTO_UDP, 1, p), {});
            auto m = parse_icmp(v6, msg);
            REQUIRE(m);
            REQUIRE(m->quoted);
            CHECK(m->quoted->protocol == IPPROTO_UDP);
            CHECK(m->quoted->source_port == 40001);
            CHECK(m->quoted->checksum == number);
            CHECK(m->quoted->udp_length == 32);
            CHECK(probe_cookie_matches(ProbeKind::udp, m->quoted->transport, s.cookie));
            CHECK_FALSE(probe_cookie_matches(ProbeKind::udp, m->quoted->transport, s.cookie ^ 1));
        }
    }
}

TEST_CASE("a quote of only 8 bytes still identifies the probe, and cannot contradict the cookie") {
    ProbeSpec s;
    s.kind = ProbeKind::udp;
    s.source = kSource;
    s.destination = kTarget;
    s.source_port = 40001;
    s.destination_port = 33434;
    s.length = 32;
    s.checksum = 77;
    s.cookie = 12345;
    auto p = probe(s);
    auto quoted = ip(kSource, kTarget, IPPROTO_UDP, 1, std::vector<uint8_t>(p.begin(), p.begin() + 8));
    auto m = parse_icmp(false, error_with(false, icmp_time_exceeded, quoted, {}));
    REQUIRE(m);
    REQUIRE(m->quoted);
    CHECK(m->quoted->checksum == 77);
    CHECK(probe_cookie_matches(ProbeKind::udp, m->quoted->transport, 999));  // nothing to compare
}

TEST_CASE("TCP SYN probes carry their number in the sequence, and the answer acknowledges it") {
    for (const bool v6 : {false, true}) {
        CAPTURE(v6);
        ProbeSpec s;
        s.kind = ProbeKind::tcp_syn;
        s.source = v6 ? kSource6 : kSource;
        s.destination = v6 ? kTarget6 : kTarget;
        s.source_port = 50000;
        s.destination_port = 443;
        s.tcp_sequence = 0xdeadbeef;
        auto p = probe(s);
        REQUIRE(p.size() == tcp_syn_size);
        CHECK(internet_checksum(p, pseudo_header_sum(s.source, s.destination, IPPROTO_TCP, tcp_syn_size)) == 0);
        auto seg = parse_tcp(p);
        REQUIRE(seg);
        CHECK(seg->flags == tcp_flag_syn);
        CHECK(seg->sequence == 0xdeadbeef);
        CHECK(seg->destination_port == 443);

        auto m = parse_icmp(v6, error_with(v6, v6 ? icmp6_time_exceeded : icmp_time_exceeded,
                                           ip(s.source, s.destination, IPPROTO_TCP, 1, std::vector<uint8_t>(p.begin(), p.begin() + 8)), {}));
        REQUIRE(m);
        REQUIRE(m->quoted);
        CHECK(m->quoted->tcp_sequence == 0xdeadbeef);
        CHECK(m->quoted->source_port == 50000);
    }
    // A reset answering it: ACK set, acknowledgment = sequence + 1.
    std::vector<uint8_t> rst{0x01, 0xbb, 0xc3, 0x50, 0, 0, 0, 0, 0xde, 0xad, 0xbe, 0xf0, 0x50, 0x14, 0, 0, 0, 0, 0, 0};
    auto seg = parse_tcp(rst);
    REQUIRE(seg);
    CHECK(seg->source_port == 443);
    CHECK(seg->destination_port == 50000);
    CHECK(seg->acknowledgment == 0xdeadbef0);
    CHECK(seg->flags == (tcp_flag_rst | tcp_flag_ack));
    CHECK_FALSE(parse_tcp(std::vector<uint8_t>(rst.begin(), rst.begin() + 19)));
    rst[12] = 0x40;  // data offset below the header size
    CHECK_FALSE(parse_tcp(rst));
}

TEST_CASE("a probe shorter than its header, balancing bytes and cookie is refused") {
    ProbeSpec s;
    s.kind = ProbeKind::icmp_echo;
    s.destination = kTarget;
    s.length = probe_min_length(ProbeKind::icmp_echo) - 1;
    std::vector<uint8_t> out(100);
    CHECK(build_probe(s, out) == 0);
    s.length = 100;
    std::vector<uint8_t> small(50);
    CHECK(build_probe(s, small) == 0);
}

TEST_CASE("MPLS label stacks in ICMP extensions (RFC 4884, RFC 4950)") {
    ProbeSpec s;
    s.kind = ProbeKind::udp;
    s.source = kSource;
    s.destination = kTarget;
    s.source_port = 40001;
    s.destination_port = 33434;
    s.length = 32;
    s.checksum = 5;
    auto original = ip(kSource, kTarget, IPPROTO_UDP, 1, probe(s));
    const std::vector<uint32_t> stack{label_entry(24001, 0, false, 1), label_entry(16, 5, true, 1)};

    SUBCASE("IPv4 time exceeded with the length field set") {
        auto m = parse_icmp(false, error_with(false, icmp_time_exceeded, original, mpls_extension(stack)));
        REQUIRE(m);
        CHECK(m->has_extensions);
        REQUIRE(m->mpls.size() == 2);
        CHECK(m->mpls[0] == MplsEntry{24001, 0, false, 1});
        CHECK(m->mpls[1] == MplsEntry{16, 5, true, 1});
        // The quote ends where the length says: the padding and extensions are not the probe's bytes.
        REQUIRE(m->quoted);
        CHECK(m->quoted->transport.size() == 128 - 20);
        CHECK(m->quoted->checksum == 5);
    }
    SUBCASE("routers older than RFC 4884: length 0, extensions after a 128-byte quote") {
        auto m = parse_icmp(false, error_with(false, icmp_time_exceeded, original, mpls_extension(stack), false));
        REQUIRE(m);
        CHECK(m->has_extensions);
        CHECK(m->mpls.size() == 2);
    }
    SUBCASE("ICMPv6 time exceeded (length in 64-bit words)") {
        s.source = kSource6;
        s.destination = kTarget6;
        auto original6 = ip(kSource6, kTarget6, IPPROTO_UDP, 1, probe(s));
        auto m = parse_icmp(true, error_with(true, icmp6_time_exceeded, original6, mpls_extension({label_entry(1048575, 7, true, 255)})));
        REQUIRE(m);
        REQUIRE(m->mpls.size() == 1);
        CHECK(m->mpls[0] == MplsEntry{1048575, 7, true, 255});
        REQUIRE(m->quoted);
        CHECK(m->quoted->destination == kTarget6);
    }
    SUBCASE("a checksum of 0 is allowed where the length says extensions follow") {
        auto m = parse_icmp(false, error_with(false, icmp_time_exceeded, original, mpls_extension(stack, false)));
        REQUIRE(m);
        CHECK(m->mpls.size() == 2);
    }
    SUBCASE("a wrong checksum, a wrong version, or a legacy guess that does not verify: no extensions") {
        auto bad = mpls_extension(stack);
        bad[3] ^= 1;
        auto m = parse_icmp(false, error_with(false, icmp_time_exceeded, original, bad));
        REQUIRE(m);
        CHECK_FALSE(m->has_extensions);
        CHECK(m->mpls.empty());
        auto v3 = mpls_extension(stack);
        v3[0] = 0x30;
        m = parse_icmp(false, error_with(false, icmp_time_exceeded, original, v3));
        REQUIRE(m);
        CHECK_FALSE(m->has_extensions);
        m = parse_icmp(false, error_with(false, icmp_time_exceeded, original, mpls_extension(stack, false), false));
        REQUIRE(m);
        CHECK_FALSE(m->has_extensions);
        REQUIRE(m->quoted);  // the quote itself is still read
    }
    SUBCASE("objects that overrun the message are not read past") {
        auto e = mpls_extension(stack, false);
        e[5] = 200;  // object length far beyond the end
        auto m = parse_icmp(false, error_with(false, icmp_time_exceeded, original, e));
        REQUIRE(m);
        CHECK(m->has_extensions);
        CHECK(m->mpls.empty());
    }
    SUBCASE("other object classes are skipped") {
        std::vector<uint8_t> e{0x20, 0, 0, 0, 0, 8, 2, 1, 1, 2, 3, 4};  // RFC 5837 interface information
        auto tail = mpls_extension(stack, false);
        e.insert(e.end(), tail.begin() + 4, tail.end());
        auto m = parse_icmp(false, error_with(false, icmp_time_exceeded, original, e));
        REQUIRE(m);
        CHECK(m->mpls.size() == 2);
    }
    SUBCASE("echo replies and packet-too-big carry no extensions") {
        std::vector<MplsEntry> out;
        std::vector<uint8_t> too_big(8 + 200, 0x20);
        too_big[0] = icmp6_packet_too_big;
        CHECK_FALSE(parse_extensions(true, too_big, out));
        std::vector<uint8_t> reply(8 + 200, 0x20);
        reply[0] = icmp_echo_reply;
        CHECK_FALSE(parse_extensions(false, reply, out));
    }
}
