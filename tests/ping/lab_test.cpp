// noc-ping on a real namespace lab: exact sweeps, accurate round trips, the demo's three states,
// and the privilege error an unprivileged user sees.
#include "lab.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <set>

using namespace nockit::test;

namespace {

nlohmann::json json_of(const Run& r) {
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE_FALSE(r.out.empty());
    return nlohmann::json::parse(r.out);
}

std::set<std::string> answering(const nlohmann::json& doc) {
    std::set<std::string> s;
    for (const auto& t : doc["targets"])
        if (t["verdict"] == "up" || t["verdict"] == "degraded") s.insert(t["address"].get<std::string>());
    return s;
}

std::set<std::string> expected_in(const Lab& lab, const std::string& node, bool v6) {
    std::set<std::string> s;
    for (const auto& a : lab.answers(node))
        if ((a.find(':') != std::string::npos) == v6) s.insert(a);
    return s;
}

}  // namespace

TEST_CASE("a /22 sweep reports exactly the responders, IPv4 and IPv6") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("sweep");
    SUBCASE("IPv4 /22") {
        auto r = lab.exec("client", {program("noc-ping"), "--json", "10.1.0.0/22"});
        auto doc = json_of(r);
        CHECK(r.status == 0);
        CHECK(doc["schema"] == "nockit.ping/1");
        CHECK(doc["targets"].size() == 1024);
        auto want = expected_in(lab, "target", false);
        REQUIRE(want.size() > 300);
        CHECK(answering(doc) == want);
        CHECK(doc["summary"]["alive"] == want.size());
        // Silent addresses drew no ICMP errors and are no findings of their own.
        for (const auto& t : doc["targets"]) CHECK(t["icmp_errors"].empty());
        CHECK(doc["findings"][0]["code"] == "ping.sweep.summary");
    }
    SUBCASE("IPv6 /118") {
        auto r = lab.exec("client", {program("noc-ping"), "--json", "fd00:1:1::/118"});
        auto doc = json_of(r);
        CHECK(doc["targets"].size() == 1024);
        CHECK(answering(doc) == expected_in(lab, "target", true));
    }
    SUBCASE("--alive and --unreachable print addresses one per line") {
        auto alive = lab.exec("client", {program("noc-ping"), "--alive", "10.1.0.0/24"});
        std::set<std::string> got;
        std::size_t pos = 0;
        while (pos < alive.out.size()) {
            auto nl = alive.out.find('\n', pos);
            got.insert(alive.out.substr(pos, nl - pos));
            pos = nl + 1;
        }
        std::set<std::string> want;
        for (const auto& a : expected_in(lab, "target", false))
            if (a.rfind("10.1.0.", 0) == 0) want.insert(a);
        CHECK(got == want);
        auto silent = lab.exec("client", {program("noc-ping"), "--unreachable", "10.1.0.0/28"});
        CHECK(silent.out.find("10.1.0.2\n") != std::string::npos);
        CHECK(silent.out.find("10.1.0.1\n") == std::string::npos);
    }
}

TEST_CASE("measured round trip is within 1 ms + 2% of the configured one") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("delay");
    const double want = lab.expect()["rtt_ms"].get<double>();
    for (const char* addr : {"10.40.0.2", "fd00:40::2"}) {
        CAPTURE(addr);
        auto r = lab.exec("client", {program("noc-ping"), "--json", "-c", "20", "-i", "0.05", addr});
        auto doc = json_of(r);
        double avg = doc["targets"][0]["rtt_ms"]["avg"].get<double>();
        MESSAGE(std::string(addr) << ": measured avg " << avg << " ms, configured " << want << " ms");
        CHECK(std::abs(avg - want) <= 1.0 + 0.02 * want);
        CHECK(doc["targets"][0]["received"] == 20);
    }
}

TEST_CASE("the demo lab: healthy, lossy and dead targets get the right verdicts and exit codes") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("demo");
    auto healthy = lab.exec("client", {program("noc-ping"), "--json", "-c", "10", "-i", "0.02", "10.20.1.2"});
    CHECK(healthy.status == 0);
    CHECK(json_of(healthy)["targets"][0]["verdict"] == "up");

    auto lossy = lab.exec("client", {program("noc-ping"), "--json", "-c", "200", "-i", "0.005", "10.20.2.2"});
    auto ldoc = json_of(lossy);
    double loss = ldoc["targets"][0]["loss_pct"].get<double>();
    CHECK(loss > 12);
    CHECK(loss < 40);
    CHECK((lossy.status == 1 || lossy.status == 2));
    CHECK(ldoc["targets"][0]["verdict"] == "degraded");

    auto dead = lab.exec("client", {program("noc-ping"), "--json", "-c", "3", "-i", "0.05", "-W", "0.5", "10.20.3.2"});
    auto ddoc = json_of(dead);
    CHECK(dead.status == 2);
    CHECK(ddoc["targets"][0]["verdict"] == "down");
    CHECK(ddoc["findings"][0]["text"]["customer"].get<std::string>().find("does not answer at all") != std::string::npos);

    auto web = lab.exec("client", {program("noc-ping"), "--json", "--tcp", "80", "-c", "3", "10.20.1.2"});
    CHECK(web.status == 0);
    CHECK(json_of(web)["findings"][0]["code"] == "ping.tcp.up");
    CHECK(json_of(web)["targets"][0]["received"] == 3);
    auto closed = lab.exec("client", {program("noc-ping"), "--json", "--tcp", "81", "-c", "2", "10.20.1.2"});
    CHECK(closed.status == 2);
    CHECK(json_of(closed)["targets"][0]["verdict"] == "refused");

    auto nagios = lab.exec("client", {program("noc-ping"), "--nagios", "-c", "3", "-i", "0.05", "-W", "0.5", "10.20.3.2"});
    CHECK(nagios.status == 2);
    CHECK(nagios.out.rfind("PING CRITICAL - ", 0) == 0);
    CHECK(nagios.out.find("| pl=100%;") != std::string::npos);
}

TEST_CASE("without privilege for ICMP the error names setcap, the sysctl and --tcp") {
    NOCKIT_REQUIRE_LAB();
    // ping_group_range is per network namespace: disable unprivileged ICMP inside the lab only.
    Lab lab("delay");
    auto off = lab.exec("client", {"sysctl", "-qw", "net.ipv4.ping_group_range=1 0"});
    REQUIRE(off.status == 0);
    auto r = lab.exec("client", {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all",
                                 program("noc-ping"), "-c", "1", "10.40.0.2"});
    if (r.status == 126 || r.status == 127 || r.err.find("ermission denied") != std::string::npos) {
        MESSAGE("SKIPPED: user nobody cannot run the built program here (" << r.err << ")");
        return;
    }
    CHECK(r.status == 3);
    CHECK(r.err.find("setcap cap_net_raw+ep") != std::string::npos);
    CHECK(r.err.find("ping_group_range") != std::string::npos);
    CHECK(r.err.find("--tcp") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    // The same user can still probe a TCP port.
    auto tcp = lab.exec("client", {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all",
                                   program("noc-ping"), "--tcp", "9", "-c", "1", "-W", "0.3", "10.40.0.2"});
    CHECK(tcp.status != 3);
}
