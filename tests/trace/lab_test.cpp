// noc-trace on the network lab: for every path topology, the hop list is the topology's (addresses in
// order), the verdict and the hop it points at are the expected ones, rate-limiting and silent routers
// give no fault, and the exit code tells the truth. Bad input and missing privilege: one line, exit 3.
#include "lab.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <future>
#include <set>
#include <string>
#include <vector>

using namespace nockit::test;
using nlohmann::json;

namespace {

const std::string kSegments = std::string(NOCKIT_SOURCE_DIR) + "/tests/trace/segments.yaml";

struct Traced {
    Run run;
    json doc;
};

/// Runs `noc-trace --json -n ARGS... TARGET` in the lab's client node.
Traced trace(const Lab& lab, int family, std::vector<std::string> args) {
    std::vector<std::string> argv{program("noc-trace"), "--json", "-n", family == 6 ? "-6" : "-4"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(lab.expect().at("target").at(family == 6 ? "ipv6" : "ipv4").get<std::string>());
    Traced t;
    t.run = lab.exec("client", argv, 30);
    INFO("noc-trace " << family << ": status " << t.run.status << "\nstdout: " << t.run.out << "\nstderr: " << t.run.err);
    REQUIRE_FALSE(t.run.out.empty());
    t.doc = json::parse(t.run.out);
    CHECK(t.doc["schema"] == "nockit.trace/1");
    return t;
}

/// Both families at the same time; [0] is IPv4.
std::vector<Traced> trace_both(const Lab& lab, const std::vector<std::string>& args,
                               const std::vector<std::string>& args6 = {}) {
    auto v6 = std::async(std::launch::async, [&] { return trace(lab, 6, args6.empty() ? args : args6); });
    auto v4 = trace(lab, 4, args);
    return {v4, v6.get()};
}

std::vector<std::string> addresses(const json& v) {
    std::vector<std::string> out;
    if (v.is_array())
        for (const auto& a : v) out.push_back(a.get<std::string>());
    else
        out.push_back(v.get<std::string>());
    return out;
}

/// The hop list matches the topology's: the usual responder of each TTL, in order, and every
/// address seen at a hop is one the topology lists for it (silent hops: no address at all).
void check_hops(const Lab& lab, const json& doc, int family, std::size_t count = 0) {
    const auto& expected = lab.expect().at("hops");
    const auto& hops = doc.at("hops");
    if (count == 0) count = expected.size();
    REQUIRE(hops.size() >= count);
    for (std::size_t i = 0; i < count; ++i) {
        CAPTURE(i);
        const auto& want = expected.at(i);
        const auto& got = hops.at(i);
        CHECK(got["ttl"] == want["ttl"]);
        if (want.value("silent", false)) {
            CHECK(got["address"].is_null());
            CHECK(got["addresses"].empty());
            continue;
        }
        auto allowed = addresses(want.at(family == 6 ? "ipv6" : "ipv4"));
        REQUIRE(got["address"].is_string());
        CHECK(std::count(allowed.begin(), allowed.end(), got["address"].get<std::string>()) == 1);
        for (const auto& a : got["addresses"]) CHECK(std::count(allowed.begin(), allowed.end(), a.get<std::string>()) == 1);
    }
}

const json& finding(const json& doc, const std::string& code) {
    for (const auto& f : doc["findings"])
        if (f["code"] == code) return f;
    FAIL("no finding " << code << " in " << doc["findings"].dump());
    static json none;
    return none;
}

bool has_finding(const json& doc, const std::string& code) {
    for (const auto& f : doc["findings"])
        if (f["code"] == code) return true;
    return false;
}

/// The verdict (first finding), the hop it points at and the exit code are what the topology says.
void check_verdict(const Lab& lab, const Traced& t, int family) {
    const auto& want = lab.expect().at("noc_trace");
    CAPTURE(t.doc["findings"].dump());
    REQUIRE_FALSE(t.doc["findings"].empty());
    CHECK(t.doc["findings"][0]["code"] == want["verdict"]);
    const json ttl = family == 6 && want.contains("ttl_ipv6") ? want.at("ttl_ipv6") : want.value("ttl", json());
    if (!ttl.is_null() && !want.contains("note")) CHECK(t.doc["findings"][0]["facts"]["ttl"] == std::to_string(ttl.get<int>()));
    if (want.contains("note")) CHECK(has_finding(t.doc, want["note"].get<std::string>()));
    CHECK(t.run.status == want["exit"].get<int>());
    CHECK(t.doc["exit_code"] == want["exit"]);
}

/// Routers that only limit or ignore probes are never a fault: every finding is "ok".
void check_no_fault(const json& doc) {
    for (const auto& f : doc["findings"]) {
        CAPTURE(f["code"]);
        CHECK(f["severity"] == "ok");
    }
}

void one_line_error(const Run& r, const std::string& mentions) {
    CAPTURE(r.out);
    CAPTURE(r.err);
    CHECK(r.status == 3);
    CHECK(r.out.empty());
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.rfind("noc-trace: ", 0) == 0);
    CHECK(r.err.find(mentions) != std::string::npos);
}

}  // namespace

TEST_CASE("chain8: the eight routers in order, then the server, ~60 ms; 10 rounds; segments labelled") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("chain8");
    auto traced = trace_both(lab, {"-c", "10", "--segments", kSegments});
    for (int family : {4, 6}) {
        CAPTURE(family);
        const auto& t = traced[family == 6 ? 1 : 0];
        check_hops(lab, t.doc, family);
        check_verdict(lab, t, family);
        check_no_fault(t.doc);
        CHECK(t.doc["destination_reached"] == true);
        CHECK(t.doc["hops"].size() == lab.expect().at("hops").size());
        const auto& dest = t.doc["hops"].back();
        CHECK(dest["destination"] == true);
        CHECK(dest["sent"] == 10);
        CHECK(dest["received"] == 10);
        // The fastest of ten round trips is the configured one (a busy host stretches single others).
        CHECK(dest["rtt_ms"]["best"].get<double>() == doctest::Approx(lab.expect().at("rtt_ms").get<double>()).epsilon(0.05));
        // Hop ownership from the segments file: access, core, then the transit partner.
        CHECK(t.doc["hops"][0]["segment"] == "access");
        CHECK(t.doc["hops"][0]["team"] == "Access operations");
        CHECK(t.doc["hops"][3]["segment"] == "core");
        CHECK(t.doc["hops"][8]["segment"] == "upstream");
        CHECK(t.doc["hops"][8]["team"] == "Transit partner");
    }
    // TCP SYN probes take the same path (nothing listens on port 80: the server's reset is the answer).
    auto tcp = trace(lab, 4, {"-T", "-c", "1"});
    check_hops(lab, tcp.doc, 4);
    CHECK(tcp.run.status == 0);
}

TEST_CASE("lossy: loss starts at hop 3 and continues to the destination: the fault, located, exit 1") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("lossy");
    // 200 rounds: enough samples that the ~19 % loss from hop 3 on stands clear of the clean hops.
    auto traced = trace_both(lab, {"-c", "200", "--interval", "0.01", "-w", "0.5", "--segments", kSegments});
    for (int family : {4, 6}) {
        CAPTURE(family);
        const auto& t = traced[family == 6 ? 1 : 0];
        check_hops(lab, t.doc, family);
        check_verdict(lab, t, family);
        const auto& f = finding(t.doc, "trace.loss.path");
        CHECK(f["facts"]["prev_ttl"] == "2");
        CHECK(f["facts"]["segment"] == "core");
        CHECK(f["facts"]["team"] == "Core operations");
        CHECK(t.doc["hops"][0]["loss_pct"] == 0);
        CHECK(t.doc["hops"][1]["loss_pct"] == 0);
        for (std::size_t i = 2; i < 5; ++i) {
            CAPTURE(i);
            CHECK(t.doc["hops"][i]["loss_pct"].get<double>() > 8);
            CHECK(t.doc["hops"][i]["loss_pct"].get<double>() < 32);
        }
        CHECK(t.doc["hops"][2]["flagged"] == true);
    }
}

TEST_CASE("ratelimit: loss at the rate-limiting router only is an artefact, not a fault, exit 0") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("ratelimit");
    const int limited = lab.expect().at("noc_trace").at("ttl").get<int>();
    auto traced = trace_both(lab, {"-c", "20"});
    for (int family : {4, 6}) {
        CAPTURE(family);
        const auto& t = traced[family == 6 ? 1 : 0];
        check_hops(lab, t.doc, family);
        check_verdict(lab, t, family);
        check_no_fault(t.doc);
        const auto& hops = t.doc["hops"];
        // A burst of 6 answers, then one every 2 s: 20 probes in one second lose most of theirs.
        CHECK(hops[limited - 1]["loss_pct"].get<double>() >= 40);
        for (std::size_t i = 0; i < hops.size(); ++i)
            if (static_cast<int>(i) != limited - 1) CHECK(hops[i]["loss_pct"] == 0);
        CHECK(finding(t.doc, "trace.loss.ratelimit_artifact")["facts"]["list"].get<std::string>().find("hop 2 (") == 0);
    }
}

TEST_CASE("silent: the router that never answers is a silent hop, not a break, exit 0") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("silent");
    auto traced = trace_both(lab, {});
    for (int family : {4, 6}) {
        CAPTURE(family);
        const auto& t = traced[family == 6 ? 1 : 0];
        check_hops(lab, t.doc, family);
        check_verdict(lab, t, family);
        check_no_fault(t.doc);
        CHECK(finding(t.doc, "trace.hop.silent")["facts"]["list"] == "2");
        CHECK(t.doc["hops"][1]["loss_pct"] == 100);
        CHECK(t.doc["hops"][1]["rtt_ms"].is_null());
    }
}

TEST_CASE("bad input and no permission for raw sockets: one line naming the input and the fix, exit 3") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("silent");
    const std::string target = lab.expect().at("target").at("ipv4").get<std::string>();
    const std::string bin = program("noc-trace");
    // A name that does not resolve, asked inside the lab: the question cannot leave it.
    one_line_error(lab.exec("client", {bin, "no-such-host.invalid"}), "no-such-host.invalid");
    // Out-of-range --max-ttl, --interval and friends.
    one_line_error(lab.exec("client", {bin, "-m", "0", target}), "--max-ttl");
    one_line_error(lab.exec("client", {bin, "--max-ttl", "256", target}), "--max-ttl");
    one_line_error(lab.exec("client", {bin, "--interval", "-1", target}), "--interval");
    one_line_error(lab.exec("client", {bin, "--interval", "soon", target}), "--interval");
    one_line_error(lab.exec("client", {bin, "-w", "0", target}), "--wait");
    one_line_error(lab.exec("client", {bin, "-c", "0", target}), "rounds");
    one_line_error(lab.exec("client", {bin, "-f", "9", "-m", "5", target}), "--first-ttl");
    one_line_error(lab.exec("client", {bin, "--flows", "1000", target}), "--flows");
    one_line_error(lab.exec("client", {bin, "-T", "--mtu", target}), "--mtu");
    one_line_error(lab.exec("client", {bin, "-U", "-T", target}), "-U");
    one_line_error(lab.exec("client", {bin, "--segments", "/nonexistent/segments.yaml", target}), "/nonexistent/segments.yaml");
    // An unprivileged user is told how to allow raw sockets.
    auto r = lab.exec("client", {"setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", bin, "-n", target});
    one_line_error(r, "CAP_NET_RAW");
    CHECK(r.err.find("setcap cap_net_raw+ep") != std::string::npos);
}

TEST_CASE("mtu: large probes vanish after hop 2 without a word: a black hole there, path MTU 1400") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("mtu");
    auto traced = trace_both(lab, {"--mtu", "-c", "1"}, {"--mtu", "-c", "1", "-U"});
    const auto& want = lab.expect().at("noc_trace");
    for (int family : {4, 6}) {
        CAPTURE(family);
        const auto& t = traced[family == 6 ? 1 : 0];
        check_hops(lab, t.doc, family);
        check_verdict(lab, t, family);
        CHECK(t.doc["destination_reached"] == true);  // small probes get through...
        CHECK(t.doc["mtu"]["blackhole"] == true);     // ...large ones vanish
        CHECK(t.doc["mtu"]["drop_ttl"] == want["ttl"]);
        CHECK(t.doc["mtu"]["path_mtu"] == want["path_mtu"]);
        CHECK_FALSE(has_finding(t.doc, "trace.ok"));
        CHECK(t.doc["hops"][1]["flagged"] == true);
    }
}

TEST_CASE("filtered: the firewall's administratively prohibited ends the path at TTL 3, exit 2") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("filtered");
    const auto& filter = lab.expect().at("filter");
    // ICMP over IPv4, UDP over IPv6, and TCP to a web port: the filter refuses them all alike.
    auto traced = trace_both(lab, {}, {"-U"});
    traced.push_back(trace(lab, 4, {"-T", "-p", "443", "-c", "1"}));
    for (std::size_t k = 0; k < traced.size(); ++k) {
        const int family = k == 1 ? 6 : 4;
        CAPTURE(k);
        const auto& t = traced[k];
        check_hops(lab, t.doc, family);
        CHECK(t.doc["hops"].size() == 3);
        check_verdict(lab, t, family);
        CHECK(t.doc["destination_reached"] == false);
        const auto& f = finding(t.doc, "trace.filtered");
        CHECK(f["facts"]["icmp_code"] == std::to_string(filter.at(family == 6 ? "icmpv6_code" : "icmp_code").get<int>()));
        CHECK(f["facts"]["address"] == filter.at(family == 6 ? "ipv6" : "ipv4"));
    }
}

TEST_CASE("loop: hops alternate between r2 and r3 until the TTL runs out: a routing loop at hop 2, exit 2") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("loop");
    auto traced = trace_both(lab, {"-m", "10"});
    for (int family : {4, 6}) {
        CAPTURE(family);
        const auto& t = traced[family == 6 ? 1 : 0];
        check_hops(lab, t.doc, family);
        CHECK(t.doc["hops"].size() == 10);
        check_verdict(lab, t, family);
        CHECK(t.doc["destination_reached"] == false);
    }
}

TEST_CASE("ecmp: Paris probes keep one path per flow; --flows finds both and where they part, exit 0") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("ecmp");
    const int split = lab.expect().at("noc_trace").at("ttl").get<int>();
    // One flow, many rounds: always the same middle router, although the routers hash on ports.
    auto single = trace_both(lab, {"-U", "-c", "20", "--interval", "0.01"}, {"-T", "-c", "20", "--interval", "0.01"});
    for (int family : {4, 6}) {
        CAPTURE(family);
        const auto& t = single[family == 6 ? 1 : 0];
        check_hops(lab, t.doc, family);
        for (const auto& h : t.doc["hops"]) CHECK(h["addresses"].size() == 1);
        CHECK(t.run.status == 0);
    }
    // Sixteen flows: both paths (each missed with probability 2^-15).
    auto many = trace_both(lab, {"-U", "--flows", "16", "-c", "1"}, {"-T", "--flows", "16", "-c", "1"});
    for (int family : {4, 6}) {
        CAPTURE(family);
        const auto& t = many[family == 6 ? 1 : 0];
        check_hops(lab, t.doc, family);
        check_verdict(lab, t, family);
        check_no_fault(t.doc);
        const auto& f = finding(t.doc, "trace.ecmp");
        CHECK(f["facts"]["paths"] == "2");
        CHECK(f["facts"]["diverge_ttl"] == std::to_string(split));
        CHECK(t.doc["hops"][split - 1]["addresses"].size() == 2);
        CHECK(t.doc["flows"].size() == 16);
    }
}

TEST_CASE("dropall: a destination that never answers: the path ends after hop 8, exit 2") {
    NOCKIT_REQUIRE_LAB();
    Lab lab(std::string(NOCKIT_SOURCE_DIR) + "/tests/lab/dropall.yaml");
    auto traced = trace_both(lab, {});
    for (int family : {4, 6}) {
        CAPTURE(family);
        const auto& t = traced[family == 6 ? 1 : 0];
        check_hops(lab, t.doc, family);
        check_verdict(lab, t, family);
        CHECK(t.doc["destination_reached"] == false);
        // The eight routers and one silent hop that shows where it stops.
        REQUIRE(t.doc["hops"].size() == 9);
        CHECK(t.doc["hops"][8]["address"].is_null());
    }
}
