// Reading paths like an expert, without a network: each classic trap and each real fault.
#include "explain/catalogue.hpp"
#include "trace/analysis.hpp"

#include "wording.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace nockit;
using nockit::test::word_all;
using namespace nockit::trace;

namespace {

const auto kDest = *net::Address::parse("10.9.0.2");

net::Address router(int n) { return *net::Address::parse("10.0." + std::to_string(n) + ".1"); }

// A path of `n` hops, `rounds` rounds; answers(ttl, round) says what each probe got back.
template <class F>
Path make(int n, int rounds, F answers, int max_ttl = 30) {
    std::vector<ProbeRecord> rs;
    for (int r = 0; r < rounds; ++r)
        for (int ttl = 1; ttl <= max_ttl; ++ttl) {
            ProbeRecord p;
            p.ttl = ttl;
            p.round = r;
            std::optional<ProbeRecord> a = answers(ttl, r, p);
            rs.push_back(a ? *a : p);
        }
    (void)n;
    return build_path("dest.example", kDest, Method::icmp, 0, rounds, rs, max_ttl);
}

// Clean chain: routers 1..n-1 answer time exceeded, the destination answers at n; 7.5 ms per hop.
std::optional<ProbeRecord> clean(int n, int ttl, ProbeRecord p) {
    p.rtt = std::chrono::microseconds(7500 * std::min(ttl, n));
    if (ttl >= n) {
        p.answer = Answer::reply;
        p.from = kDest;
        p.icmp_type = 0;
    } else {
        p.answer = Answer::time_exceeded;
        p.from = router(ttl);
        p.icmp_type = 11;
    }
    return p;
}

std::vector<std::string> codes(const Report& rep) {
    std::vector<std::string> c;
    for (const auto& f : rep.findings) c.push_back(f.code);
    return c;
}


bool has(const Report& rep, const std::string& code) {
    for (const auto& f : rep.findings)
        if (f.code == code) return true;
    return false;
}

}  // namespace

TEST_CASE("a clean path: hops in order, destination reached, exit 0") {
    Path p = make(9, 10, [](int ttl, int, ProbeRecord pr) { return clean(9, ttl, pr); });
    REQUIRE(p.hops.size() == 9);
    CHECK(p.destination_reached);
    CHECK(p.hops[0].address == router(1));
    CHECK(p.hops[8].destination);
    CHECK(p.hops[8].avg == doctest::Approx(67.5));
    Report rep = analyse(p, {});
    word_all(rep);
    CHECK(codes(rep).front() == "trace.ok");
    CHECK(rep.severity() == Severity::ok);
    CHECK(rep.data["destination_reached"] == true);
    CHECK(rep.data["hops"].size() == 9);
    CHECK(rep.data["hops"][3]["address"] == "10.0.4.1");
}

TEST_CASE("loss that starts at one hop and continues to the destination is the fault, located") {
    // Link between hop 4 and 5 loses 30%: hops 5.. and the destination lose.
    Path p = make(9, 10, [](int ttl, int r, ProbeRecord pr) -> std::optional<ProbeRecord> {
        if (ttl >= 5 && r % 10 < 3) return pr;  // lost
        return clean(9, ttl, pr);
    });
    Report rep = analyse(p, {});
    word_all(rep);
    REQUIRE(codes(rep).front() == "trace.loss.path");
    CHECK(rep.findings[0].facts.at("ttl") == "5");
    CHECK(rep.findings[0].facts.at("prev_ttl") == "4");
    CHECK(rep.severity() == Severity::warning);  // reached but degraded: exit 1
    CHECK(rep.data["hops"][4]["flagged"] == true);
    CHECK(rep.findings[0].engineer.find("between hop 4 (10.0.4.1) and hop 5 (10.0.5.1)") != std::string::npos);
}

TEST_CASE("sampling noise along a lossy run does not move where the loss starts") {
    // A measured path from the lab (50 rounds, ~19 % loss from hop 3 on): hop 3 lost 11, hop 4 only 7,
    // the destination 17. Hop 4's dip is chance, not the end of the loss; clean hops 1-2 stay clean.
    const int lost[] = {0, 0, 11, 7, 17};
    Path p = make(5, 50, [&](int ttl, int r, ProbeRecord pr) -> std::optional<ProbeRecord> {
        if (ttl <= 5 && r < lost[ttl - 1]) return pr;
        return clean(5, ttl, pr);
    });
    Report rep = analyse(p, {});
    word_all(rep);
    REQUIRE(codes(rep).front() == "trace.loss.path");
    CHECK(rep.findings[0].facts.at("ttl") == "3");
    CHECK_FALSE(has(rep, "trace.loss.ratelimit_artifact"));
    // Over 200 rounds a hop with no loss at all is clearly clean: the run starts after it.
    const int lost200[] = {0, 0, 0, 40, 38};
    Path q = make(5, 200, [&](int ttl, int r, ProbeRecord pr) -> std::optional<ProbeRecord> {
        if (ttl <= 5 && r < lost200[ttl - 1]) return pr;
        return clean(5, ttl, pr);
    });
    Report rq = analyse(q, {});
    REQUIRE(codes(rq).front() == "trace.loss.path");
    CHECK(rq.findings[0].facts.at("ttl") == "4");
}

TEST_CASE("loss at one router only, later hops clean: rate limiting, no fault, calm words") {
    Path p = make(9, 10, [](int ttl, int r, ProbeRecord pr) -> std::optional<ProbeRecord> {
        if (ttl == 3 && r % 2) return pr;
        return clean(9, ttl, pr);
    });
    Report rep = analyse(p, {});
    word_all(rep);
    CHECK(codes(rep).front() == "trace.ok");
    CHECK(has(rep, "trace.loss.ratelimit_artifact"));
    CHECK(rep.severity() == Severity::ok);
    for (const auto& f : rep.findings) CHECK(f.severity == Severity::ok);
}

TEST_CASE("a router that never answers, with the path going on: silent hop, no fault") {
    Path p = make(9, 3, [](int ttl, int, ProbeRecord pr) -> std::optional<ProbeRecord> {
        if (ttl == 4) return pr;
        return clean(9, ttl, pr);
    });
    Report rep = analyse(p, {});
    word_all(rep);
    CHECK(codes(rep).front() == "trace.ok");
    CHECK(has(rep, "trace.hop.silent"));
    CHECK_FALSE(p.hops[3].address.has_value());
    CHECK(rep.data["hops"][3]["address"].is_null());
    CHECK(rep.severity() == Severity::ok);
}

TEST_CASE("destination that drops everything: where the path ends, critical") {
    Path p = make(9, 3, [](int ttl, int, ProbeRecord pr) -> std::optional<ProbeRecord> {
        if (ttl >= 9) return pr;
        return clean(9, ttl, pr);
    });
    CHECK_FALSE(p.destination_reached);
    CHECK(p.hops.size() == 9);  // the last answering hop and one silent one
    Report rep = analyse(p, {});
    word_all(rep);
    CHECK(codes(rep).front() == "trace.unreached");
    CHECK(rep.findings[0].facts.at("ttl") == "8");
    CHECK(rep.severity() == Severity::critical);
}

TEST_CASE("administratively prohibited: filtered by a firewall at hop N") {
    Path p = make(9, 3, [](int ttl, int, ProbeRecord pr) -> std::optional<ProbeRecord> {
        if (ttl >= 6) {
            pr.answer = Answer::unreachable;
            pr.from = router(6);
            pr.icmp_type = 3;
            pr.icmp_code = 13;
            pr.rtt = std::chrono::milliseconds(40);
            return pr;
        }
        return clean(9, ttl, pr);
    });
    CHECK(p.hops.size() == 6);
    Report rep = analyse(p, {});
    word_all(rep);
    CHECK(codes(rep).front() == "trace.filtered");
    CHECK(rep.findings[0].facts.at("ttl") == "6");
    CHECK(rep.severity() == Severity::critical);
}

TEST_CASE("a routing loop: addresses repeat, critical") {
    Path p = make(9, 2, [](int ttl, int, ProbeRecord pr) -> std::optional<ProbeRecord> {
        pr.answer = Answer::time_exceeded;
        pr.icmp_type = 11;
        pr.rtt = std::chrono::milliseconds(ttl);
        pr.from = ttl <= 3 ? router(ttl) : router(ttl % 2 ? 4 : 5);
        return pr;
    });
    Report rep = analyse(p, {});
    word_all(rep);
    CHECK(codes(rep).front() == "trace.loop");
    CHECK(rep.severity() == Severity::critical);
}

TEST_CASE("a persistent latency step is a long link; a single slow router is not") {
    Path step = make(6, 5, [](int ttl, int, ProbeRecord pr) -> std::optional<ProbeRecord> {
        auto p = clean(6, ttl, pr);
        if (ttl >= 4) p->rtt += std::chrono::milliseconds(50);
        return p;
    });
    Report a = analyse(step, {});
    word_all(a);
    CHECK(has(a, "trace.latency.step"));
    CHECK_FALSE(has(a, "trace.latency.hop_only"));
    Path blip = make(6, 5, [](int ttl, int, ProbeRecord pr) -> std::optional<ProbeRecord> {
        auto p = clean(6, ttl, pr);
        if (ttl == 3) p->rtt += std::chrono::milliseconds(80);
        return p;
    });
    Report b = analyse(blip, {});
    word_all(b);
    CHECK(has(b, "trace.latency.hop_only"));
    CHECK_FALSE(has(b, "trace.latency.step"));
    CHECK(b.severity() == Severity::ok);
}

TEST_CASE("nothing answers at all") {
    Path p = make(9, 2, [](int, int, ProbeRecord pr) -> std::optional<ProbeRecord> { return pr; }, 5);
    Report rep = analyse(p, {});
    word_all(rep);
    CHECK(codes(rep).front() == "trace.unreached.nothing");
}

TEST_CASE("several flows: where equal-cost paths diverge") {
    std::vector<ProbeRecord> rs;
    for (int flow = 0; flow < 4; ++flow)
        for (int ttl = 1; ttl <= 4; ++ttl) {
            ProbeRecord p;
            p.ttl = ttl;
            p.flow = flow;
            p.rtt = std::chrono::milliseconds(ttl);
            if (ttl == 4) {
                p.answer = Answer::reply;
                p.from = kDest;
            } else {
                p.answer = Answer::time_exceeded;
                p.from = ttl == 2 ? router(flow % 2 ? 20 : 21) : router(ttl);
            }
            rs.push_back(p);
        }
    Path p = build_path("dest", kDest, Method::udp, 33434, 1, rs, 30);
    Report rep = analyse(p, {});
    word_all(rep);
    CHECK(has(rep, "trace.ecmp"));
    for (const auto& f : rep.findings)
        if (f.code == "trace.ecmp") {
            CHECK(f.facts.at("paths") == "2");
            CHECK(f.facts.at("diverge_ttl") == "2");
        }
    CHECK(rep.data["flows"].size() == 4);
}

TEST_CASE("MTU: a black hole is critical even when small probes get through; a reported drop is not") {
    Path p = make(9, 1, [](int ttl, int, ProbeRecord pr) { return clean(9, ttl, pr); });
    p.mtu_probed = true;
    p.mtu_blackhole = true;
    p.mtu_blackhole_size = 1500;
    p.path_mtu = 1400;
    p.mtu_drop_ttl = 4;
    Report rep = analyse(p, {});
    word_all(rep);
    CHECK(codes(rep).front() == "trace.mtu.blackhole");
    CHECK(rep.severity() == Severity::critical);
    // It says where, marks the hop, and no "the route is clean" contradicts it.
    CHECK(rep.findings.front().facts.at("ttl") == "4");
    CHECK(rep.findings.front().engineer.find("after hop 4 (10.0.4.1)") != std::string::npos);
    CHECK(rep.data["hops"][3]["flagged"] == true);
    CHECK_FALSE(has(rep, "trace.ok"));
    bool rta = false;
    for (const auto& m : rep.findings.front().metrics) rta = rta || m.name == "rta";
    CHECK(rta);
    p.mtu_blackhole = false;
    p.mtu_drop_ttl = 5;
    p.mtu_reported = 1400;
    Report ok = analyse(p, {});
    word_all(ok);
    CHECK(has(ok, "trace.mtu.drop"));
    CHECK(ok.severity() == Severity::ok);
}

TEST_CASE("hops below --first-ttl were not probed: neither silent nor listed") {
    // A trace started at TTL 3 (-f 3) has no records for TTL 1-2.
    std::vector<ProbeRecord> rs;
    for (int r = 0; r < 2; ++r)
        for (int ttl = 3; ttl <= 30; ++ttl) {
            ProbeRecord pr;
            pr.ttl = ttl;
            pr.round = r;
            rs.push_back(*clean(6, ttl, pr));
        }
    Path p = build_path("dest", kDest, Method::icmp, 0, 2, rs, 30);
    Report rep = analyse(p, {});
    word_all(rep);
    CHECK(codes(rep).front() == "trace.ok");
    CHECK_FALSE(has(rep, "trace.hop.silent"));
    REQUIRE(rep.data["hops"].size() == 4);
    CHECK(rep.data["hops"][0]["ttl"] == 3);
    CHECK(rep.table.rows.size() == 4);
}
