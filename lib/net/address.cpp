// IP addresses and CIDR prefixes: parsing, formatting, socket addresses, range arithmetic.
#include "net/address.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>

#include <fmt/format.h>

namespace nockit::net {

Address Address::v4(uint32_t value) {
    Address a;
    a.bytes_[0] = static_cast<uint8_t>(value >> 24);
    a.bytes_[1] = static_cast<uint8_t>(value >> 16);
    a.bytes_[2] = static_cast<uint8_t>(value >> 8);
    a.bytes_[3] = static_cast<uint8_t>(value);
    return a;
}

Address Address::v6(const std::array<uint8_t, 16>& bytes) {
    Address a;
    a.v6_ = 1;
    a.bytes_ = bytes;
    return a;
}

std::optional<Address> Address::parse(std::string_view text) {
    if (text.size() >= 2 && text.front() == '[' && text.back() == ']') text = text.substr(1, text.size() - 2);
    if (text.empty() || text.size() > INET6_ADDRSTRLEN) return std::nullopt;
    char buf[INET6_ADDRSTRLEN + 1];
    std::memcpy(buf, text.data(), text.size());
    buf[text.size()] = '\0';
    // inet_pton accepts only the strict dotted quad for IPv4 (no "10.1" or octal), which is what we want.
    in_addr v4addr{};
    if (inet_pton(AF_INET, buf, &v4addr) == 1) return v4(ntohl(v4addr.s_addr));
    std::array<uint8_t, 16> b{};
    if (inet_pton(AF_INET6, buf, b.data()) == 1) return v6(b);
    return std::nullopt;
}

Address Address::from_sockaddr(const sockaddr* sa) {
    if (sa == nullptr) return {};
    if (sa->sa_family == AF_INET) {
        sockaddr_in sin;
        std::memcpy(&sin, sa, sizeof sin);
        return v4(ntohl(sin.sin_addr.s_addr));
    }
    if (sa->sa_family == AF_INET6) {
        sockaddr_in6 sin6;
        std::memcpy(&sin6, sa, sizeof sin6);
        std::array<uint8_t, 16> b{};
        std::memcpy(b.data(), &sin6.sin6_addr, 16);
        return v6(b);
    }
    return {};
}

int Address::family() const { return is_v4() ? AF_INET : AF_INET6; }

uint32_t Address::v4_value() const {
    return (uint32_t{bytes_[0]} << 24) | (uint32_t{bytes_[1]} << 16) | (uint32_t{bytes_[2]} << 8) | bytes_[3];
}

bool Address::is_loopback() const {
    if (is_v4()) return bytes_[0] == 127;
    for (int i = 0; i < 15; ++i)
        if (bytes_[static_cast<std::size_t>(i)] != 0) return false;
    return bytes_[15] == 1;
}

std::string Address::to_string() const {
    char buf[INET6_ADDRSTRLEN];
    if (inet_ntop(family(), bytes_.data(), buf, sizeof buf) == nullptr) return "?";
    return buf;
}

socklen_t Address::to_sockaddr(sockaddr_storage& out, uint16_t port) const {
    std::memset(&out, 0, sizeof out);
    if (is_v4()) {
        sockaddr_in sin{};
        sin.sin_family = AF_INET;
        sin.sin_port = htons(port);
        std::memcpy(&sin.sin_addr, bytes_.data(), 4);
        std::memcpy(&out, &sin, sizeof sin);
        return sizeof sin;
    }
    sockaddr_in6 sin6{};
    sin6.sin6_family = AF_INET6;
    sin6.sin6_port = htons(port);
    std::memcpy(&sin6.sin6_addr, bytes_.data(), 16);
    std::memcpy(&out, &sin6, sizeof sin6);
    return sizeof sin6;
}

namespace {

// Keeps the first `length` bits of the address and clears the rest.
Address mask(const Address& a, int length) {
    std::array<uint8_t, 16> b{};
    std::memcpy(b.data(), a.data(), a.size());
    int bits = static_cast<int>(a.size()) * 8;
    for (int i = 0; i < bits; ++i) {
        if (i < length) continue;
        b[static_cast<std::size_t>(i / 8)] &= static_cast<uint8_t>(~(0x80u >> (i % 8)));
    }
    if (a.is_v4()) return Address::v4((uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3]);
    return Address::v6(b);
}

}  // namespace

Result<Prefix> Prefix::parse(std::string_view text) {
    auto slash = text.find('/');
    auto addr_text = text.substr(0, slash);
    auto address = Address::parse(addr_text);
    if (!address)
        return unknown_error(fmt::format("'{}' is not an IP address or CIDR range: write it like 10.1.0.0/22 or 2001:db8::/64",
                                         text));
    int max = address->is_v4() ? 32 : 128;
    int length = max;
    if (slash != std::string_view::npos) {
        auto len_text = text.substr(slash + 1);
        auto [end, ec] = std::from_chars(len_text.data(), len_text.data() + len_text.size(), length);
        if (len_text.empty() || ec != std::errc{} || end != len_text.data() + len_text.size() || length < 0 ||
            length > max)
            return unknown_error(fmt::format("'{}' has a bad prefix length: use /0 to /{} for {}", text, max,
                                             address->is_v4() ? "IPv4" : "IPv6"));
    }
    Address base = mask(*address, length);
    if (base != *address)
        return unknown_error(fmt::format("'{}' has host bits set: did you mean {}/{}?", text, base.to_string(), length));
    return Prefix{base, length};
}

uint64_t Prefix::size() const {
    int host_bits = (base.is_v4() ? 32 : 128) - length;
    if (host_bits >= 64) return UINT64_MAX;
    return uint64_t{1} << host_bits;
}

Address Prefix::at(uint64_t index) const {
    if (base.is_v4()) return Address::v4(base.v4_value() + static_cast<uint32_t>(index));
    // Add the index to the low 64 bits, carrying into the high ones.
    std::array<uint8_t, 16> b{};
    std::memcpy(b.data(), base.data(), 16);
    unsigned carry = 0;
    for (int i = 15; i >= 0; --i) {
        unsigned sum = b[static_cast<std::size_t>(i)] + static_cast<unsigned>(index & 0xff) + carry;
        b[static_cast<std::size_t>(i)] = static_cast<uint8_t>(sum);
        carry = sum >> 8;
        index >>= 8;
    }
    return Address::v6(b);
}

bool Prefix::contains(const Address& address) const {
    return address.is_v4() == base.is_v4() && mask(address, length) == base;
}

std::string Prefix::to_string() const { return fmt::format("{}/{}", base.to_string(), length); }

bool looks_like_prefix(std::string_view text) { return text.find('/') != std::string_view::npos; }

}  // namespace nockit::net

std::size_t std::hash<nockit::net::Address>::operator()(const nockit::net::Address& a) const noexcept {
    // FNV-1a over the family and the address bytes: cheap and well spread for sequential ranges.
    uint64_t h = 1469598103934665603ull ^ (a.is_v4() ? 4u : 6u);
    for (std::size_t i = 0; i < a.size(); ++i) {
        h ^= a.data()[i];
        h *= 1099511628211ull;
    }
    return static_cast<std::size_t>(h);
}
