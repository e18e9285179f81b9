// Address and CIDR parsing, formatting, ordering and range expansion.
#include "net/address.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>

#include <set>
#include <unordered_set>

using nockit::net::Address;
using nockit::net::Prefix;

TEST_CASE("addresses parse and print in their usual form") {
    SUBCASE("IPv4") {
        auto a = Address::parse("10.0.0.1");
        REQUIRE(a);
        CHECK(a->is_v4());
        CHECK(a->family() == AF_INET);
        CHECK(a->v4_value() == 0x0a000001u);
        CHECK(a->to_string() == "10.0.0.1");
    }
    SUBCASE("IPv6, compressed on output") {
        auto a = Address::parse("2001:0db8:0000:0000:0000:0000:0000:0001");
        REQUIRE(a);
        CHECK_FALSE(a->is_v4());
        CHECK(a->family() == AF_INET6);
        CHECK(a->to_string() == "2001:db8::1");
    }
    SUBCASE("bracketed IPv6") {
        auto a = Address::parse("[::1]");
        REQUIRE(a);
        CHECK(a->to_string() == "::1");
        CHECK(a->is_loopback());
    }
    SUBCASE("not addresses") {
        for (const char* bad : {"", "10.0.0", "10.0.0.256", "10.0.0.1.2", "host.example", "::g", "[10.0.0.1",
                                "10.0.0.1 ", "010.0.0.1x", "1.2.3.4/24"})
            CHECK_MESSAGE(!Address::parse(bad), bad);
    }
}

TEST_CASE("addresses are compact, ordered and hashable") {
    CHECK(sizeof(Address) <= 20);
    auto a = *Address::parse("10.0.0.2");
    auto b = *Address::parse("10.0.0.10");
    auto c = *Address::parse("::1");
    CHECK(a < b);       // numeric, not textual
    CHECK(b < c);       // IPv4 before IPv6
    CHECK(a == *Address::parse("10.0.0.2"));
    CHECK(Address{} == *Address::parse("0.0.0.0"));
    std::unordered_set<Address> set{a, b, c, a};
    CHECK(set.size() == 3);
    CHECK(std::hash<Address>{}(a) != std::hash<Address>{}(b));
}

TEST_CASE("socket addresses round-trip with the port") {
    for (const char* text : {"192.0.2.7", "2001:db8::7"}) {
        auto a = *Address::parse(text);
        sockaddr_storage ss{};
        socklen_t len = a.to_sockaddr(ss, 8080);
        CHECK(len == (a.is_v4() ? sizeof(sockaddr_in) : sizeof(sockaddr_in6)));
        CHECK(ss.ss_family == a.family());
        auto port = a.is_v4() ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                              : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port;
        CHECK(ntohs(port) == 8080);
        CHECK(Address::from_sockaddr(reinterpret_cast<sockaddr*>(&ss)) == a);
    }
}

TEST_CASE("CIDR ranges parse, expand and contain") {
    SUBCASE("a /22 is 1024 addresses in order") {
        auto p = Prefix::parse("10.1.0.0/22");
        REQUIRE(p.ok());
        CHECK(p->size() == 1024);
        CHECK(p->at(0).to_string() == "10.1.0.0");
        CHECK(p->at(255).to_string() == "10.1.0.255");
        CHECK(p->at(256).to_string() == "10.1.1.0");
        CHECK(p->at(1023).to_string() == "10.1.3.255");
        CHECK(p->contains(*Address::parse("10.1.3.200")));
        CHECK_FALSE(p->contains(*Address::parse("10.1.4.0")));
        CHECK_FALSE(p->contains(*Address::parse("::1")));
        CHECK(p->to_string() == "10.1.0.0/22");
    }
    SUBCASE("a bare address is a single host") {
        auto p = Prefix::parse("192.0.2.1");
        REQUIRE(p.ok());
        CHECK(p->length == 32);
        CHECK(p->size() == 1);
    }
    SUBCASE("IPv6 ranges carry across bytes and saturate") {
        auto p = Prefix::parse("2001:db8::/120");
        REQUIRE(p.ok());
        CHECK(p->size() == 256);
        CHECK(p->at(255).to_string() == "2001:db8::ff");
        auto big = Prefix::parse("2001:db8::/64");
        REQUIRE(big.ok());
        CHECK(big->size() == UINT64_MAX);
        CHECK(big->at(0x1ff).to_string() == "2001:db8::1ff");
        auto all = Prefix::parse("::/0");
        REQUIRE(all.ok());
        CHECK(all->size() == UINT64_MAX);
    }
    SUBCASE("/0 and /31 edges") {
        auto p = Prefix::parse("0.0.0.0/0");
        REQUIRE(p.ok());
        CHECK(p->size() == (uint64_t{1} << 32));
        CHECK(p->at(0xffffffffu).to_string() == "255.255.255.255");
        auto q = Prefix::parse("10.0.0.0/31");
        REQUIRE(q.ok());
        CHECK(q->size() == 2);
    }
}

TEST_CASE("bad CIDR input gets one line naming the input and the fix") {
    SUBCASE("host bits set") {
        auto p = Prefix::parse("10.1.0.5/22");
        REQUIRE_FALSE(p.ok());
        CHECK(p.error().message == "'10.1.0.5/22' has host bits set: did you mean 10.1.0.0/22?");
        CHECK(p.error().code == nockit::ExitCode::unknown);
        auto q = Prefix::parse("2001:db8::1/64");
        REQUIRE_FALSE(q.ok());
        CHECK(q.error().message.find("did you mean 2001:db8::/64?") != std::string::npos);
    }
    SUBCASE("bad length") {
        for (const char* bad : {"10.0.0.0/33", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/2x", "::/129"}) {
            auto p = Prefix::parse(bad);
            REQUIRE_FALSE_MESSAGE(p.ok(), bad);
            CHECK(p.error().message.find(bad) != std::string::npos);
            CHECK(p.error().message.find("prefix length") != std::string::npos);
            CHECK(p.error().message.find('\n') == std::string::npos);
        }
    }
    SUBCASE("not an address") {
        auto p = Prefix::parse("10.0.0/24");
        REQUIRE_FALSE(p.ok());
        CHECK(p.error().message.find("'10.0.0/24' is not an IP address or CIDR range") == 0);
    }
    CHECK(nockit::net::looks_like_prefix("10.0.0.0/8"));
    CHECK_FALSE(nockit::net::looks_like_prefix("router1.example"));
}
