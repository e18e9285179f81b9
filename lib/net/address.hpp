// IP addresses and CIDR prefixes as compact value types: the targets every probe is aimed at.
#pragma once

#include "core/result.hpp"

#include <sys/socket.h>

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace nockit::net {

/// An IPv4 or IPv6 address (17 bytes). Ordered IPv4 before IPv6, then numerically.
class Address {
public:
    Address() = default;  ///< 0.0.0.0
    /// An IPv4 address from its 32-bit value in host byte order (10.0.0.1 = 0x0a000001).
    static Address v4(uint32_t value);
    /// An IPv6 address from its 16 bytes in network order.
    static Address v6(const std::array<uint8_t, 16>& bytes);
    /// Parses "10.0.0.1", "2001:db8::1" or "[::1]"; nullopt when it is not an address.
    static std::optional<Address> parse(std::string_view text);
    /// Reads an AF_INET or AF_INET6 socket address (any other family gives 0.0.0.0).
    static Address from_sockaddr(const sockaddr* sa);

    bool is_v4() const { return v6_ == 0; }
    int family() const;  ///< AF_INET or AF_INET6
    /// The address bytes in network order: 4 for IPv4, 16 for IPv6.
    const uint8_t* data() const { return bytes_.data(); }
    std::size_t size() const { return is_v4() ? 4 : 16; }
    /// The IPv4 value in host byte order (only meaningful when is_v4()).
    uint32_t v4_value() const;
    /// True for 127.0.0.0/8 and ::1.
    bool is_loopback() const;

    std::string to_string() const;
    /// Fills `out` with this address and `port`; returns the length to pass to sendto/connect.
    socklen_t to_sockaddr(sockaddr_storage& out, uint16_t port = 0) const;

    auto operator<=>(const Address&) const = default;

private:
    uint8_t v6_ = 0;                  // 0 = IPv4 (first four bytes used, rest zero), 1 = IPv6
    std::array<uint8_t, 16> bytes_{};
};

/// A CIDR range such as 10.1.0.0/22 or 2001:db8::/64.
struct Prefix {
    Address base;
    int length = 0;

    /// Parses "10.1.0.0/22"; a bare address is a /32 or /128. Host bits set is an error that names
    /// the fix ("did you mean 10.1.0.0/22?").
    static Result<Prefix> parse(std::string_view text);
    /// Number of addresses in the range (saturates at 2^64-1 for huge IPv6 ranges).
    uint64_t size() const;
    /// The index-th address of the range (index < size()).
    Address at(uint64_t index) const;
    bool contains(const Address& address) const;
    std::string to_string() const;

    bool operator==(const Prefix&) const = default;
};

/// True when the text looks like a CIDR range (contains '/') rather than a name or an address.
bool looks_like_prefix(std::string_view text);

}  // namespace nockit::net

template <>
struct std::hash<nockit::net::Address> {
    std::size_t operator()(const nockit::net::Address& a) const noexcept;
};
