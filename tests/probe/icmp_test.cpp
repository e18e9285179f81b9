// ICMP echo probes in a throwaway namespace lab (root): replies, timeouts, router errors, path MTU,
// strict matching against forged and foreign replies, pacing, and the unprivileged fallback.
#include "engine_lab.hpp"
#include "process.hpp"
#include "probe/engine.hpp"
#include "probe/packet.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <map>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using namespace nockit::probe;
using nockit::net::Address;
using nockit::test::Inside;
using nockit::test::EngineLab;

namespace {

Address addr(const char* text) { return *Address::parse(text); }

std::vector<ProbeResult> probe(const Options& o, const std::vector<Address>& targets,
                               std::chrono::steady_clock::duration* took = nullptr) {
    bool v4 = std::any_of(targets.begin(), targets.end(), [](auto& a) { return a.is_v4(); });
    bool v6 = std::any_of(targets.begin(), targets.end(), [](auto& a) { return !a.is_v4(); });
    auto engine = Engine::open(o, v4, v6);
    REQUIRE_MESSAGE(engine.ok(), (engine.ok() ? "" : engine.error().message));
    std::vector<ProbeResult> results;
    auto start = std::chrono::steady_clock::now();
    auto ran = (*engine)->run(targets, [&](const ProbeResult& p) { results.push_back(p); });
    if (took) *took = std::chrono::steady_clock::now() - start;
    REQUIRE(ran.ok());
    return results;
}

// Final results (duplicates aside) by target and probe.
std::map<std::pair<uint32_t, uint32_t>, ProbeResult> by_probe(const std::vector<ProbeResult>& results) {
    std::map<std::pair<uint32_t, uint32_t>, ProbeResult> m;
    for (const auto& r : results)
        if (!r.duplicate) {
            bool fresh = m.emplace(std::make_pair(r.target, r.probe), r).second;
            CHECK_MESSAGE(fresh, "probe reported twice");
        }
    return m;
}

#define NEED_LAB(lab)                                                                   \
    if (auto why = nockit::test::lab_unavailable(); !why.empty()) {                    \
        MESSAGE("skipped: " << why);                                                  \
        std::exit(77);                                                                \
    }                                                                                 \
    EngineLab lab;                                                                        \
    REQUIRE_MESSAGE(lab.ok, lab.error);

}  // namespace

TEST_CASE("echo replies, router errors and timeouts, IPv4 and IPv6 together") {
    NEED_LAB(lab);
    Inside in(lab.client);
    REQUIRE(in.ok());
    Options o;
    o.count = 2;
    o.interval = 100ms;
    o.timeout = 500ms;
    std::vector<Address> targets{addr("10.200.0.1"),   addr("10.203.0.2"),  addr("10.201.0.5"),
                                 addr("10.201.1.5"),   addr("10.202.0.5"),  addr("fd00:200::1"),
                                 addr("fd00:203::2"), addr("fd00:201::5"), addr("fd00:201:1::5"),
                                 addr("fd00:202::5"),  addr("127.0.0.1"),   addr("::1")};
    std::chrono::steady_clock::duration took{};
    auto results = probe(o, targets, &took);
    auto m = by_probe(results);
    REQUIRE(m.size() == targets.size() * 2);
    for (uint32_t p = 0; p < 2; ++p) {
        auto at = [&](uint32_t t) { return m.at({t, p}); };
        for (uint32_t t : {0u, 1u, 5u, 6u, 10u, 11u}) {
            CAPTURE(targets[t].to_string());
            CHECK(at(t).outcome == Outcome::reply);
            CHECK(at(t).from == targets[t]);
            CHECK(at(t).rtt > 0ns);
            CHECK(at(t).rtt < 50ms);
            CHECK(at(t).ttl > 0);
        }
        // The far host is one router away: its replies arrive with one hop used up.
        CHECK(at(1).ttl == 63);
        CHECK(at(6).ttl == 63);

        CHECK(at(2).outcome == Outcome::icmp_error);
        CHECK(at(2).from == addr("10.200.0.1"));  // the router, not the target
        CHECK(at(2).icmp_type == 3);
        CHECK(at(2).icmp_code == 1);
        CHECK(at(2).detail == "host unreachable");
        CHECK(at(2).rtt > 0ns);
        CHECK(at(2).rtt < 50ms);

        CHECK(at(3).outcome == Outcome::icmp_error);
        CHECK(at(3).icmp_code == 13);
        CHECK(at(3).detail == "communication administratively prohibited");

        CHECK(at(4).outcome == Outcome::timeout);
        CHECK(at(9).outcome == Outcome::timeout);

        CHECK(at(7).outcome == Outcome::icmp_error);
        CHECK(at(7).from == addr("fd00:200::1"));
        CHECK(at(7).icmp_type == 1);
        CHECK(at(7).icmp_code == 0);
        CHECK(at(8).outcome == Outcome::icmp_error);
        CHECK(at(8).icmp_code == 1);
    }
    // Two probes 100 ms apart, then the 500 ms timeout of the last one.
    CHECK(took >= 600ms);
    CHECK(took < 900ms);
}

TEST_CASE("a TTL of 1 draws time-exceeded from the first router") {
    NEED_LAB(lab);
    Inside in(lab.client);
    REQUIRE(in.ok());
    Options o;
    o.ttl = 1;
    o.timeout = 500ms;
    auto m = by_probe(probe(o, {addr("10.203.0.2"), addr("fd00:203::2")}));
    REQUIRE(m.size() == 2);
    CHECK(m.at({0, 0}).outcome == Outcome::icmp_error);
    CHECK(m.at({0, 0}).icmp_type == 11);
    CHECK(m.at({0, 0}).from == addr("10.200.0.1"));
    CHECK(m.at({0, 0}).detail == "TTL exceeded in transit");
    CHECK(m.at({1, 0}).icmp_type == 3);
    CHECK(m.at({1, 0}).from == addr("fd00:200::1"));
}

TEST_CASE("don't fragment: the router's MTU, then the local one") {
    NEED_LAB(lab);
    Inside in(lab.client);
    REQUIRE(in.ok());
    Options o;
    o.dont_fragment = true;
    o.payload = 1400;
    o.count = 2;
    o.interval = 200ms;
    o.timeout = 500ms;
    auto m = by_probe(probe(o, {addr("10.203.0.2"), addr("fd00:203::2")}));
    REQUIRE(m.size() == 4);
    for (uint32_t t : {0u, 1u}) {
        const auto& first = m.at({t, 0});
        CHECK(first.outcome == Outcome::icmp_error);
        CHECK(first.next_hop_mtu == 1280);
        CHECK(first.icmp_type == (t == 0 ? 3 : 2));
        CHECK(first.from == (t == 0 ? addr("10.200.0.1") : addr("fd00:200::1")));
        // The kernel learned the path MTU: the next probe cannot even leave.
        const auto& second = m.at({t, 1});
        CHECK(second.outcome == Outcome::send_failed);
        CHECK(second.detail == "message too long: local MTU is 1280 bytes");
    }
    // Without --df the same probe is fragmented and answered.
    o.dont_fragment = false;
    o.count = 1;
    auto frag = by_probe(probe(o, {addr("10.203.0.2")}));
    CHECK(frag.at({0, 0}).outcome == Outcome::reply);
}

namespace {

// Sees every echo request on the client's loopback and answers it in its own way.
struct Forger {
    enum class Kind { wrong_cookie, wrong_source, exact_copy_twice };
    Kind kind;
    int listen_fd = -1, send_fd = -1, send_fd_other = -1;
    std::atomic<bool> done{false};
    std::atomic<int> requests{0};
    std::thread thread;

    explicit Forger(Kind k) : kind(k) {
        listen_fd = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
        send_fd = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
        send_fd_other = ::socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
        REQUIRE(listen_fd >= 0);
        sockaddr_storage ss{};
        socklen_t len = addr("127.0.0.2").to_sockaddr(ss);
        REQUIRE(::bind(send_fd_other, reinterpret_cast<sockaddr*>(&ss), len) == 0);  // replies "from" 127.0.0.2
        thread = std::thread([this] { loop(); });
    }
    ~Forger() {
        done = true;
        thread.join();
        for (int fd : {listen_fd, send_fd, send_fd_other}) ::close(fd);
    }
    void loop() {
        uint8_t buf[2048];
        while (!done) {
            pollfd p{listen_fd, POLLIN, 0};
            if (poll(&p, 1, 20) <= 0) continue;
            ssize_t n = recv(listen_fd, buf, sizeof buf, 0);
            if (n < 28) continue;
            std::span<const uint8_t> packet(buf, static_cast<std::size_t>(n));
            auto ip = packet::parse_ipv4_header(packet);
            if (!ip) continue;
            std::vector<uint8_t> icmp(packet.begin() + static_cast<long>(ip->header_length), packet.end());
            if (icmp[0] != packet::icmp_echo_request) continue;
            ++requests;
            icmp[0] = packet::icmp_echo_reply;
            int fd = send_fd;
            if (kind == Kind::wrong_cookie) icmp[8] ^= 0xff;  // same identifier and sequence, other payload
            if (kind == Kind::wrong_source) fd = send_fd_other;
            icmp[2] = icmp[3] = 0;
            uint16_t sum = packet::internet_checksum(icmp);
            icmp[2] = static_cast<uint8_t>(sum >> 8);
            icmp[3] = static_cast<uint8_t>(sum);
            sockaddr_storage ss{};
            socklen_t len = ip->source.to_sockaddr(ss);
            int copies = kind == Kind::exact_copy_twice ? 2 : 1;
            for (int i = 0; i < copies; ++i)
                sendto(fd, icmp.data(), icmp.size(), 0, reinterpret_cast<sockaddr*>(&ss), len);
        }
    }
};

}  // namespace

TEST_CASE("forged replies are never counted") {
    NEED_LAB(lab);
    // The client's kernel stays silent, so the forger's packets are the only answers.
    REQUIRE(lab.client.sysctl("net.ipv4.icmp_echo_ignore_all", "1"));
    Inside in(lab.client);
    REQUIRE(in.ok());
    Options o;
    o.count = 3;
    o.interval = 50ms;
    o.timeout = 300ms;
    std::vector<Address> target{addr("127.0.0.1")};

    SUBCASE("right identifier and sequence, wrong cookie") {
        Forger forger(Forger::Kind::wrong_cookie);
        auto m = by_probe(probe(o, target));
        CHECK(forger.requests == 3);
        for (auto& [k, r] : m) CHECK(r.outcome == Outcome::timeout);
    }
    SUBCASE("an exact copy of the probe's payload, from the wrong source") {
        Forger forger(Forger::Kind::wrong_source);
        auto results = probe(o, target);
        CHECK(forger.requests == 3);
        CHECK(results.size() == 3);
        for (auto& r : results) CHECK(r.outcome == Outcome::timeout);
    }
    SUBCASE("the same forger, from the right source, is an answer (and its copy a duplicate)") {
        // Shows the two cases above fail for the right reason, not because the forger never got through.
        Forger forger(Forger::Kind::exact_copy_twice);
        auto results = probe(o, target);
        CHECK(forger.requests == 3);
        int replies = 0, duplicates = 0;
        for (auto& r : results) {
            CHECK(r.outcome == Outcome::reply);
            (r.duplicate ? duplicates : replies) += 1;
        }
        CHECK(replies == 3);
        // The last probe's copy may arrive after the run is over; the earlier ones' cannot.
        CHECK(duplicates >= 2);
    }
}

TEST_CASE("replies to another program's pings are not ours") {
    NEED_LAB(lab);
    Inside in(lab.client);
    REQUIRE(in.ok());
    // iputils ping to the same address at the same time, from inside the lab.
    const char* argv[] = {"ping", "-c", "10", "-i", "0.05", "-q", "127.0.0.1", nullptr};
    pid_t pid = -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    REQUIRE(posix_spawnp(&pid, "ping", &fa, nullptr, const_cast<char**>(argv), environ) == 0);
    posix_spawn_file_actions_destroy(&fa);
    std::this_thread::sleep_for(50ms);

    Options o;
    o.count = 10;
    o.interval = 50ms;
    o.timeout = 500ms;
    auto results = probe(o, {addr("127.0.0.1")});
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);  // ping got its own answers
    CHECK(results.size() == 10);      // and none of them showed up here as extra or duplicate replies
    for (auto& r : results) {
        CHECK(r.outcome == Outcome::reply);
        CHECK_FALSE(r.duplicate);
    }
}

TEST_CASE("pacing: the global rate and the default sweep") {
    NEED_LAB(lab);
    Inside in(lab.client);
    REQUIRE(in.ok());
    Options o;
    o.timeout = 1s;

    SUBCASE("200 probes at 1000 per second take at least 0.2 s") {
        o.rate_pps = 1000;
        o.count = 200;
        o.interval = 0ns;
        std::chrono::steady_clock::duration took{};
        auto results = probe(o, {addr("127.0.0.1")}, &took);
        CHECK(results.size() == 200);
        CHECK(took >= 195ms);
        CHECK(took < 1s);
        for (auto& r : results) CHECK(r.outcome == Outcome::reply);
    }
    SUBCASE("a /22 of loopback addresses is swept well inside 1.5 s with the default rate") {
        std::vector<Address> targets;
        for (uint32_t i = 0; i < 1024; ++i) targets.push_back(Address::v4(0x7f010000u + i));  // 127.1.0.0/22
        std::chrono::steady_clock::duration took{};
        auto m = by_probe(probe(o, targets, &took));
        REQUIRE(m.size() == 1024);
        for (auto& [k, r] : m) {
            CHECK(r.outcome == Outcome::reply);
            CHECK(r.from == targets[k.first]);
        }
        MESSAGE("1024 loopback targets in " << std::chrono::duration<double, std::milli>(took).count() << " ms");
        CHECK(took < 600ms);
    }
    SUBCASE("a per-target interval spaces each target's probes, targets interleaved") {
        o.count = 3;
        o.interval = 100ms;
        std::vector<int64_t> order;
        std::chrono::steady_clock::duration took{};
        auto results = probe(o, {addr("127.0.0.1"), addr("127.0.0.2")}, &took);
        REQUIRE(results.size() == 6);
        for (auto& r : results) order.push_back(r.probe);
        CHECK(order == std::vector<int64_t>{0, 0, 1, 1, 2, 2});
        CHECK(took >= 200ms);
        CHECK(took < 400ms);
    }
}

TEST_CASE("unprivileged: a clear error, or ICMP datagram sockets when the sysctl allows") {
    NEED_LAB(lab);
    std::string helper = std::string(NOCKIT_BINARY_DIR) + "/tests/probe/probe_icmp_helper";
    std::vector<std::string> as_nobody{"ip",      "netns",          "exec",     lab.client.name(),
                                       "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                                       helper,    "10.200.0.1",     "10.201.0.5",      "::1"};
    SUBCASE("ping_group_range excludes everyone: the message names every fix") {
        REQUIRE(lab.client.sysctl("net.ipv4.ping_group_range", "1 0"));
        auto r = nockit::test::run(as_nobody, {}, 20);
        CHECK(r.status == 3);
        CHECK(r.out.empty());
        CHECK(r.err.find("cannot send ICMP: raw sockets need root or CAP_NET_RAW") == 0);
        CHECK(r.err.find("setcap cap_net_raw+ep") != std::string::npos);
        CHECK(r.err.find("net.ipv4.ping_group_range") != std::string::npos);
        CHECK(r.err.find("--tcp PORT") != std::string::npos);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    }
    SUBCASE("ping_group_range includes nobody: datagram sockets, replies and router errors") {
        REQUIRE(lab.client.sysctl("net.ipv4.ping_group_range", "0 2147483647"));
        auto r = nockit::test::run(as_nobody, {}, 20);
        INFO(r.err);
        CHECK(r.status == 0);
        CHECK(r.out.find("mode datagram\n") == 0);
        CHECK(r.out.find("10.200.0.1 reply 10.200.0.1 0 0") != std::string::npos);
        // The error arrives on the socket error queue, with the router as offender.
        CHECK(r.out.find("10.201.0.5 icmp-error 10.200.0.1 3 1") != std::string::npos);
        CHECK(r.out.find("::1 reply ::1 129 0") != std::string::npos);
        CHECK(std::count(r.out.begin(), r.out.end(), '\n') == 4);
    }
}
