// noc-ping's judgement, without a network: statistics, verdicts, findings and their wording.
#include "explain/catalogue.hpp"
#include "ping/ping.hpp"

#include "wording.hpp"

#include <doctest/doctest.h>

#include <set>

using namespace nockit;
using nockit::test::word_all;
using namespace nockit::ping;

namespace {

TargetResult target(const std::string& addr, uint32_t sent, std::vector<double> rtts, bool range = false) {
    TargetResult r;
    r.target = {addr, *net::Address::parse(addr), range};
    r.sent = sent;
    r.received = static_cast<uint32_t>(rtts.size());
    r.rtts_ms = std::move(rtts);
    return r;
}


PingOptions options(std::string label = {}) {
    PingOptions o;
    o.label = std::move(label);
    o.probe.count = 5;
    return o;
}

}  // namespace

TEST_CASE("statistics match iputils ping: mdev is the population standard deviation") {
    auto s = summarise({10, 20, 30, 40});
    CHECK(s.min == 10);
    CHECK(s.max == 40);
    CHECK(s.avg == 25);
    CHECK(s.mdev == doctest::Approx(11.1803).epsilon(1e-4));
    CHECK(s.p50 == 20);
    CHECK(s.p95 == 40);
    CHECK(s.jitter == 10);
    CHECK(summarise({}).samples == 0);
}

TEST_CASE("one healthy target: ok, in the words of the issue") {
    std::vector<TargetResult> rs{target("192.0.2.1", 5, {12, 12, 12, 12, 12})};
    Report rep = analyse(rs, options("the customer's router"));
    word_all(rep);
    REQUIRE(rep.findings.size() == 1);
    CHECK(rep.findings[0].code == "ping.up");
    CHECK(rep.severity() == Severity::ok);
    CHECK(rep.findings[0].customer == "The customer's router answers normally.");
    CHECK(rep.findings[0].agent.find("replies in 12 ms, none lost") != std::string::npos);
    CHECK(rep.data["targets"][0]["verdict"] == "up");
    CHECK(rep.data["targets"][0]["rtt_ms"]["avg"] == 12);
}

TEST_CASE("one dead target: critical, and the customer hears it may be off or disconnected") {
    std::vector<TargetResult> rs{target("192.0.2.1", 5, {})};
    Report rep = analyse(rs, options("the customer's router"));
    word_all(rep);
    CHECK(rep.severity() == Severity::critical);
    CHECK(rep.findings[0].code == "ping.down");
    CHECK(rep.findings[0].customer ==
          "The customer's router does not answer at all: it may be switched off or disconnected.");
    CHECK(rep.data["targets"][0]["rtt_ms"].is_null());
    CHECK(rep.data["targets"][0]["loss_pct"] == 100);
}

TEST_CASE("a quarter lost: 'about 1 in 4', warning or critical by threshold") {
    std::vector<TargetResult> rs{target("192.0.2.1", 20, std::vector<double>(15, 5.0))};
    auto o = options("the customer's router");
    Report rep = analyse(rs, o);
    word_all(rep);
    CHECK(rep.findings[0].code == "ping.loss.partial");
    CHECK(rep.severity() == Severity::critical);  // 25% >= default critical 25%
    CHECK(rep.findings[0].customer.find("About 1 in 4 messages to the customer's router is lost") == 0);
    o.thresholds.crit_loss_pct = 50;
    CHECK(analyse(rs, o).severity() == Severity::warning);
}

TEST_CASE("slow answers are a finding of their own") {
    std::vector<TargetResult> rs{target("192.0.2.1", 5, {300, 310, 320, 330, 340})};
    Report rep = analyse(rs, options());
    word_all(rep);
    CHECK(rep.findings[0].code == "ping.rtt.high");
    CHECK(rep.severity() == Severity::warning);
}

TEST_CASE("ICMP errors make a target unreachable, naming the router") {
    auto r = target("192.0.2.9", 3, {});
    r.icmp = {3, 1, *net::Address::parse("198.51.100.1"), "host unreachable", 0, 3};
    std::vector<TargetResult> rs{r};
    Report rep = analyse(rs, options());
    word_all(rep);
    CHECK(rep.findings[0].code == "ping.unreachable");
    CHECK(rep.findings[0].engineer.find("from 198.51.100.1") != std::string::npos);
    CHECK(rep.data["targets"][0]["icmp_errors"][0]["from"] == "198.51.100.1");
    CHECK(rep.data["targets"][0]["verdict"] == "unreachable");
}

TEST_CASE("a sweep: silence is normal, the summary counts, slow responders are listed") {
    std::vector<TargetResult> rs;
    for (int i = 1; i <= 8; ++i) {
        std::string a = "10.1.0." + std::to_string(i);
        if (i <= 3) rs.push_back(target(a, 1, {1.0}, true));
        else if (i == 4) rs.push_back(target(a, 1, {900.0}, true));
        else rs.push_back(target(a, 1, {}, true));
    }
    Report rep = analyse(rs, options());
    word_all(rep);
    CHECK(rep.findings[0].code == "ping.sweep.degraded");
    CHECK(rep.findings[0].agent.rfind("4 of 8 addresses answer; 1 answers slowly", 0) == 0);
    CHECK(rep.findings.size() == 2);  // the summary and the slow one; silent addresses are no findings
    CHECK(rep.severity() == Severity::critical);
    CHECK(rep.data["summary"]["alive"] == 4);
    CHECK(rep.data["targets"].size() == 8);
    CHECK(rep.table.rows.size() == 4);
}

TEST_CASE("without target_json the report carries no per-target JSON (large sweeps stay small)") {
    std::vector<TargetResult> rs{target("10.1.0.1", 1, {1.0}, true), target("10.1.0.2", 1, {}, true)};
    auto o = options();
    o.target_json = false;
    Report rep = analyse(rs, o);
    CHECK_FALSE(rep.data.contains("targets"));
    CHECK(rep.data["summary"]["alive"] == 1);
    CHECK(addresses(rs, true) == "10.1.0.1\n");
    CHECK(addresses(rs, false) == "10.1.0.2\n");
}

TEST_CASE("a sweep where nothing answers is critical") {
    std::vector<TargetResult> rs{target("10.1.0.1", 1, {}, true), target("10.1.0.2", 1, {}, true)};
    Report rep = analyse(rs, options());
    word_all(rep);
    CHECK(rep.findings[0].code == "ping.sweep.none");
    CHECK(rep.severity() == Severity::critical);
}

TEST_CASE("several named targets: a summary first, then the worst target") {
    std::vector<TargetResult> rs{target("192.0.2.1", 5, {1, 1, 1, 1, 1}), target("192.0.2.2", 5, {})};
    Report rep = analyse(rs, options());
    word_all(rep);
    CHECK(rep.findings[0].code == "ping.check.down");
    CHECK(rep.findings[1].code == "ping.down");
    CHECK(rep.severity() == Severity::critical);
    CHECK(rep.findings[1].metrics[0].name == "192.0.2.2_pl");
}

TEST_CASE("TCP refused: the host is there, the service is not") {
    auto r = target("192.0.2.1", 3, {});
    r.refused = 3;
    auto o = options();
    o.probe.method = probe::Method::tcp_connect;
    o.probe.port = 443;
    std::vector<TargetResult> rs{r};
    Report rep = analyse(rs, o);
    word_all(rep);
    CHECK(rep.findings[0].code == "ping.tcp.refused");
    CHECK(rep.data["targets"][0]["verdict"] == "refused");
}

TEST_CASE("every ping finding code has wording (unknown, duplicates, send failures, MTU)") {
    auto dup = target("192.0.2.1", 5, {1, 1, 1, 1, 1});
    dup.duplicates = 2;
    auto failed = target("192.0.2.2", 5, {});
    failed.send_failed = 5;
    failed.send_error = "Network is unreachable";
    auto mtu = target("192.0.2.3", 2, {});
    mtu.icmp = {3, 4, *net::Address::parse("198.51.100.1"), "fragmentation needed", 1400, 2};
    auto untested = target("192.0.2.4", 0, {});
    auto heavy = target("192.0.2.5", 10, {1, 1});
    std::vector<TargetResult> rs{dup, failed, mtu, untested, heavy};
    Report rep = analyse(rs, options());
    word_all(rep);
    std::set<std::string> codes;
    for (const auto& f : rep.findings) codes.insert(f.code);
    for (const char* c : {"ping.duplicates", "ping.send_failed", "ping.unreachable.mtu", "ping.untested", "ping.loss.heavy"})
        CHECK_MESSAGE(codes.count(c), c);
}
