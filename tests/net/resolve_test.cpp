// Name resolution: literals, localhost, unresolvable names, many names at once, and the deadline.
#include "net/resolve.hpp"

#include <doctest/doctest.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <chrono>
#include <thread>

using namespace std::chrono_literals;
using nockit::net::Resolution;
using nockit::net::resolve_all;

namespace {

// A lookup that takes `delay` and answers 192.0.2.x; counts its calls.
struct SlowLookup {
    std::chrono::milliseconds delay;
    std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
    Resolution operator()(const std::string& name, int) const {
        ++*calls;
        std::this_thread::sleep_for(delay);
        Resolution r{name, {}, {}};
        r.addresses.push_back(nockit::net::Address::v4(0xc0000200u + static_cast<uint32_t>(name.size())));
        return r;
    }
};

double ms(std::chrono::steady_clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

}  // namespace

TEST_CASE("literals come back without a lookup, in input order") {
    SlowLookup lookup{1000ms};
    auto r = resolve_all({"192.0.2.1", "[2001:db8::1]", ""}, AF_UNSPEC, 2s, lookup);
    REQUIRE(r.size() == 3);
    CHECK(*lookup.calls == 0);
    CHECK(r[0].error.empty());
    REQUIRE(r[0].addresses.size() == 1);
    CHECK(r[0].addresses[0].to_string() == "192.0.2.1");
    CHECK(r[1].addresses.at(0).to_string() == "2001:db8::1");
    CHECK(r[2].error == "empty host name: give a name or an IP address");
}

TEST_CASE("a literal of the wrong family is an error naming the flag") {
    auto r = resolve_all({"192.0.2.1"}, AF_INET6, 2s);
    REQUIRE(r.size() == 1);
    CHECK(r[0].addresses.empty());
    CHECK(r[0].error.find("drop -6") != std::string::npos);
}

TEST_CASE("localhost resolves through the system resolver, and -4 picks the family") {
    auto any = resolve_all({"localhost"}, AF_UNSPEC, 5s);
    REQUIRE(any.size() == 1);
    CHECK(any[0].error.empty());
    REQUIRE_FALSE(any[0].addresses.empty());
    for (auto& a : any[0].addresses) CHECK(a.is_loopback());

    auto v4 = resolve_all({"localhost"}, AF_INET, 5s);
    REQUIRE_FALSE(v4[0].addresses.empty());
    for (auto& a : v4[0].addresses) CHECK(a.is_v4());
}

TEST_CASE("an unresolvable name is a one-line error naming it") {
    // Lookups of a .invalid name would ask the configured DNS server; in a private network namespace the
    // question cannot leave the machine and the resolver still has to fail it.
    if (unshare(CLONE_NEWNET) != 0 && unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0) {
        MESSAGE("skipped: needs root (or user namespaces) for a private network namespace");
        return;
    }
    auto r = resolve_all({"no-such-host.invalid"}, AF_UNSPEC, 5s);
    REQUIRE(r.size() == 1);
    CHECK(r[0].addresses.empty());
    CHECK(r[0].error.find("cannot resolve 'no-such-host.invalid': ") == 0);
    CHECK(r[0].error.find("use an IP address") != std::string::npos);
    CHECK(r[0].error.find('\n') == std::string::npos);
}

TEST_CASE("several names resolve together, in about the time of one") {
    SlowLookup lookup{200ms};
    std::vector<std::string> names;
    for (int i = 0; i < 12; ++i) names.push_back("host-" + std::string(static_cast<std::size_t>(i + 1), 'x'));
    auto start = std::chrono::steady_clock::now();
    auto r = resolve_all(names, AF_UNSPEC, 5s, lookup);
    auto took = std::chrono::steady_clock::now() - start;
    MESSAGE("12 lookups of 200 ms each took " << ms(took) << " ms");
    CHECK(*lookup.calls == 12);
    REQUIRE(r.size() == names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        CHECK(r[i].name == names[i]);  // same order as asked
        CHECK(r[i].error.empty());
        REQUIRE(r[i].addresses.size() == 1);
        CHECK(r[i].addresses[0].v4_value() == 0xc0000200u + names[i].size());
    }
    CHECK(took >= 200ms);
    CHECK(took < 600ms);  // one after another would be 2.4 s
}

TEST_CASE("a lookup that outlives the timeout is reported, not waited for") {
    SlowLookup slow{1500ms};
    auto start = std::chrono::steady_clock::now();
    auto r = resolve_all({"slow.example", "10.0.0.1"}, AF_UNSPEC, 100ms, slow);
    auto took = std::chrono::steady_clock::now() - start;
    REQUIRE(r.size() == 2);
    CHECK(took < 1000ms);
    CHECK(r[0].addresses.empty());
    CHECK(r[0].error == "cannot resolve 'slow.example': no answer within 100 ms; check the DNS servers in "
                        "/etc/resolv.conf or use an IP address");
    CHECK(r[1].error.empty());
}
