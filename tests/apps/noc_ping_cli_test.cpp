// noc-ping as a user meets it without a network: bad input gives one line naming the input and
// the fix, and exit 3; --help and --version exit 0.
#include "process.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <unistd.h>

using namespace nockit::test;

namespace {
void one_line_error(const Run& r, const std::string& mentions) {
    CAPTURE(r.err);
    CHECK(r.status == 3);
    CHECK(r.out.empty());
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.rfind("noc-ping: ", 0) == 0);
    CHECK(r.err.find(mentions) != std::string::npos);
}
}  // namespace

TEST_CASE("bad targets: exit 3 with one line naming the input") {
    one_line_error(run({program("noc-ping"), "no-such-host.invalid"}), "no-such-host.invalid");
    one_line_error(run({program("noc-ping"), "10.1.0.0/33"}), "10.1.0.0/33");
    one_line_error(run({program("noc-ping"), "10.1.0.1/22"}), "did you mean 10.1.0.0/22");
    one_line_error(run({program("noc-ping"), "300.1.2.3"}), "300.1.2.3");
    one_line_error(run({program("noc-ping"), "10.0.0.0/8"}), "--force");
    one_line_error(run({program("noc-ping"), "@/nonexistent/targets"}), "@/nonexistent/targets");
}

TEST_CASE("bad options and configuration: exit 3 with one line") {
    one_line_error(run({program("noc-ping"), "-c", "0", "127.0.0.1"}), "--count");
    one_line_error(run({program("noc-ping"), "-w", "fast", "127.0.0.1"}), "-w 'fast'");
    one_line_error(run({program("noc-ping"), "--audience", "boss", "127.0.0.1"}), "--audience");
    one_line_error(run({program("noc-ping")}), "targets");
    std::string cfg = "/tmp/nockit-badcfg-" + std::to_string(getpid()) + ".yaml";
    {
        std::ofstream(cfg) << "thresholds:\n  ping:\n    warning: {rtt: 5}\n";
    }
    auto r = run({program("noc-ping"), "--config", cfg, "127.0.0.1"});
    std::remove(cfg.c_str());
    one_line_error(r, cfg + ":3");
    one_line_error(run({program("noc-ping"), "--config", "/nonexistent.yaml", "127.0.0.1"}), "/nonexistent.yaml");
}

TEST_CASE("--help and --version exit 0") {
    auto help = run({program("noc-ping"), "--help"});
    CHECK(help.status == 0);
    CHECK(help.out.find("--reply-timeout") != std::string::npos);
    auto version = run({program("noc-ping"), "--version"});
    CHECK(version.status == 0);
    CHECK(version.out.find("0.1.0") != std::string::npos);
}

TEST_CASE("loopback probes: JSON document with the documented fields, exit 0") {
    auto r = run({program("noc-ping"), "--json", "-c", "2", "-i", "0.01", "127.0.0.1"});
    if (r.status == 3 && r.err.find("setcap") != std::string::npos) {
        MESSAGE("SKIPPED: no permission to send ICMP here: " << r.err);
        return;
    }
    CHECK(r.status == 0);
    auto doc = nlohmann::json::parse(r.out);
    CHECK(doc["schema"] == "nockit.ping/1");
    const auto& t = doc["targets"][0];
    for (const char* key : {"target", "address", "sent", "received", "loss_pct", "rtt_ms", "verdict"}) CHECK(t.contains(key));
    for (const char* key : {"min", "avg", "max", "mdev", "p50", "p95"}) CHECK(t["rtt_ms"][key].is_number());
    CHECK(doc["summary"]["severity"] == "ok");
}
