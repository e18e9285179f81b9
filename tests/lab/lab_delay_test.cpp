// The delay wire's accuracy as a user measures it: iputils ping across the `delay` lab, idle and
// under about 1000 packets per second of other traffic, over IPv4 and IPv6.
#include "lab.hpp"
#include "tool_output.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <future>
#include <thread>

using nockit::test::Lab;
using nockit::test::parse_ping;

namespace {

/// Pings 20 times at 50 ms intervals and checks the average round trip against the topology.
/// The lab shares two CPUs with whatever else runs: a stall of the whole machine can stretch a
/// few round trips by milliseconds, so one more sample is taken before calling the wire wrong.
void check_rtt(const Lab& lab, const std::string& target, double expected_ms) {
    CAPTURE(target);
    const double tolerance = 1.0 + 0.02 * expected_ms;
    double avg = -1;
    for (int attempt = 1; attempt <= 2; ++attempt) {
        const auto r = lab.exec("client", {"ping", "-n", "-c", "20", "-i", "0.05", target});
        const auto ping = parse_ping(r.out);
        REQUIRE_MESSAGE(ping, r.out, r.err);
        REQUIRE(ping->received == 20);
        avg = ping->avg_ms;
        if (std::fabs(avg - expected_ms) <= tolerance) break;
        MESSAGE("attempt ", attempt, ": average ", avg, " ms against ", expected_ms, " ms");
    }
    CAPTURE(avg);
    CHECK(std::fabs(avg - expected_ms) <= tolerance);
}

}  // namespace

TEST_CASE("a delayed link's round trip matches the topology within 1 ms + 2 %") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("delay");
    const double rtt = lab.expect().at("rtt_ms").get<double>();
    check_rtt(lab, lab.address("server", 4), rtt);
    check_rtt(lab, lab.address("server", 6), rtt);

    {
        INFO("with about 1000 packets per second of other traffic on the link");
        // 1500 pings at 1 ms intervals (a preload keeps them flowing at the full rate), covering
        // the 1 s measurement.
        auto load = std::async(std::launch::async, [&] {
            return lab.exec("client", {"ping", "-q", "-n", "-l", "50", "-i", "0.001", "-c", "1500", lab.address("server")}, 30);
        });
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        check_rtt(lab, lab.address("server", 4), rtt);
        const auto loaded = parse_ping(load.get().out);
        REQUIRE(loaded);
        CHECK(loaded->received >= 1490);
        CHECK(std::fabs(loaded->avg_ms - rtt) <= 1.0 + 0.02 * rtt);
    }

    {
        INFO("neighbour discovery and ARP pass through the wire");
        // The lab installs permanent neighbours; remove them so the kernel has to resolve again.
        REQUIRE(lab.exec("client", {"ip", "neigh", "del", lab.address("server", 6), "dev", "eth0"}).status == 0);
        REQUIRE(lab.exec("client", {"ip", "neigh", "del", lab.address("server", 4), "dev", "eth0"}).status == 0);
        for (int family : {4, 6}) {
            const auto r = lab.exec("client", {"ping", "-n", "-c", "2", "-i", "0.2", "-W", "2", lab.address("server", family)});
            const auto ping = parse_ping(r.out);
            REQUIRE(ping);
            CHECK(ping->received == 2);
        }
        const auto neigh = lab.exec("client", {"ip", "neigh", "show", "dev", "eth0"});
        CHECK(neigh.out.find(lab.address("server", 6) + " lladdr") != std::string::npos);
    }
}
