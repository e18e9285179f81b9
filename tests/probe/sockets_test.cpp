// Opening ICMP sockets: raw first, unprivileged datagram second, else one message naming every fix.
#include "probe/sockets.hpp"

#include "probe/engine.hpp"

#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

using namespace nockit::probe;

namespace {

// socket(2) stand-ins: which calls were made, and how each kind of socket fails.
struct Recorded {
    int domain, type, protocol;
};
std::vector<Recorded> calls_made;
int raw_errno = 0, dgram_errno = 0;

int fake_socket(int domain, int type, int protocol) {
    calls_made.push_back({domain, type, protocol});
    int base = type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC);
    int e = base == SOCK_RAW ? raw_errno : dgram_errno;
    if (e != 0) {
        errno = e;
        return -1;
    }
    return ::dup(0);  // any descriptor will do: nothing is sent through it
}

const SocketCalls fake{&fake_socket};

}  // namespace

TEST_CASE("a raw socket is used when permitted") {
    calls_made.clear();
    raw_errno = dgram_errno = 0;
    auto s = open_icmp_socket(AF_INET, fake);
    REQUIRE(s.ok());
    CHECK(s->mode == IcmpMode::raw);
    REQUIRE(calls_made.size() == 1);
    CHECK(calls_made[0].protocol == IPPROTO_ICMP);
    CHECK((calls_made[0].type & SOCK_NONBLOCK) != 0);
}

TEST_CASE("without CAP_NET_RAW the unprivileged ICMP socket is used") {
    calls_made.clear();
    raw_errno = EPERM;
    dgram_errno = 0;
    auto s = open_icmp_socket(AF_INET6, fake);
    REQUIRE(s.ok());
    CHECK(s->mode == IcmpMode::datagram);
    REQUIRE(calls_made.size() == 2);
    CHECK((calls_made[1].type & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)) == SOCK_DGRAM);
    CHECK(calls_made[1].protocol == IPPROTO_ICMPV6);
}

TEST_CASE("when neither is allowed the message names all three fixes on one line") {
    raw_errno = EPERM;
    dgram_errno = EACCES;  // what the kernel says when the group is outside ping_group_range
    auto s = open_icmp_socket(AF_INET, fake);
    REQUIRE_FALSE(s.ok());
    const auto& m = s.error().message;
    CHECK(s.error().code == nockit::ExitCode::unknown);
    CHECK(m.find("cannot send ICMP") == 0);
    CHECK(m.find("setcap cap_net_raw+ep") != std::string::npos);
    CHECK(m.find("net.ipv4.ping_group_range") != std::string::npos);
    CHECK(m.find("--tcp PORT") != std::string::npos);
    CHECK(m.find('\n') == std::string::npos);
    CHECK(m == icmp_not_permitted_message());
}

TEST_CASE("other failures say what happened instead of blaming privilege") {
    raw_errno = EMFILE;
    auto s = open_icmp_socket(AF_INET, fake);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message.find("ulimit -n") != std::string::npos);
    raw_errno = EAFNOSUPPORT;
    auto v6 = open_icmp_socket(AF_INET6, fake);
    REQUIRE_FALSE(v6.ok());
    CHECK(v6.error().message.find("no IPv6 support") != std::string::npos);
    raw_errno = 0;
}

TEST_CASE("options are checked before anything is opened") {
    Options o;
    CHECK(validate(o).ok());
    auto bad = [](auto change) {
        Options x;
        change(x);
        auto r = validate(x);
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message.find('\n') == std::string::npos);
        return r.error().message;
    };
    CHECK(bad([](Options& x) { x.count = 0; }).find("-c") != std::string::npos);
    CHECK(bad([](Options& x) { x.interval = std::chrono::seconds(-1); }).find("-i") != std::string::npos);
    CHECK(bad([](Options& x) { x.rate_pps = -5; }).find("--rate") != std::string::npos);
    CHECK(bad([](Options& x) { x.timeout = std::chrono::seconds(0); }).find("-W") != std::string::npos);
    CHECK(bad([](Options& x) { x.payload = 70000; }).find("-s") != std::string::npos);
    CHECK(bad([](Options& x) { x.ttl = 300; }).find("TTL") != std::string::npos);
    CHECK(bad([](Options& x) { x.method = Method::tcp_connect; }).find("--tcp") != std::string::npos);
    auto opened = Engine::open(Options{.count = 0}, true, false);
    REQUIRE_FALSE(opened.ok());
}

TEST_CASE("ICMP types and codes in words") {
    CHECK(icmp_meaning(false, 3, 1) == "host unreachable");
    CHECK(icmp_meaning(false, 3, 13) == "communication administratively prohibited");
    CHECK(icmp_meaning(false, 11, 0) == "TTL exceeded in transit");
    CHECK(icmp_meaning(true, 1, 3) == "address unreachable");
    CHECK(icmp_meaning(true, 2, 0) == "packet too big");
    CHECK(icmp_meaning(true, 3, 0) == "hop limit exceeded in transit");
    CHECK(icmp_meaning(false, 3, 99) == "destination unreachable (code 99)");
    CHECK(to_string(Outcome::icmp_error) == "icmp-error");
}
