// Path probes through the engine on loopback (root: raw sockets): ICMP echo, UDP and TCP SYN probes
// with a TTL each reach 127.0.0.1 and ::1 and are matched to their answers, also with another
// measurement running at the same time; without privilege, one line names the fix.
#include "probe/engine.hpp"
#include "probe/sockets.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <thread>
#include <vector>

using namespace nockit;
using namespace nockit::probe;
using namespace std::chrono_literals;

namespace {

// Sends a fixed list of probes at once and waits for each for up to a second.
struct Batch final : PathDriver {
    std::vector<PathProbe> probes;
    std::map<uint32_t, PathAnswer> answers;
    std::map<uint32_t, Clock::time_point> deadlines;
    std::size_t next = 0, sent_count = 0;
    std::optional<PathProbe> due(Clock::time_point) override {
        if (next >= probes.size()) return std::nullopt;
        return probes[next];
    }
    void sent(const PathProbe& p, Clock::time_point now) override {
        deadlines[p.id] = now + 1s;
        ++next;
        ++sent_count;
    }
    void answered(const PathAnswer& a) override {
        if (a.outcome == Outcome::send_failed) ++next;
        CHECK_FALSE(answers.count(a.id));  // at most one answer per probe
        answers[a.id] = a;
    }
    std::optional<Clock::time_point> wake(Clock::time_point now) override {
        std::optional<Clock::time_point> soonest;
        for (auto& [id, at] : deadlines)
            if (!answers.count(id) && at > now && (!soonest || at < *soonest)) soonest = at;
        if (next >= probes.size() && !soonest) return std::nullopt;
        return soonest ? *soonest : now + 10ms;
    }
};

Batch batch(int count, int flows = 1) {
    Batch b;
    for (int i = 0; i < count; ++i) b.probes.push_back(PathProbe{static_cast<uint32_t>(i * 3 + 1), 1 + i % 3, i % flows, 0});
    return b;
}

// A listening TCP socket on a free loopback port.
struct Listener {
    int fd = -1;
    uint16_t port = 0;
    explicit Listener(const net::Address& at) {
        fd = ::socket(at.family(), SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_storage ss{};
        socklen_t len = at.to_sockaddr(ss, 0);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0);
        REQUIRE(::listen(fd, 16) == 0);
        socklen_t got = sizeof ss;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &got);
        port = ntohs(at.is_v4() ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
    }
    ~Listener() { ::close(fd); }
};

uint16_t closed_port(const net::Address& at) {
    Listener l(at);
    return l.port;
}

bool can_run() {
    if (geteuid() != 0) {
        MESSAGE("skipped: raw sockets need root");
        return false;
    }
    return true;
}

const net::Address kLoop4 = *net::Address::parse("127.0.0.1");
const net::Address kLoop6 = *net::Address::parse("::1");

}  // namespace

TEST_CASE("without raw-socket permission: one line naming the fix") {
    static int fail_errno = EPERM;
    SocketCalls denied{[](int, int, int) {
        errno = fail_errno;
        return -1;
    }};
    auto r = open_raw_socket(AF_INET, IPPROTO_UDP, denied);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("cannot open raw sockets") == 0);
    CHECK(r.error().message.find("setcap cap_net_raw+ep") != std::string::npos);
    CHECK(r.error().message.find('\n') == std::string::npos);
    fail_errno = EMFILE;
    r = open_raw_socket(AF_INET6, IPPROTO_ICMPV6, denied);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("ulimit -n") != std::string::npos);
}

TEST_CASE("path targets are checked before sockets open") {
    CHECK_FALSE(validate(PathTarget{kLoop4, PathMethod::udp, 0, 0, 0}).ok());
    CHECK_FALSE(validate(PathTarget{kLoop4, PathMethod::udp, 0, max_path_flows + 1, 0}).ok());
    CHECK_FALSE(validate(PathTarget{kLoop4, PathMethod::udp, 0, 1, -1}).ok());
    CHECK(validate(PathTarget{kLoop4, PathMethod::udp, 0, 4, 100}).ok());
}

TEST_CASE("ICMP echo, UDP and TCP SYN probes to loopback are matched to their answers") {
    if (!can_run()) return;
    for (const auto& to : {kLoop4, kLoop6}) {
        CAPTURE(to.to_string());
        SUBCASE("ICMP echo: replies") {
            auto engine = Engine::open_path(PathTarget{to, PathMethod::icmp_echo, 0, 2, 0});
            REQUIRE_MESSAGE(engine.ok(), engine.error().message);
            CHECK((*engine)->path_source() == to);
            CHECK((*engine)->path_local_mtu() >= 1280);
            auto b = batch(6, 2);
            REQUIRE((*engine)->run_path(b).ok());
            REQUIRE(b.answers.size() == 6);
            for (const auto& p : b.probes) {
                const auto& a = b.answers.at(p.id);
                CHECK(a.outcome == Outcome::reply);
                CHECK(a.from == to);
                CHECK(a.rtt > 0ns);
                CHECK(a.rtt < 1s);
            }
        }
        SUBCASE("UDP: port unreachable from the destination, matched by the quoted checksum") {
            auto engine = Engine::open_path(PathTarget{to, PathMethod::udp, closed_port(to), 3, 0});
            REQUIRE_MESSAGE(engine.ok(), engine.error().message);
            auto b = batch(6, 3);
            REQUIRE((*engine)->run_path(b).ok());
            REQUIRE(b.answers.size() == 6);
            for (const auto& [id, a] : b.answers) {
                CHECK(a.outcome == Outcome::icmp_error);
                CHECK(a.icmp_type == (to.is_v4() ? 3 : 1));
                CHECK(a.icmp_code == (to.is_v4() ? 3 : 4));
                CHECK(a.from == to);
            }
        }
        SUBCASE("TCP: a listening port answers SYN-ACK, a closed one a reset") {
            Listener open(to);
            auto engine = Engine::open_path(PathTarget{to, PathMethod::tcp_syn, open.port, 2, 0});
            REQUIRE_MESSAGE(engine.ok(), engine.error().message);
            auto b = batch(4, 2);
            REQUIRE((*engine)->run_path(b).ok());
            REQUIRE(b.answers.size() == 4);
            for (const auto& [id, a] : b.answers) CHECK(a.outcome == Outcome::reply);

            auto closed = Engine::open_path(PathTarget{to, PathMethod::tcp_syn, closed_port(to), 1, 0});
            REQUIRE(closed.ok());
            auto c = batch(3);
            REQUIRE((*closed)->run_path(c).ok());
            REQUIRE(c.answers.size() == 3);
            for (const auto& [id, a] : c.answers) CHECK(a.outcome == Outcome::refused);
        }
    }
}

TEST_CASE("two measurements at once never take each other's answers") {
    if (!can_run()) return;
    for (auto method : {PathMethod::icmp_echo, PathMethod::udp}) {
        CAPTURE(static_cast<int>(method));
        uint16_t port = method == PathMethod::udp ? closed_port(kLoop4) : 0;
        auto a = Engine::open_path(PathTarget{kLoop4, method, port, 1, 0});
        auto b = Engine::open_path(PathTarget{kLoop4, method, port, 1, 0});
        REQUIRE(a.ok());
        REQUIRE(b.ok());
        // The same probe numbers in both: only the flow identity (ICMP identifier, source port) and
        // the cookie tell them apart.
        auto ba = batch(20), bb = batch(20);
        std::thread other([&] { CHECK((*b)->run_path(bb).ok()); });
        CHECK((*a)->run_path(ba).ok());
        other.join();
        CHECK(ba.answers.size() == 20);
        CHECK(bb.answers.size() == 20);
    }
}

TEST_CASE("a probe the kernel refuses to send is reported, not waited for") {
    if (!can_run()) return;
    auto engine = Engine::open_path(PathTarget{kLoop4, PathMethod::icmp_echo, 0, 1, 0});
    REQUIRE(engine.ok());
    Batch b;
    // Larger than any loopback MTU allows without fragments (don't-fragment is always set).
    b.probes.push_back(PathProbe{0, 1, 0, 70000});
    b.probes.push_back(PathProbe{1, 1, 0, static_cast<std::size_t>((*engine)->path_local_mtu()) + 1});
    b.probes.push_back(PathProbe{2, 1, 0, 0});
    REQUIRE((*engine)->run_path(b).ok());
    REQUIRE(b.answers.size() == 3);
    CHECK(b.answers.at(0).outcome == Outcome::send_failed);
    CHECK(b.answers.at(1).outcome == Outcome::send_failed);
    CHECK(b.answers.at(1).detail.find("local MTU") != std::string::npos);
    CHECK(b.answers.at(2).outcome == Outcome::reply);
}
