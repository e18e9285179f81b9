// The lab's life cycle: up and down leave nothing behind, leftovers of a crashed run are removed by
// the next `up`, exec passes exit codes through, links change live, run:/setup: commands work.
#include "lab.hpp"
#include "tool_output.hpp"

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

namespace fs = std::filesystem;
using nockit::test::Lab;
using nockit::test::netlab_path;
using nockit::test::parse_ping;
using nockit::test::run;

namespace {

std::vector<std::string> namespaces_with_prefix(const std::string& prefix) {
    std::vector<std::string> found;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator("/run/netns", ec))
        if (e.path().filename().string().rfind(prefix, 0) == 0) found.push_back(e.path().filename().string());
    return found;
}

bool alive(int pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    const auto close = text.rfind(')');
    return close != std::string::npos && close + 2 < text.size() && text[close + 2] != 'Z';
}

/// Processes whose command line mentions `needle` (the instance name is in every wire's --label).
std::vector<int> processes_mentioning(const std::string& needle) {
    std::vector<int> found;
    for (const auto& e : fs::directory_iterator("/proc")) {
        const std::string name = e.path().filename().string();
        if (name.find_first_not_of("0123456789") != std::string::npos || std::stoi(name) == getpid()) continue;
        std::ifstream in(e.path() / "cmdline");
        std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        if (cmd.find(needle) != std::string::npos) found.push_back(std::stoi(name));
    }
    return found;
}

std::vector<int> wire_pids(const nlohmann::json& status) {
    std::vector<int> pids;
    for (const auto& p : status.at("processes")) pids.push_back(p.at("pid").get<int>());
    return pids;
}

long cpu_ticks(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::istringstream rest(text.substr(text.rfind(')') + 2));
    std::string field;
    long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) utime = std::stol(field);
        if (i == 15) stime = std::stol(field);
    }
    return utime + stime;
}

void check_gone(const std::string& instance, const std::vector<int>& pids) {
    CHECK(namespaces_with_prefix("nk-" + instance + ".").empty());
    for (int pid : pids) CHECK_MESSAGE(!alive(pid), "process ", pid, " of lab ", instance, " survived");
    CHECK(processes_mentioning("nk-" + instance + ".").empty());
    CHECK(!fs::exists("/run/nockit-netlab/" + instance));
}

}  // namespace

TEST_CASE("up builds every namespace and wire; down removes every one of them") {
    NOCKIT_REQUIRE_LAB();
    std::string instance;
    std::vector<int> pids;
    {
        Lab lab("delay");
        instance = lab.instance();
        const auto names = namespaces_with_prefix("nk-" + instance + ".");
        CHECK(names.size() == 3);  // client, server, the wire between them
        pids = wire_pids(lab.status());
        REQUIRE(pids.size() == 1);
        CHECK(alive(pids[0]));
        CHECK(lab.status().at("links").at(0).at("element") == "wire");
        // Nothing of the lab is in the root namespace: no link leads out of the lab.
        const auto root_links = run({"ip", "-o", "link", "show"});
        CHECK(root_links.out.find("02:6e:6b:") == std::string::npos);

        // An idle wire sleeps: no CPU while no frame is held.
        const long before = cpu_ticks(pids[0]);
        std::this_thread::sleep_for(std::chrono::milliseconds(1000));
        CHECK(cpu_ticks(pids[0]) - before <= 2);
    }  // ~Lab takes it down
    check_gone(instance, pids);
}

TEST_CASE("the next up removes what a crashed run left behind") {
    NOCKIT_REQUIRE_LAB();
    const std::string instance = "t" + std::to_string(getpid()) + "-crash";
    auto up = run({netlab_path(), "up", "delay", "--name", instance}, {}, 60);
    REQUIRE_MESSAGE(up.status == 0, up.err);
    auto st = run({netlab_path(), "status", instance, "--json"});
    const auto first = wire_pids(nlohmann::json::parse(st.out).at("instances").at(0));

    // A run that died half way: its state is gone, its namespaces and wire are still there.
    fs::remove("/run/nockit-netlab/" + instance + "/lab.json");
    up = run({netlab_path(), "up", "delay", "--name", instance}, {}, 60);
    REQUIRE_MESSAGE(up.status == 0, up.err);
    CHECK(up.err.find("removed the earlier lab") != std::string::npos);
    for (int pid : first) CHECK(!alive(pid));
    CHECK(namespaces_with_prefix("nk-" + instance + ".").size() == 3);
    st = run({netlab_path(), "status", instance, "--json"});
    const auto second = wire_pids(nlohmann::json::parse(st.out).at("instances").at(0));
    REQUIRE(second.size() == 1);
    CHECK(alive(second[0]));

    // A test killed before it could take its lab down: the lab's owner is gone, so the next
    // `up` of any lab removes it.
    const pid_t owner = fork();
    if (owner == 0) {
        pause();
        _exit(0);
    }
    const std::string orphan = "t" + std::to_string(getpid()) + "-orphan";
    up = run({netlab_path(), "up", "delay", "--name", orphan, "--owner", std::to_string(owner)}, {}, 60);
    REQUIRE_MESSAGE(up.status == 0, up.err);
    st = run({netlab_path(), "status", orphan, "--json"});
    const auto orphan_pids = wire_pids(nlohmann::json::parse(st.out).at("instances").at(0));
    kill(owner, SIGKILL);
    waitpid(owner, nullptr, 0);
    up = run({netlab_path(), "up", "delay", "--name", instance}, {}, 60);
    REQUIRE_MESSAGE(up.status == 0, up.err);
    CHECK(up.err.find("removing lab " + orphan) != std::string::npos);
    check_gone(orphan, orphan_pids);

    const auto down = run({netlab_path(), "down", instance});
    CHECK(down.status == 0);
    check_gone(instance, second);
    // Taking down a lab that is not up is fine (tests tear down unconditionally).
    CHECK(run({netlab_path(), "down", instance}).status == 0);
}

TEST_CASE("exec runs in the node and passes the exit code through; addr and status name the nodes") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("delay");
    auto r = lab.netlab({"exec", "client", "sh", "-c", "exit 7"});
    CHECK(r.status == 7);
    r = run({netlab_path(), "exec", lab.instance() + ":server", "ip", "-o", "-4", "addr", "show", "dev", "eth0"});
    CHECK(r.status == 0);
    CHECK(r.out.find("10.40.0.2/24") != std::string::npos);
    r = lab.netlab({"exec", "nosuchnode", "true"});
    CHECK(r.status == 3);
    CHECK(r.err.find("no node 'nosuchnode'") != std::string::npos);
    r = lab.netlab({"addr", "server"});
    CHECK(r.out == "10.40.0.2\n");
    r = lab.netlab({"addr", "client", "-6"});
    CHECK(r.out == "fd00:40::1\n");
    CHECK(lab.address("server", 6) == "fd00:40::2");
    CHECK(lab.expect().at("rtt_ms").get<double>() == 40);
    r = lab.netlab({"status"});
    CHECK(r.status == 0);
    CHECK(r.out.find("nk-" + lab.instance() + ".client") != std::string::npos);
}

TEST_CASE("wire set changes a link's delay and loss live") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("delay");
    auto r = lab.netlab({"wire", "set", "client-server", "delay", "5"});
    REQUIRE_MESSAGE(r.status == 0, r.err);
    auto ping = parse_ping(lab.exec("client", {"ping", "-c", "5", "-i", "0.05", "10.40.0.2"}).out);
    REQUIRE(ping);
    CHECK(ping->received == 5);
    // The fastest round trip shows the new delay; a busy host can stretch single others.
    CHECK(ping->min_ms == doctest::Approx(10).epsilon(0.1));

    r = lab.netlab({"wire", "set", "client-server", "down"});
    REQUIRE(r.status == 0);
    ping = parse_ping(lab.exec("client", {"ping", "-c", "3", "-i", "0.05", "-W", "0.3", "10.40.0.2"}).out);
    REQUIRE(ping);
    CHECK(ping->received == 0);

    r = lab.netlab({"wire", "set", "client-server", "up", "delay", "20/10"});
    REQUIRE(r.status == 0);
    ping = parse_ping(lab.exec("client", {"ping", "-c", "5", "-i", "0.05", "10.40.0.2"}).out);
    REQUIRE(ping);
    CHECK(ping->received == 5);
    CHECK(ping->min_ms == doctest::Approx(30).epsilon(0.05));
    lab.refresh();
    CHECK(lab.status().at("links").at(0).at("delay_ms").at("ba").get<double>() == 10);

    r = lab.netlab({"wire", "set", "client-server", "delay", "much"});
    CHECK(r.status == 3);
    r = lab.netlab({"wire", "set", "no-such-link", "delay", "1"});
    CHECK(r.status == 3);

    // A whole link down: both node-side interfaces lose carrier.
    r = lab.netlab({"link", "client-server", "down"});
    REQUIRE(r.status == 0);
    CHECK(lab.exec("client", {"ip", "-o", "link", "show", "eth0"}).out.find("state DOWN") != std::string::npos);
    r = lab.netlab({"link", "client-server", "up"});
    REQUIRE(r.status == 0);
}

TEST_CASE("setup commands run once at up, run commands live in the node until down") {
    NOCKIT_REQUIRE_LAB();
    const fs::path dir = fs::temp_directory_path() / ("netlab-run-" + std::to_string(getpid()));
    fs::create_directories(dir);
    const fs::path topo = dir / "services.yaml";
    std::ofstream(topo) << "name: services\n"
                           "nodes:\n"
                           "  a:\n"
                           "    setup: [\"echo {node} {instance} > {state}/setup-{node}\"]\n"
                           "    run: [\"sleep 600\", {cmd: \"/usr/bin/python3 -m http.server 8080 --bind {addr:a}\", wait_tcp: 8080}]\n"
                           "  b: {}\n"
                           "links:\n"
                           "  - {a: a 10.7.0.1/24, b: b 10.7.0.2/24}\n"
                           "expect: {verdict: ok}\n";
    std::string instance;
    std::vector<int> pids;
    {
        Lab lab(topo.string());
        instance = lab.instance();
        std::ifstream setup("/run/nockit-netlab/" + instance + "/setup-a");
        std::string line;
        std::getline(setup, line);
        CHECK(line == "a " + instance);
        pids = wire_pids(lab.status());
        CHECK(pids.size() == 2);
        for (int pid : pids) CHECK(alive(pid));
        // The listener started by run: answers from the other node.
        const auto r = lab.exec("b", {"/usr/bin/python3", "-c",
                                      "import urllib.request;print(urllib.request.urlopen('http://10.7.0.1:8080/',timeout=5).status)"});
        CHECK(r.out == "200\n");
        CHECK(lab.status().at("links").at(0).at("element").is_null());  // no delay: a plain veth pair
    }
    for (int pid : pids) CHECK(!alive(pid));
    CHECK(namespaces_with_prefix("nk-" + instance + ".").empty());
    fs::remove_all(dir);
}
