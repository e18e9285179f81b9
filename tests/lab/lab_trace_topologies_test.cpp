// The path-analysis topologies do what their `expect:` says, seen with iputils ping and traceroute:
// a clean chain, loss on one link, a rate-limiting router, a silent router, an MTU black hole, an
// administrative filter, a routing loop and equal-cost paths.
#include "lab.hpp"
#include "tool_output.hpp"

#include <doctest/doctest.h>

#include <future>
#include <set>
#include <string>
#include <vector>

using nockit::test::canonical;
using nockit::test::Lab;
using nockit::test::parse_ping;
using nockit::test::parse_traceroute;
using nockit::test::TraceHop;

namespace {

nockit::test::Run run_traceroute(const Lab& lab, int family, const std::string& target, int queries, int first_ttl, int max_ttl) {
    return lab.exec("client", {"traceroute", family == 6 ? "-6" : "-4", "-n", "-q", std::to_string(queries), "-w", "1", "-f",
                               std::to_string(first_ttl), "-m", std::to_string(max_ttl), target});
}

std::vector<TraceHop> parsed(const nockit::test::Run& r) {
    CAPTURE(r.out);
    CAPTURE(r.err);
    REQUIRE(r.status == 0);
    return parse_traceroute(r.out);
}

std::string target_of(const Lab& lab, int family);

/// Traces towards the topology's target over IPv4 and IPv6 at the same time; [0] is IPv4.
std::vector<std::vector<TraceHop>> trace_both(const Lab& lab, int queries = 1, int max_ttl = 30) {
    auto v4 = std::async(std::launch::async, [&] { return run_traceroute(lab, 4, target_of(lab, 4), queries, 1, max_ttl); });
    auto v6 = std::async(std::launch::async, [&] { return run_traceroute(lab, 6, target_of(lab, 6), queries, 1, max_ttl); });
    const auto r4 = v4.get();
    const auto r6 = v6.get();
    return {parsed(r4), parsed(r6)};
}

/// Pings with the given options; several calls started together run at the same time.
std::future<nockit::test::Run> ping_async(const Lab& lab, std::vector<std::string> args) {
    args.insert(args.begin(), {"ping", "-n"});
    return std::async(std::launch::async, [&lab, args] { return lab.exec("client", args); });
}

std::string target_of(const Lab& lab, int family) {
    return lab.expect().at("target").at(family == 6 ? "ipv6" : "ipv4").get<std::string>();
}

std::string hop_address(const nlohmann::json& hop, int family) {
    return canonical(hop.at(family == 6 ? "ipv6" : "ipv4").get<std::string>());
}

}  // namespace

TEST_CASE("chain8: traceroute lists the eight routers in order, then the server, ~60 ms away") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("chain8");
    auto ping_run = ping_async(lab, {"-c", "10", "-i", "0.05", target_of(lab, 4)});
    const auto traces = trace_both(lab);
    for (int family : {4, 6}) {
        CAPTURE(family);
        const auto& hops = traces[family == 6 ? 1 : 0];
        const auto& expected = lab.expect().at("hops");
        REQUIRE(hops.size() == expected.size());
        for (std::size_t i = 0; i < hops.size(); ++i) {
            CAPTURE(i);
            REQUIRE(hops[i].addresses.size() == 1);
            CHECK(hops[i].addresses[0] == hop_address(expected[i], family));
        }
    }
    // Nine delayed links add up to the stated round trip (the fastest sample: a busy host can
    // stretch single others).
    const auto ping = parse_ping(ping_run.get().out);
    REQUIRE(ping);
    const double rtt = lab.expect().at("rtt_ms").get<double>();
    CHECK(ping->min_ms == doctest::Approx(rtt).epsilon(0.02 + 1.0 / rtt));
}

TEST_CASE("lossy: loss appears from the lossy link on, roughly as configured") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("lossy");
    const auto& hops = lab.expect().at("hops");
    auto before_run = ping_async(lab, {"-q", "-c", "100", "-i", "0.01", hop_address(hops.at(1), 4)});
    auto after_run = ping_async(lab, {"-q", "-c", "200", "-i", "0.01", target_of(lab, 4)});
    const auto before = parse_ping(before_run.get().out);
    REQUIRE(before);
    CHECK(before->received == 100);
    const auto after = parse_ping(after_run.get().out);
    REQUIRE(after);
    // 10 % each way is 19 % of round trips; 4 standard deviations of 200 samples either side.
    CAPTURE(after->loss_pct());
    CHECK(after->loss_pct() >= 8);
    CHECK(after->loss_pct() <= 32);
}

TEST_CASE("ratelimit: the rate-limiting router drops its own replies, the path beyond does not") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("ratelimit");
    const int ttl = lab.expect().at("ratelimited_ttl").get<int>();
    // Probes at different TTLs and to the destination all run at once: r2 limits per source
    // address, and only the TTL-2 probes make r2 answer at all.
    auto limited_run = ping_async(lab, {"-c", "20", "-i", "0.1", "-W", "1", "-t", std::to_string(ttl), target_of(lab, 4)});
    auto beyond_run = ping_async(lab, {"-c", "20", "-i", "0.1", "-W", "1", "-t", std::to_string(ttl + 1), target_of(lab, 4)});
    auto destination_run = ping_async(lab, {"-q", "-c", "20", "-i", "0.1", target_of(lab, 4)});
    const auto limited = parse_ping(limited_run.get().out);
    REQUIRE(limited);
    CHECK(limited->errors >= 4);   // the burst
    CHECK(limited->errors <= 12);  // then one every 2 s
    const auto beyond = parse_ping(beyond_run.get().out);
    REQUIRE(beyond);
    CHECK(beyond->errors == 20);
    const auto destination = parse_ping(destination_run.get().out);
    REQUIRE(destination);
    CHECK(destination->received == 20);
}

TEST_CASE("silent: one hop never answers while the path through it works") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("silent");
    const int silent = lab.expect().at("silent_ttl").get<int>();
    const auto traces = trace_both(lab);
    for (int family : {4, 6}) {
        CAPTURE(family);
        const auto& hops = traces[family == 6 ? 1 : 0];
        REQUIRE(hops.size() == lab.expect().at("hops").size());
        CHECK(hops.at(static_cast<std::size_t>(silent - 1)).addresses.empty());
        CHECK(hops.at(static_cast<std::size_t>(silent - 1)).stars == 1);
        CHECK(hops.back().addresses.at(0) == canonical(target_of(lab, family)));
    }
}

TEST_CASE("mtu: big packets vanish past the bottleneck without an error, small ones pass") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("mtu");
    const int payload = lab.expect().at("largest_df_ping_payload").get<int>();
    auto df_ping = [&](int size) {
        return ping_async(lab, {"-c", "2", "-i", "0.2", "-W", "1", "-M", "do", "-s", std::to_string(size), target_of(lab, 4)});
    };
    auto fits_run = df_ping(payload);
    auto too_big_run = df_ping(payload + 1);
    auto v6_run = ping_async(lab, {"-6", "-c", "2", "-i", "0.2", "-W", "1", "-s", "1400", target_of(lab, 6)});
    const auto fits = parse_ping(fits_run.get().out);
    REQUIRE(fits);
    CHECK(fits->received == 2);
    const auto too_big = parse_ping(too_big_run.get().out);
    REQUIRE(too_big);
    CHECK(too_big->received == 0);
    CHECK(too_big->errors == 0);  // no "fragmentation needed": a black hole
    const auto v6 = parse_ping(v6_run.get().out);
    REQUIRE(v6);
    CHECK(v6->received == 0);
    CHECK(v6->errors == 0);
}

TEST_CASE("filtered: the firewall answers administratively prohibited") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("filtered");
    const auto& filter = lab.expect().at("filter");
    const auto traces = trace_both(lab);
    for (int family : {4, 6}) {
        CAPTURE(family);
        const auto& hops = traces[family == 6 ? 1 : 0];
        const auto first = static_cast<std::size_t>(filter.at("first_ttl").get<int>());
        REQUIRE(hops.size() == first);
        CHECK(hops.back().addresses.at(0) == hop_address(filter, family));
        REQUIRE(hops.back().flags.size() == 1);
        CHECK(hops.back().flags[0] == "!X");
    }
}

TEST_CASE("loop: hops alternate between the two looping routers") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("loop");
    const auto& expected = lab.expect().at("hops");
    const auto traces = trace_both(lab, 1, static_cast<int>(expected.size()) + 2);
    for (int family : {4, 6}) {
        CAPTURE(family);
        const auto& hops = traces[family == 6 ? 1 : 0];
        REQUIRE(hops.size() == expected.size() + 2);
        for (std::size_t i = 0; i < expected.size(); ++i) {
            CAPTURE(i);
            REQUIRE(hops[i].addresses.size() == 1);
            CHECK(hops[i].addresses[0] == hop_address(expected[i], family));
        }
        // ...and the pattern keeps going past what the topology lists.
        CHECK(hops[expected.size()].addresses.at(0) == hops[expected.size() - 2].addresses.at(0));
    }
}

TEST_CASE("ecmp: probes with different ports see both middle routers") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("ecmp");
    const int ttl = lab.expect().at("ecmp_ttl").get<int>();
    // Each probe has its own destination port, so its own hash: 2 x 10 probes per family at the
    // ECMP hop (traceroute sends at most 10 per hop) miss one of two paths with probability 2^-19.
    std::vector<std::future<nockit::test::Run>> runs;
    for (int family : {4, 6})
        for (int round = 0; round < 2; ++round)
            runs.push_back(std::async(std::launch::async, [&lab, family, ttl] {
                return run_traceroute(lab, family, target_of(lab, family), 10, ttl, ttl);
            }));
    std::size_t next = 0;
    for (int family : {4, 6}) {
        CAPTURE(family);
        std::set<std::string> expected;
        for (const auto& a : lab.expect().at("hops").at(static_cast<std::size_t>(ttl - 1)).at(family == 6 ? "ipv6" : "ipv4"))
            expected.insert(canonical(a.get<std::string>()));
        std::set<std::string> seen;
        for (int round = 0; round < 2; ++round) {
            const auto hops = parsed(runs[next++].get());
            REQUIRE(hops.size() == 1);
            seen.insert(hops[0].addresses.begin(), hops[0].addresses.end());
        }
        CHECK(seen == expected);
    }
}
