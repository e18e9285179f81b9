// Packet building and parsing: echo requests, ICMP errors with quoted datagrams, and the payload cookie.
#include "probe/packet.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>

#include <vector>

using namespace nockit::probe::packet;
using nockit::net::Address;

namespace {

// An IPv4 header (20 bytes, no options) in front of `body`, with a correct header checksum.
std::vector<uint8_t> ipv4(const char* src, const char* dst, uint8_t protocol, uint8_t ttl,
                          const std::vector<uint8_t>& body) {
    std::vector<uint8_t> p(20);
    p[0] = 0x45;
    uint16_t total = static_cast<uint16_t>(20 + body.size());
    p[2] = static_cast<uint8_t>(total >> 8);
    p[3] = static_cast<uint8_t>(total);
    p[4] = 0x12;
    p[5] = 0x34;
    p[8] = ttl;
    p[9] = protocol;
    auto s = *Address::parse(src), d = *Address::parse(dst);
    std::copy(s.data(), s.data() + 4, p.begin() + 12);
    std::copy(d.data(), d.data() + 4, p.begin() + 16);
    uint16_t sum = internet_checksum(p);
    p[10] = static_cast<uint8_t>(sum >> 8);
    p[11] = static_cast<uint8_t>(sum);
    p.insert(p.end(), body.begin(), body.end());
    return p;
}

std::vector<uint8_t> ipv6(const char* src, const char* dst, uint8_t next, uint8_t hops,
                          const std::vector<uint8_t>& body) {
    std::vector<uint8_t> p(40);
    p[0] = 0x60;
    p[1] = 0x0a;  // flow label 0xabcde
    p[2] = 0xbc;
    p[3] = 0xde;
    p[4] = static_cast<uint8_t>(body.size() >> 8);
    p[5] = static_cast<uint8_t>(body.size());
    p[6] = next;
    p[7] = hops;
    auto s = *Address::parse(src), d = *Address::parse(dst);
    std::copy(s.data(), s.data() + 16, p.begin() + 8);
    std::copy(d.data(), d.data() + 16, p.begin() + 24);
    p.insert(p.end(), body.begin(), body.end());
    return p;
}

std::vector<uint8_t> echo(bool v6, uint16_t id, uint16_t seq, std::size_t payload_size, uint64_t cookie) {
    std::vector<uint8_t> payload(payload_size);
    fill_payload(payload, cookie);
    std::vector<uint8_t> out(8 + payload_size);
    REQUIRE(build_echo_request(v6, id, seq, payload, out) == out.size());
    return out;
}

// An ICMP error header (type, code, 4 bytes of "rest") followed by the quote.
std::vector<uint8_t> icmp_error(uint8_t type, uint8_t code, uint32_t rest, const std::vector<uint8_t>& quote) {
    std::vector<uint8_t> m{type, code, 0, 0, static_cast<uint8_t>(rest >> 24), static_cast<uint8_t>(rest >> 16),
                           static_cast<uint8_t>(rest >> 8), static_cast<uint8_t>(rest)};
    m.insert(m.end(), quote.begin(), quote.end());
    uint16_t sum = internet_checksum(m);
    m[2] = static_cast<uint8_t>(sum >> 8);
    m[3] = static_cast<uint8_t>(sum);
    return m;
}

}  // namespace

TEST_CASE("the Internet checksum matches RFC 1071's worked example") {
    // RFC 1071 section 3: the sum of 0001 f203 f4f5 f6f7 is ddf2 (one's complement 220d).
    std::vector<uint8_t> data{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7};
    CHECK(internet_checksum(data) == 0x220d);
    // Odd length pads with a zero byte.
    std::vector<uint8_t> odd{0x01};
    CHECK(internet_checksum(odd) == static_cast<uint16_t>(~0x0100 & 0xffff));
}

TEST_CASE("echo requests round-trip through the parser") {
    SUBCASE("IPv4 carries a valid checksum") {
        auto m = echo(false, 0xbeef, 7, 56, 0x1122334455667788ull);
        CHECK(m[0] == icmp_echo_request);
        CHECK(internet_checksum(m) == 0);  // a correct checksum sums to zero
        auto parsed = parse_icmp(false, m);
        REQUIRE(parsed);
        CHECK(parsed->type == icmp_echo_request);
        CHECK(parsed->identifier == 0xbeef);
        CHECK(parsed->sequence == 7);
        CHECK(parsed->body.size() == 56);
        CHECK(payload_matches(parsed->body, 56, 0x1122334455667788ull));
        CHECK_FALSE(payload_matches(parsed->body, 56, 0x1122334455667789ull));
        CHECK_FALSE(payload_matches(parsed->body, 64, 0x1122334455667788ull));
        CHECK_FALSE(parsed->is_error(false));
    }
    SUBCASE("IPv6 leaves the checksum to the kernel") {
        auto m = echo(true, 1, 65535, 0, 0);
        CHECK(m.size() == 8);
        CHECK(m[0] == icmp6_echo_request);
        CHECK(m[2] == 0);
        CHECK(m[3] == 0);
        auto parsed = parse_icmp(true, m);
        REQUIRE(parsed);
        CHECK(parsed->sequence == 65535);
    }
    SUBCASE("an output buffer too small is refused") {
        std::vector<uint8_t> payload(10), out(17);
        CHECK(build_echo_request(false, 1, 1, payload, out) == 0);
    }
    SUBCASE("too short to be ICMP") {
        std::vector<uint8_t> tiny{0, 0, 0};
        CHECK_FALSE(parse_icmp(false, tiny));
    }
}

TEST_CASE("an echo reply read from a raw IPv4 socket") {
    auto reply = echo(false, 0x4242, 3, 16, 42);
    reply[0] = icmp_echo_reply;
    reply[2] = reply[3] = 0;
    uint16_t sum = internet_checksum(reply);
    reply[2] = static_cast<uint8_t>(sum >> 8);
    reply[3] = static_cast<uint8_t>(sum);
    auto packet = ipv4("192.0.2.9", "192.0.2.1", IPPROTO_ICMP, 57, reply);
    auto ip = parse_ipv4_header(packet);
    REQUIRE(ip);
    CHECK(ip->source.to_string() == "192.0.2.9");
    CHECK(ip->destination.to_string() == "192.0.2.1");
    CHECK(ip->ttl == 57);
    CHECK(ip->header_length == 20);
    CHECK(ip->protocol == IPPROTO_ICMP);
    auto m = parse_icmp(false, std::span<const uint8_t>(packet).subspan(ip->header_length));
    REQUIRE(m);
    CHECK(m->is_echo_reply(false));
    CHECK(m->identifier == 0x4242);
    CHECK(payload_matches(m->body, 16, 42));

    SUBCASE("a header length beyond the packet is rejected") {
        packet[0] = 0x4f;  // 60-byte header claimed
        CHECK_FALSE(parse_ipv4_header(std::span<const uint8_t>(packet).first(40)));
    }
    SUBCASE("not IPv4") {
        packet[0] = 0x65;
        CHECK_FALSE(parse_ipv4_header(packet));
    }
}

TEST_CASE("ICMP errors give back the quoted probe") {
    SUBCASE("IPv4 time exceeded quoting an echo request") {
        auto probe = echo(false, 0x1234, 99, 56, 7);
        auto original = ipv4("10.0.0.2", "198.51.100.7", IPPROTO_ICMP, 1, probe);
        // A router quoting only the 8 bytes RFC 792 requires.
        auto quote = std::vector<uint8_t>(original.begin(), original.begin() + 28);
        auto msg = icmp_error(icmp_time_exceeded, 0, 0, quote);
        auto m = parse_icmp(false, msg);
        REQUIRE(m);
        CHECK(m->is_error(false));
        REQUIRE(m->quoted);
        CHECK(m->quoted->destination.to_string() == "198.51.100.7");
        CHECK(m->quoted->source.to_string() == "10.0.0.2");
        CHECK(m->quoted->protocol == IPPROTO_ICMP);
        CHECK(m->quoted->ttl == 1);
        CHECK(m->quoted->identification == 0x1234);
        CHECK(m->quoted->echo_type == icmp_echo_request);
        CHECK(m->quoted->echo_identifier == 0x1234);
        CHECK(m->quoted->echo_sequence == 99);
        CHECK(m->quoted->transport.size() == 8);
    }
    SUBCASE("IPv4 fragmentation needed carries the next-hop MTU") {
        auto probe = echo(false, 1, 2, 1400, 7);
        auto original = ipv4("10.0.0.2", "198.51.100.7", IPPROTO_ICMP, 64, probe);
        auto msg = icmp_error(icmp_dest_unreachable, 4, 1280, std::vector<uint8_t>(original.begin(), original.begin() + 548));
        auto m = parse_icmp(false, msg);
        REQUIRE(m);
        CHECK(m->mtu == 1280);
        REQUIRE(m->quoted);
        CHECK(m->quoted->transport.size() == 528);  // the payload was quoted too: its cookie can be checked
    }
    SUBCASE("a quote of a UDP probe gives the ports (for traceroute)") {
        std::vector<uint8_t> udp{0x82, 0x9a, 0x82, 0x9b, 0, 8, 0, 0};
        auto original = ipv4("10.0.0.2", "198.51.100.7", IPPROTO_UDP, 0, udp);
        auto m = parse_icmp(false, icmp_error(icmp_dest_unreachable, 3, 0, original));
        REQUIRE(m);
        REQUIRE(m->quoted);
        CHECK(m->quoted->source_port == 33434);
        CHECK(m->quoted->destination_port == 33435);
        CHECK(m->quoted->echo_type == -1);
    }
    SUBCASE("a quote shorter than the IP header and 8 bytes is not matched") {
        auto probe = echo(false, 1, 2, 0, 0);
        auto original = ipv4("10.0.0.2", "198.51.100.7", IPPROTO_ICMP, 64, probe);
        auto m = parse_icmp(false, icmp_error(icmp_dest_unreachable, 1, 0, std::vector<uint8_t>(original.begin(), original.begin() + 27)));
        REQUIRE(m);
        CHECK(m->is_error(false));
        CHECK_FALSE(m->quoted);
    }
    SUBCASE("redirects are not errors about the probe") {
        std::vector<uint8_t> redirect{5, 1, 0, 0, 10, 0, 0, 1};
        auto m = parse_icmp(false, redirect);
        REQUIRE(m);
        CHECK_FALSE(m->is_error(false));
    }
    SUBCASE("ICMPv6 packet too big quoting an echo request") {
        auto probe = echo(true, 0x0a0b, 5, 1400, 9);
        auto original = ipv6("2001:db8::2", "2001:db8:1::7", IPPROTO_ICMPV6, 63, probe);
        auto msg = icmp_error(icmp6_packet_too_big, 0, 1280, std::vector<uint8_t>(original.begin(), original.begin() + 1232));
        auto m = parse_icmp(true, msg);
        REQUIRE(m);
        CHECK(m->is_error(true));
        CHECK(m->mtu == 1280);
        REQUIRE(m->quoted);
        CHECK(m->quoted->destination.to_string() == "2001:db8:1::7");
        CHECK(m->quoted->flow_label == 0xabcde);
        CHECK(m->quoted->ttl == 63);
        CHECK(m->quoted->echo_type == icmp6_echo_request);
        CHECK(m->quoted->echo_identifier == 0x0a0b);
        CHECK(m->quoted->echo_sequence == 5);
    }
    SUBCASE("ICMPv6 echo reply is not an error") {
        std::vector<uint8_t> reply{icmp6_echo_reply, 0, 0, 0, 0, 1, 0, 2};
        auto m = parse_icmp(true, reply);
        REQUIRE(m);
        CHECK(m->is_echo_reply(true));
        CHECK_FALSE(m->is_error(true));
        CHECK_FALSE(m->quoted);
    }
}

TEST_CASE("the payload cookie binds a reply to one probe of one address") {
    CookieKey key{1, 2};
    auto a = *Address::parse("192.0.2.1");
    auto b = *Address::parse("192.0.2.2");
    uint64_t c = probe_cookie(key, a, 0, 0, 0);
    CHECK(c == probe_cookie(key, a, 0, 0, 0));  // deterministic
    CHECK(c != probe_cookie(key, b, 0, 0, 0));  // another address
    CHECK(c != probe_cookie(key, a, 1, 0, 0));  // another target
    CHECK(c != probe_cookie(key, a, 0, 1, 0));  // another probe
    CHECK(c != probe_cookie(key, a, 0, 0, 1));  // another sequence number
    CHECK(c != probe_cookie(CookieKey{1, 3}, a, 0, 0, 0));  // another run
    CHECK(c != probe_cookie(key, *Address::parse("::ffff:192.0.2.1"), 0, 0, 0));

    auto k1 = random_cookie_key(), k2 = random_cookie_key();
    CHECK((k1.k0 != k2.k0 || k1.k1 != k2.k1));

    SUBCASE("short payloads keep as much of the cookie as fits") {
        std::vector<uint8_t> p(3);
        fill_payload(p, 0x0000000000ccbbaaull);
        CHECK(p == std::vector<uint8_t>{0xaa, 0xbb, 0xcc});
        CHECK(payload_matches(p, 3, 0x0000000000ccbbaaull));
        CHECK_FALSE(payload_matches(p, 3, 0x0000000000ccbbabull));
        std::vector<uint8_t> none;
        CHECK(payload_matches(none, 0, 12345));  // no room: identifier and sequence alone decide
    }
}

TEST_CASE("the cookie is SipHash-2-4 of address, target, probe and sequence") {
    // Expected value from the reference algorithm (checked against the paper's vector for a 15-byte
    // message) over the 28-byte message: address bytes 00..0f, target 0x13121110 and probe 0x17161514
    // little-endian, sequence 0x1918 little-endian, family byte 6, one zero byte.
    CookieKey key{0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull};
    std::array<uint8_t, 16> addr{};
    for (int i = 0; i < 16; ++i) addr[static_cast<std::size_t>(i)] = static_cast<uint8_t>(i);
    CHECK(probe_cookie(key, Address::v6(addr), 0x13121110u, 0x17161514u, 0x1918) == 0xe8f51e0387187947ull);
}
