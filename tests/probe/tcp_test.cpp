// TCP connect probes on loopback (no privilege needed): replies, refusals, timeouts and pacing.
#include "probe/engine.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <vector>

using namespace std::chrono_literals;
using namespace nockit::probe;
using nockit::net::Address;

namespace {

// A listening TCP socket on a free loopback port.
struct Listener {
    int fd = -1;
    uint16_t port = 0;
    Listener(const char* address, int backlog) {
        auto a = *Address::parse(address);
        fd = ::socket(a.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
        REQUIRE(fd >= 0);
        sockaddr_storage ss{};
        socklen_t len = a.to_sockaddr(ss, 0);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0);
        REQUIRE(::listen(fd, backlog) == 0);
        REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0);
        port = ntohs(a.is_v4() ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                               : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
    }
    ~Listener() { ::close(fd); }
};

// A port nothing listens on: bound once to find a free one, then released.
uint16_t closed_port(const char* address) {
    Listener l(address, 1);
    return l.port;
}

struct Run {
    std::vector<ProbeResult> results;
    std::chrono::steady_clock::duration took{};
};

Run probe(const Options& o, const std::vector<Address>& targets) {
    auto engine = Engine::open(o, true, true);
    REQUIRE(engine.ok());
    Run r;
    auto start = std::chrono::steady_clock::now();
    auto ran = (*engine)->run(targets, [&](const ProbeResult& p) { r.results.push_back(p); });
    r.took = std::chrono::steady_clock::now() - start;
    REQUIRE(ran.ok());
    return r;
}

Options tcp(uint16_t port) {
    Options o;
    o.method = Method::tcp_connect;
    o.port = port;
    o.timeout = 1s;
    return o;
}

}  // namespace

TEST_CASE("a listening port answers, on IPv4 and IPv6") {
    Listener v4("127.0.0.1", 64);
    Listener v6("::1", 64);
    // Both targets use one port number only if it happens to be free on both: probe them separately.
    for (auto* l : {&v4, &v6}) {
        Options o = tcp(l->port);
        o.count = 3;
        o.interval = 50ms;
        auto target = l == &v4 ? *Address::parse("127.0.0.1") : *Address::parse("::1");
        auto r = probe(o, {target});
        REQUIRE(r.results.size() == 3);
        for (uint32_t i = 0; i < 3; ++i) {
            const auto& p = r.results[i];
            CHECK(p.outcome == Outcome::reply);
            CHECK(p.probe == i);  // one target: answers come in probe order
            CHECK(p.target == 0);
            CHECK(p.from == target);
            CHECK(p.rtt > 0ns);
            CHECK(p.rtt < 100ms);
            CHECK_FALSE(p.duplicate);
        }
        CHECK(r.took >= 100ms);  // two intervals between three probes
    }
}

TEST_CASE("a closed port is refused: the host is up") {
    uint16_t port = closed_port("127.0.0.1");
    auto r = probe(tcp(port), {*Address::parse("127.0.0.1"), *Address::parse("127.0.0.2")});
    REQUIRE(r.results.size() == 2);
    for (const auto& p : r.results) {
        CHECK(p.outcome == Outcome::refused);
        CHECK(p.rtt < 100ms);
    }
    CHECK(r.took < 500ms);  // refusals end the run, not the timeout
}

TEST_CASE("a port that never completes the handshake times out") {
    // With a backlog of 0 the accept queue holds one connection; the kernel drops later SYNs silently.
    Listener full("127.0.0.1", 0);
    Options o = tcp(full.port);
    o.count = 3;
    o.interval = 20ms;
    o.timeout = 300ms;
    auto r = probe(o, {*Address::parse("127.0.0.1")});
    REQUIRE(r.results.size() == 3);
    std::sort(r.results.begin(), r.results.end(), [](auto& a, auto& b) { return a.probe < b.probe; });
    CHECK(r.results[0].outcome == Outcome::reply);
    CHECK(r.results[1].outcome == Outcome::timeout);
    CHECK(r.results[2].outcome == Outcome::timeout);
    CHECK(r.took >= 300ms);
    CHECK(r.took < 1s);
}

TEST_CASE("the global rate paces the probes; the default sends a burst quickly") {
    Listener l("127.0.0.1", 4096);
    std::vector<Address> targets(200, *Address::parse("127.0.0.1"));
    Options o = tcp(l.port);
    o.rate_pps = 1000;
    auto paced = probe(o, targets);
    CHECK(paced.results.size() == 200);
    CHECK(paced.took >= 190ms);  // 200 probes at 1000 per second
    CHECK(paced.took < 2s);
    std::vector<int> seen(200, 0);
    for (const auto& p : paced.results) {
        CHECK(p.outcome == Outcome::reply);
        ++seen.at(p.target);
    }
    CHECK(std::count(seen.begin(), seen.end(), 1) == 200);  // every target exactly once

    o.rate_pps = 0;  // engine default: thousands per second
    auto fast = probe(o, targets);
    CHECK(fast.results.size() == 200);
    CHECK(fast.took < 150ms);
}

TEST_CASE("stop ends the run with the results so far") {
    Listener l("127.0.0.1", 64);
    Options o = tcp(l.port);
    o.count = 100;
    o.interval = 10ms;
    auto engine = Engine::open(o, true, false);
    REQUIRE(engine.ok());
    std::atomic<bool> stop{false};
    std::vector<Address> target{*Address::parse("127.0.0.1")};
    int seen = 0;
    auto start = std::chrono::steady_clock::now();
    auto ran = (*engine)->run(
        target,
        [&](const ProbeResult&) {
            if (++seen == 5) stop = true;
        },
        &stop);
    CHECK(ran.ok());
    CHECK(seen == 5);
    CHECK(std::chrono::steady_clock::now() - start < 500ms);
}
