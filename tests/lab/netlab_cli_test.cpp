// scripts/netlab without a lab: help, topology validation, the plans of the shipped topologies,
// and the delay wire's own argument checks. Needs no root.
#include "lab.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

namespace fs = std::filesystem;
using nockit::test::netlab_path;
using nockit::test::run;
using nlohmann::json;

namespace {

/// A topology file in a private temporary directory, removed afterwards.
class TopologyFile {
public:
    explicit TopologyFile(const std::string& text) {
        dir_ = fs::temp_directory_path() / ("netlab-cli-" + std::to_string(getpid()) + "-" + std::to_string(counter_++));
        fs::create_directories(dir_);
        path_ = dir_ / "bad.yaml";
        std::ofstream(path_) << text;
    }
    ~TopologyFile() {
        std::error_code ec;
        fs::remove_all(dir_, ec);
    }
    std::string path() const { return path_.string(); }

private:
    static inline int counter_ = 0;
    fs::path dir_, path_;
};

json plan_of(const std::string& topology) {
    const auto r = run({netlab_path(), "check", topology});
    REQUIRE_MESSAGE(r.status == 0, r.err);
    return json::parse(r.out).at("plan");
}

bool has_route(const json& node, const std::string& prefix, const std::string& via) {
    for (const auto& r : node.at("routes_auto")) {
        const auto text = r.get<std::string>();
        if (text.rfind(prefix + " ", 0) == 0 && text.find("via " + via + " ") != std::string::npos) return true;
    }
    return false;
}

int count_lines(const std::string& text) {
    int n = 0;
    for (char c : text) n += c == '\n';
    return n;
}

}  // namespace

TEST_CASE("netlab --help documents every command, the topology format and the exit codes") {
    const auto r = run({netlab_path(), "--help"});
    REQUIRE(r.status == 0);
    for (const char* word : {"up TOPOLOGY", "--name INSTANCE", "--owner PID", "down [INSTANCE|TOPOLOGY|--all]",
                             "exec [--name INSTANCE] NODE CMD", "INSTANCE:NODE", "status [INSTANCE] [--json]", "addr",
                             "wire [--name INSTANCE] set LINK", "link [--name INSTANCE] LINK down|up", "check TOPOLOGY",
                             "topologies", "answers:", "every 3", "except", "delay:", "loss:", "mtu:", "silent:",
                             "icmp_ratelimit", "nft:", "routes:", "setup:", "run:", "{state}", "expect:", "NOCKIT_LAB",
                             "NOCKIT_LABWIRE", "exit status"})
        CHECK_MESSAGE(r.out.find(word) != std::string::npos, "--help lacks: ", word);
}

TEST_CASE("every shipped topology is valid and states what the tests should find") {
    int checked = 0;
    for (const auto& entry : fs::directory_iterator(fs::path(NOCKIT_SOURCE_DIR) / "tests" / "lab")) {
        if (entry.path().extension() != ".yaml") continue;
        CAPTURE(entry.path().string());
        const json plan = plan_of(entry.path().string());
        const json& expect = plan.at("expect");
        const bool has_verdict = expect.contains("verdict") ||
                                 (expect.contains("targets") && expect.at("targets").at(0).contains("verdict"));
        CHECK(has_verdict);
        ++checked;
    }
    // The labs the toolkit's programs are tested on (noc-ping and noc-trace).
    for (const char* name : {"delay", "sweep", "sweep16", "demo", "chain8", "lossy", "ratelimit", "silent", "mtu",
                             "filtered", "loop", "ecmp"})
        CHECK_MESSAGE(fs::exists(fs::path(NOCKIT_SOURCE_DIR) / "tests" / "lab" / (std::string(name) + ".yaml")), name);
    CHECK(checked >= 12);
}

TEST_CASE("the sweep lab answers on a known third of its /22, not a simple pattern") {
    const json target = plan_of("sweep").at("nodes").at("target");
    std::set<std::string> v4;
    for (const auto& a : target.at("answers"))
        if (a.get<std::string>().find(':') == std::string::npos) v4.insert(a.get<std::string>());
    CHECK(v4.size() > 1024 / 4);
    CHECK(v4.size() < 1024 / 2);
    CHECK(v4.count("10.1.0.1") == 1);
    CHECK(v4.count("10.1.0.2") == 0);
    CHECK(v4.count("10.1.1.101") == 1);  // inside the block 10.1.1.100-131
    CHECK(v4.count("10.1.2.1") == 0);    // every third, but inside the silent block
    CHECK(v4.count("10.1.0.0") == 0);    // network and broadcast addresses never answer
    CHECK(v4.count("10.1.3.255") == 0);
    CHECK(target.at("prefixes").size() == 2);
}

TEST_CASE("automatic routes follow the chain, and equal-cost paths become multipath routes") {
    const json chain = plan_of("chain8").at("nodes");
    CHECK(has_route(chain.at("r1"), "10.8.8.0/24", "10.8.1.2"));
    CHECK(has_route(chain.at("r8"), "10.8.0.0/24", "10.8.7.1"));
    CHECK(has_route(chain.at("r4"), "fd00:8:8::/64", "fd00:8:4::2"));
    // Hosts behind one router use it as their default gateway.
    CHECK(has_route(chain.at("client"), "0.0.0.0/0", "10.8.0.2"));
    CHECK(has_route(chain.at("client"), "::/0", "fd00:8::2"));

    const json ecmp = plan_of("ecmp").at("nodes");
    bool multipath = false;
    for (const auto& r : ecmp.at("r1").at("routes_auto")) {
        const auto text = r.get<std::string>();
        if (text.rfind("10.36.5.0/24 ", 0) == 0)
            multipath = text.find("nexthop via 10.36.1.2") != std::string::npos && text.find("nexthop via 10.36.2.2") != std::string::npos;
    }
    CHECK(multipath);
}

TEST_CASE("bad topologies are refused with one line that names the problem, exit 3") {
    struct Case {
        const char* what;
        const char* yaml;
        const char* says;
    };
    const Case cases[] = {
        {"undeclared node", "nodes: {a: {kind: host}}\nlinks:\n  - {a: a 10.0.0.1/24, b: zz 10.0.0.2/24}\n",
         "links[0].b: node 'zz' is not declared"},
        {"address without length", "nodes: {a: {}, b: {}}\nlinks:\n  - {a: a 10.0.0.1, b: b 10.0.0.2/24}\n",
         "needs a prefix length"},
        {"negative delay", "nodes: {a: {}, b: {}}\nlinks:\n  - {a: a 10.0.0.1/24, b: b 10.0.0.2/24, delay: -5}\n",
         "links[0].delay"},
        {"loss over 100", "nodes: {a: {}, b: {}}\nlinks:\n  - {a: a 10.0.0.1/24, b: b 10.0.0.2/24, loss: {ab: 150}}\n",
         "links[0].loss.ab"},
        {"different subnets", "nodes: {a: {}, b: {}}\nlinks:\n  - {a: a 10.0.0.1/24, b: b 10.0.1.2/24}\n",
         "not in one subnet"},
        {"unknown node kind", "nodes: {a: {kind: switch}}\n", "nodes.a.kind"},
        {"unknown key", "nodes: {a: {colour: red}}\n", "unknown key(s) ['colour']"},
        {"bad answers", "nodes: {a: {answers: [10.1.0.9-10.1.0.1]}}\n", "low to high"},
        {"not YAML", "nodes: [unclosed\n", "not valid YAML"},
        {"small IPv6 MTU", "nodes: {a: {}, b: {}}\nlinks:\n  - {a: a fd00::1/64, b: b fd00::2/64, mtu: 1000}\n",
         "at least 1280"},
    };
    for (const auto& c : cases) {
        CAPTURE(c.what);
        TopologyFile file(c.yaml);
        const auto r = run({netlab_path(), "check", file.path()});
        CHECK(r.status == 3);
        CHECK(r.out.empty());
        CHECK(count_lines(r.err) == 1);
        CHECK_MESSAGE(r.err.find(c.says) != std::string::npos, r.err);
        CHECK(r.err.find(file.path()) != std::string::npos);
    }
    const auto missing = run({netlab_path(), "up", "no-such-topology"});
    CHECK(missing.status == 3);
    CHECK(count_lines(missing.err) == 1);
    CHECK(missing.err.find("'no-such-topology' not found") != std::string::npos);
    CHECK(missing.err.find("chain8") != std::string::npos);  // lists what exists

    const auto usage = run({netlab_path(), "frobnicate"});
    CHECK(usage.status == 3);
    const auto bare = run({netlab_path()});
    CHECK(bare.status == 3);
}

TEST_CASE("the delay wire refuses bad settings and missing interfaces with exit 3") {
    const std::string wire = std::string(NOCKIT_BINARY_DIR) + "/tests/lab/nockit-labwire";
    REQUIRE(fs::exists(wire));
    auto r = run({wire, "--delay", "fast", "a", "b"});
    CHECK(r.status == 3);
    CHECK(r.err.find("bad --delay") != std::string::npos);
    r = run({wire, "--loss", "120", "a", "b"});
    CHECK(r.status == 3);
    r = run({wire, "--no-realtime", "no-such-if-a", "no-such-if-b"});
    CHECK(r.status == 3);
    CHECK(r.err.find("no-such-if-a") != std::string::npos);
    r = run({wire, "--help"});
    CHECK(r.status == 0);
    CHECK(r.out.find("--delay") != std::string::npos);
}
