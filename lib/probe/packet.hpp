// Building and parsing probe packets: ICMP/ICMPv6 echo, ICMP errors and the original datagram they
// quote. Pure functions over byte spans, no sockets, so every case can be unit-tested.
#pragma once

#include "net/address.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace nockit::probe::packet {

// ICMP (RFC 792) and ICMPv6 (RFC 4443) message types the engine sends or understands.
inline constexpr uint8_t icmp_echo_reply = 0;
inline constexpr uint8_t icmp_dest_unreachable = 3;
inline constexpr uint8_t icmp_echo_request = 8;
inline constexpr uint8_t icmp_time_exceeded = 11;
inline constexpr uint8_t icmp_parameter_problem = 12;
inline constexpr uint8_t icmp6_dest_unreachable = 1;
inline constexpr uint8_t icmp6_packet_too_big = 2;
inline constexpr uint8_t icmp6_time_exceeded = 3;
inline constexpr uint8_t icmp6_parameter_problem = 4;
inline constexpr uint8_t icmp6_echo_request = 128;
inline constexpr uint8_t icmp6_echo_reply = 129;

inline constexpr std::size_t icmp_header_size = 8;
inline constexpr std::size_t ipv4_min_header_size = 20;
inline constexpr std::size_t ipv6_header_size = 40;

/// The Internet checksum (RFC 1071) of `data`, continuing from a partial sum.
uint16_t internet_checksum(std::span<const uint8_t> data, uint32_t partial = 0);

/// Writes an echo request (8-byte header + payload) into `out`; returns the bytes written, or 0 when
/// `out` is too small. IPv4 gets its checksum; for ICMPv6 the kernel fills it in (it covers the
/// pseudo-header, which only the kernel knows for sure).
std::size_t build_echo_request(bool v6, uint16_t identifier, uint16_t sequence, std::span<const uint8_t> payload,
                               std::span<uint8_t> out);

/// The fixed part of an IPv4 header, as read from a raw socket.
struct Ipv4Header {
    net::Address source, destination;
    uint8_t ttl = 0;
    uint8_t protocol = 0;
    uint16_t identification = 0;
    uint16_t total_length = 0;
    std::size_t header_length = 0;  // bytes, options included
};
/// Parses the IPv4 header at the start of `bytes` (raw IPv4 sockets deliver it before the ICMP message).
std::optional<Ipv4Header> parse_ipv4_header(std::span<const uint8_t> bytes);

/// The original datagram an ICMP error quotes (its IP header and at least 8 bytes of what followed).
struct QuotedDatagram {
    net::Address source, destination;
    uint8_t protocol = 0;       // IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_UDP, IPPROTO_TCP, ...
    uint8_t ttl = 0;            // TTL / hop limit left when it was quoted (0 or 1 at the expiring hop)
    uint16_t identification = 0;// IPv4 only
    uint32_t flow_label = 0;    // IPv6 only
    std::span<const uint8_t> transport;  // the quoted transport header and whatever payload was quoted
    // The quoted ICMP echo request, when protocol is ICMP/ICMPv6 and 8 bytes were quoted.
    int echo_type = -1;
    uint16_t echo_identifier = 0, echo_sequence = 0;
    // The quoted UDP/TCP ports, when protocol is UDP/TCP.
    uint16_t source_port = 0, destination_port = 0;
};
/// Parses a quoted datagram (the bytes after an ICMP error's 8-byte header). Needs the whole quoted IP
/// header and 8 bytes of the transport header.
std::optional<QuotedDatagram> parse_quoted(bool v6, std::span<const uint8_t> quote);

/// An ICMP or ICMPv6 message.
struct IcmpMessage {
    uint8_t type = 0, code = 0;
    uint16_t checksum = 0;
    uint16_t identifier = 0, sequence = 0;  // echo request/reply
    uint32_t mtu = 0;                       // IPv4 "fragmentation needed" next-hop MTU, ICMPv6 packet too big
    std::span<const uint8_t> body;          // bytes after the 8-byte header: echo data, or the quote
    std::optional<QuotedDatagram> quoted;   // for errors, when the quote could be parsed
    bool is_echo_reply(bool v6) const { return type == (v6 ? icmp6_echo_reply : icmp_echo_reply); }
    bool is_error(bool v6) const;
};
/// Parses an ICMP (v6=false) or ICMPv6 message starting at its 8-byte header.
std::optional<IcmpMessage> parse_icmp(bool v6, std::span<const uint8_t> message);

/// A per-run secret for the payload cookie.
struct CookieKey {
    uint64_t k0 = 0, k1 = 0;
};
/// A fresh random key (getrandom).
CookieKey random_cookie_key();
/// The payload cookie of one probe: a keyed hash (SipHash-2-4) of the probed address, the target and
/// probe numbers and the sequence number, so a reply can be checked as an answer to exactly that probe.
uint64_t probe_cookie(const CookieKey& key, const net::Address& destination, uint32_t target, uint32_t probe,
                      uint16_t sequence);
/// Fills an echo payload: the cookie (as many of its 8 bytes as fit) then a fixed pattern.
void fill_payload(std::span<uint8_t> payload, uint64_t cookie);
/// True when `payload` (as echoed back) starts with the cookie and has the expected length.
bool payload_matches(std::span<const uint8_t> payload, std::size_t expected_size, uint64_t cookie);

}  // namespace nockit::probe::packet
