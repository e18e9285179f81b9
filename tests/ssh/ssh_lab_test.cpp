// SSH sessions against the device lab, through the library: Nagle off, nothing leaked, output
// capped, Ctrl-C honoured, many new host keys recorded at once without garbling the file.
#include "device_lab.hpp"
#include "ssh/fleet.hpp"
#include "ssh/known_hosts.hpp"

#include <doctest/doctest.h>
#include <libssh/libssh.h>

#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

using namespace nockit;
using namespace nockit::test;

namespace {

DeviceLab& lab() { return DeviceLab::shared("cisco_ios:3,juniper_junos:1,linux:1", true); }

ssh::DeviceJob job(const std::string& name, std::vector<std::string> commands) {
    const auto& d = lab().device(name);
    ssh::DeviceJob j;
    j.name = name;
    j.platform = ssh::Platforms::builtin().find(d.platform);
    j.connect.target = {d.address, d.port, "nockitlab"};
    j.connect.auth.method = ssh::Auth::Method::key;
    j.connect.auth.identity_files = {lab().key()};
    j.connect.host_keys.known_hosts = lab().known_hosts();
    j.connect.ssh_config = "none";
    j.connect.timeouts.prompt_s = 5;
    j.connect.timeouts.command_s = 5;
    if (!lab().bastion().empty() && name == "hidden-1") j.connect.jump = ssh::parse_endpoint(lab().bastion()).value();
    for (auto& c : commands) j.steps.push_back({c, 0});
    return j;
}

int open_fds() {
    int n = 0;
    if (DIR* d = opendir("/proc/self/fd")) {
        while (readdir(d)) ++n;
        closedir(d);
    }
    return n;
}

int threads() {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
    return -1;
}

}  // namespace

TEST_CASE("sessions set TCP_NODELAY: no 40 ms Nagle wait on each command") {
    ssh::Secrets secrets;
    ssh::Transcript t;
    ssh::Failure f;
    auto j = job("ios-1", {});
    auto conn = ssh::Connection::open(j.connect, secrets, t, f);
    REQUIRE_MESSAGE(conn, f.message);
    int nodelay = 0;
    socklen_t len = sizeof nodelay;
    REQUIRE(getsockopt(ssh_get_fd(conn->session()), IPPROTO_TCP, TCP_NODELAY, &nodelay, &len) == 0);
    CHECK(nodelay != 0);
}

TEST_CASE("many sessions, a bastion among them, leave no sockets or threads behind") {
    ssh::Secrets secrets;
    std::vector<ssh::DeviceJob> jobs;
    for (const auto& d : lab().devices())
        jobs.push_back(job(d.name, {d.platform == "linux" ? "uptime" : "show version"}));
    // Warm up once: libssh and the resolver allocate a few things on first use.
    ssh::run_fleet(jobs, 8, secrets, nullptr, [](std::size_t, ssh::DeviceReport&&) {});
    int fds = open_fds(), th = threads();
    int answered = 0;
    for (int round = 0; round < 3; ++round)
        ssh::run_fleet(jobs, 8, secrets, nullptr, [&](std::size_t, ssh::DeviceReport&& r) {
            CHECK_MESSAGE(!r.failure, r.name, ": ", r.failure.message);
            if (!r.failure) ++answered;
        });
    CHECK(answered == 3 * static_cast<int>(jobs.size()));
    CHECK(open_fds() == fds);
    CHECK(threads() == th);
}

TEST_CASE("output beyond the cap is dropped and flagged, and the session goes on") {
    ssh::Secrets secrets;
    auto j = job("ios-2", {"show interfaces", "show clock"});
    j.output_cap = 1000;
    auto r = ssh::run_device(j, secrets, nullptr);
    REQUIRE_MESSAGE(!r.failure, r.failure.message);
    REQUIRE(r.commands.size() == 2);
    CHECK(r.commands[0].truncated);
    CHECK(r.commands[0].complete);  // the prompt was still found
    CHECK(r.commands[0].output.size() <= 1000);
    CHECK(r.commands[1].complete);
    CHECK_FALSE(r.commands[1].truncated);
    CHECK(r.commands[1].output.find("UTC") != std::string::npos);
}

TEST_CASE("a stop request (Ctrl-C) ends a waiting session promptly, with what it had") {
    const auto& d = lab().device("ios-3");
    lab().set_state(d.name, "behaviour", "hang_on_command show version");
    ssh::Secrets secrets;
    auto j = job(d.name, {"show version", "show clock"});
    j.connect.timeouts.command_s = 30;
    std::atomic<bool> stop{false};
    std::thread stopper([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(800));
        stop = true;
    });
    auto start = std::chrono::steady_clock::now();
    auto r = ssh::run_device(j, secrets, &stop);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    stopper.join();
    lab().reset(d.name);
    REQUIRE(r.commands.size() == 2);
    CHECK(r.commands[0].stopped);
    CHECK(r.commands[0].output.find("Cisco IOS Software") != std::string::npos);
    CHECK(r.commands[1].skipped);
    CHECK(seconds < 2.0);
}

TEST_CASE("accept-new on many devices at once writes one whole line per device") {
    std::string known = lab().dir() + "/known_hosts.accept";
    std::ofstream(known) << "";
    ssh::Secrets secrets;
    std::vector<ssh::DeviceJob> jobs;
    for (const auto& d : lab().devices()) {
        if (d.name == "hidden-1") continue;
        auto j = job(d.name, {});
        j.connect.host_keys = {known, true};
        jobs.push_back(j);
    }
    int ok = 0;
    ssh::run_fleet(jobs, 8, secrets, nullptr, [&](std::size_t, ssh::DeviceReport&& r) { ok += r.failure ? 0 : 1; });
    CHECK(ok == static_cast<int>(jobs.size()));
    auto entries = ssh::known_hosts_entries(known);
    for (const auto& e : entries) {
        CHECK(e.algorithm == "ssh-ed25519");
        CHECK(e.key.size() > 60);
    }
    CHECK(entries.size() == jobs.size());
    const std::string text = read_text(known);  // one whole line per device: none garbled, none lost
    CHECK(std::count(text.begin(), text.end(), '\n') == static_cast<long>(jobs.size()));
}

TEST_CASE("refused connections and unresolvable names fail fast with a clear message") {
    ssh::Secrets secrets;
    auto j = job("ios-1", {"show version"});
    j.connect.target.port = 1;  // nothing listens there
    auto r = ssh::run_device(j, secrets, nullptr);
    CHECK(r.failure.kind == "connect");
    CHECK(r.failure.message.find("connection refused") != std::string::npos);
    j.connect.target.address = "no-such-device.invalid";
    r = ssh::run_device(j, secrets, nullptr);
    CHECK(r.failure.kind == "connect");
    CHECK(r.failure.message.find("cannot resolve 'no-such-device.invalid'") != std::string::npos);
}

TEST_CASE("keyboard-interactive: the password from the environment is given once, never twice") {
    require_device_lab();
    DeviceLab kbd("cisco_ios:1", false, true);
    const auto& d = kbd.devices().front();
    ssh::DeviceJob j;
    j.name = d.name;
    j.platform = ssh::Platforms::builtin().find(d.platform);
    j.connect.target = {d.address, d.port, "nockitlab"};
    j.connect.auth.method = ssh::Auth::Method::password;
    j.connect.auth.password_env = "NOCKIT_TEST_KBD_PASSWORD";
    j.connect.host_keys.known_hosts = kbd.known_hosts();
    j.connect.ssh_config = "none";
    j.steps.push_back({"show clock", 0});
    setenv("NOCKIT_TEST_KBD_PASSWORD", kbd.password().c_str(), 1);
    {
        ssh::Secrets secrets;
        auto r = ssh::run_device(j, secrets, nullptr);
        CHECK_MESSAGE(!r.failure, r.failure.message);
        CHECK(r.auth_method == "keyboard-interactive");
        CHECK(r.transcript.to_text().find(kbd.password()) == std::string::npos);
    }
    setenv("NOCKIT_TEST_KBD_PASSWORD", "wrong", 1);
    kbd.clear_logs(d.name);
    {
        ssh::Secrets secrets;
        auto r = ssh::run_device(j, secrets, nullptr);
        CHECK(r.failure.kind == "auth");
        CHECK(r.failure.message.find("keyboard-interactive, 1 attempt") != std::string::npos);
    }
    unsetenv("NOCKIT_TEST_KBD_PASSWORD");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::string log = kbd.sshd_log(d.name);
    std::size_t failed = 0;
    for (std::size_t p = 0; (p = log.find("Failed keyboard-interactive", p)) != std::string::npos; ++p) ++failed;
    CHECK(failed == 1);
}
