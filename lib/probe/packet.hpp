// Building and parsing probe packets: ICMP/ICMPv6 echo, ICMP errors and the original datagram they
// quote. Pure functions over byte spans, no sockets, so every case can be unit-tested.
#pragma once

#include "net/address.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

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
    // The quoted checksum of an ICMP echo or UDP header (Paris traceroute keeps one constant per flow
    // for ICMP, and numbers UDP probes with it), the UDP length, and the TCP sequence number.
    uint16_t checksum = 0;
    uint16_t udp_length = 0;
    uint32_t tcp_sequence = 0;
};
/// Parses a quoted datagram (the bytes after an ICMP error's 8-byte header). Needs the whole quoted IP
/// header and 8 bytes of the transport header.
std::optional<QuotedDatagram> parse_quoted(bool v6, std::span<const uint8_t> quote);

/// One MPLS label stack entry from an ICMP extension (RFC 4950).
struct MplsEntry {
    uint32_t label = 0;         // 20 bits
    uint8_t traffic_class = 0;  // 3 bits (the former EXP field)
    bool bottom = false;        // bottom of stack
    uint8_t ttl = 0;
    bool operator==(const MplsEntry&) const = default;
};

/// An ICMP or ICMPv6 message.
struct IcmpMessage {
    uint8_t type = 0, code = 0;
    uint16_t checksum = 0;
    uint16_t identifier = 0, sequence = 0;  // echo request/reply
    uint32_t mtu = 0;                       // IPv4 "fragmentation needed" next-hop MTU, ICMPv6 packet too big
    std::span<const uint8_t> body;          // bytes after the 8-byte header: echo data, or the quote
    std::optional<QuotedDatagram> quoted;   // for errors, when the quote could be parsed
    // RFC 4884 extensions of time-exceeded, unreachable and parameter-problem messages: whether a
    // valid extension structure was found, and the MPLS label stack it carried (RFC 4950).
    bool has_extensions = false;
    std::vector<MplsEntry> mpls;
    bool is_echo_reply(bool v6) const { return type == (v6 ? icmp6_echo_reply : icmp_echo_reply); }
    bool is_error(bool v6) const;
};
/// Parses an ICMP (v6=false) or ICMPv6 message starting at its 8-byte header, with its quote and
/// any RFC 4884 extensions (MPLS label stacks).
std::optional<IcmpMessage> parse_icmp(bool v6, std::span<const uint8_t> message);

/// The extensions of an ICMP error (RFC 4884): the part of the message after the original datagram,
/// whose length the error gives (or, from routers older than RFC 4884, after a 128-byte quote).
/// Fills `mpls` and returns true when a valid extension structure is present.
bool parse_extensions(bool v6, std::span<const uint8_t> message, std::vector<MplsEntry>& mpls);

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
/// Whether `bytes` begin with the cookie, compared over the first min(size, 8) bytes: a short
/// payload, or a router's short quote of one, carries only part of it.
bool cookie_prefix_matches(std::span<const uint8_t> bytes, uint64_t cookie);

// --- Path probes (noc-trace): flow-stable ICMP echo, UDP and TCP SYN probes sent on raw sockets.

inline constexpr uint8_t tcp_flag_fin = 0x01, tcp_flag_syn = 0x02, tcp_flag_rst = 0x04, tcp_flag_ack = 0x10;
inline constexpr std::size_t udp_header_size = 8;
inline constexpr std::size_t tcp_syn_size = 24;  // header with one option (MSS), as a real SYN has

/// The one's-complement sum of the IPv4 or IPv6 pseudo-header (RFC 768, RFC 8200 8.1) for a transport
/// message of `length` bytes, to continue internet_checksum() from.
uint32_t pseudo_header_sum(const net::Address& source, const net::Address& destination, uint8_t protocol,
                           uint32_t length);

enum class ProbeKind { icmp_echo, udp, tcp_syn };

/// What one path probe carries in its transport header and payload. A flow (Paris traceroute) is
/// everything load balancers hash: addresses, protocol, ports, and for ICMP the first four bytes
/// (type, code, checksum). Probes of one flow differ only in what the hash ignores.
struct ProbeSpec {
    ProbeKind kind = ProbeKind::icmp_echo;
    net::Address source, destination;        // for the checksums' pseudo-header
    uint16_t source_port = 0, destination_port = 0;  // udp, tcp_syn
    uint16_t identifier = 0, sequence = 0;   // icmp_echo: the flow's identifier, the probe's number
    uint16_t checksum = 0;                   // icmp_echo: the flow's constant checksum; udp: the probe's
                                             // number (never 0: that means "no checksum")
    uint32_t tcp_sequence = 0;               // tcp_syn: the probe's number
    std::size_t length = 0;                  // transport header + payload bytes (tcp_syn: tcp_syn_size)
    uint64_t cookie = 0;                     // written into the payload (icmp_echo, udp)
};
/// The smallest transport length of a probe: header, two balancing bytes and the 8-byte cookie.
std::size_t probe_min_length(ProbeKind kind);
/// Writes the probe's transport header and payload into `out` (the kernel adds the IP header) and
/// returns the bytes written, or 0 when `out` is too small or the length too short. For ICMP echo
/// and UDP, two payload bytes are chosen so that the checksum field holds `checksum` and the
/// message still verifies (for ICMPv6 the kernel computes the same value itself).
std::size_t build_probe(const ProbeSpec& spec, std::span<uint8_t> out);
/// Where the cookie sits in an ICMP echo or UDP probe (bytes from the start of its header).
std::size_t probe_cookie_offset(ProbeKind kind);
/// True when `transport` (a probe as echoed back or quoted) holds the cookie at its place; quotes too
/// short to hold it match (routers may quote only 8 bytes), bytes present must match.
bool probe_cookie_matches(ProbeKind kind, std::span<const uint8_t> transport, uint64_t cookie);

/// A TCP segment's header, as answers to SYN probes arrive on a raw TCP socket.
struct TcpSegment {
    uint16_t source_port = 0, destination_port = 0;
    uint32_t sequence = 0, acknowledgment = 0;
    uint8_t flags = 0;
};
/// Parses the TCP header at the start of `bytes` (at least 20 bytes and a sane data offset).
std::optional<TcpSegment> parse_tcp(std::span<const uint8_t> bytes);

}  // namespace nockit::probe::packet
