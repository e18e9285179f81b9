// Lab instances for integration tests, driven through scripts/netlab.
#include "lab.hpp"

#include <sched.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

namespace nockit::test {

namespace {

std::string first_line(const std::string& text) {
    const auto end = text.find('\n');
    return text.substr(0, end);
}

/// Tests run netlab with the wire built alongside them, not whatever build/dev holds.
void point_netlab_at_this_build() {
    const std::string wire = std::string(NOCKIT_BINARY_DIR) + "/tests/lab/nockit-labwire";
    if (std::getenv("NOCKIT_LABWIRE") == nullptr && std::filesystem::exists(wire))
        setenv("NOCKIT_LABWIRE", wire.c_str(), 0);
}

}  // namespace

std::string netlab_path() { return std::string(NOCKIT_SOURCE_DIR) + "/scripts/netlab"; }

bool lab_available() {
    if (!is_root()) return false;
    // A child tries to make a namespace of its own: cheap, and leaves nothing behind.
    const pid_t pid = fork();
    if (pid < 0) return false;
    if (pid == 0) _exit(unshare(CLONE_NEWNET) == 0 ? 0 : 1);
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 && std::filesystem::exists("/usr/bin/python3");
}

void require_lab() {
    if (lab_available()) return;
    std::fprintf(stdout, "SKIPPED: needs root and network namespaces (ip netns); run the lab tests as root\n");
    std::fflush(stdout);
    std::_Exit(77);
}

Lab::Lab(const std::string& topology) {
    static std::atomic<int> counter{0};
    const int n = counter++;
    const std::string stem = std::filesystem::path(topology).stem().string();
    instance_ = "t" + std::to_string(getpid()) + (n ? "_" + std::to_string(n) : "") + "-" + stem;
    if (instance_.size() > 40) instance_.resize(40);
    point_netlab_at_this_build();
    const Run up = run({netlab_path(), "up", topology, "--name", instance_, "--owner", std::to_string(getpid())}, {}, 120);
    if (up.status != 0)
        throw std::runtime_error("netlab up " + topology + " failed (exit " + std::to_string(up.status) + "): " + first_line(up.err));
    up_ = true;
    refresh();
}

Lab::~Lab() {
    if (up_) down();
}

Run Lab::down() {
    up_ = false;
    return run({netlab_path(), "down", instance_}, {}, 60);
}

const nlohmann::json& Lab::refresh() {
    const Run st = run({netlab_path(), "status", instance_, "--json"}, {}, 30);
    if (st.status != 0) throw std::runtime_error("netlab status " + instance_ + " failed: " + first_line(st.err));
    try {
        status_ = nlohmann::json::parse(st.out).at("instances").at(0);
    } catch (const nlohmann::json::exception& e) {
        throw std::runtime_error("netlab status --json " + instance_ + ": unreadable output: " + e.what());
    }
    return status_;
}

std::string Lab::ns(const std::string& node) const { return "nk-" + instance_ + "." + node; }

std::vector<std::string> Lab::in(const std::string& node, const std::vector<std::string>& argv) const {
    if (!status_.at("nodes").contains(node)) throw std::runtime_error("lab " + instance_ + " has no node " + node);
    std::vector<std::string> full{"ip", "netns", "exec", ns(node)};
    full.insert(full.end(), argv.begin(), argv.end());
    return full;
}

Run Lab::exec(const std::string& node, const std::vector<std::string>& argv, double timeout_s) const {
    return run(in(node, argv), {}, timeout_s);
}

Run Lab::netlab(const std::vector<std::string>& args, double timeout_s) const {
    std::vector<std::string> argv{"env", "NOCKIT_LAB=" + instance_, netlab_path()};
    argv.insert(argv.end(), args.begin(), args.end());
    return run(argv, {}, timeout_s);
}

std::string Lab::address(const std::string& node, int family) const {
    const auto& list = status_.at("nodes").at(node).at(family == 6 ? "ipv6" : "ipv4");
    if (list.empty()) throw std::runtime_error("node " + node + " has no IPv" + std::to_string(family) + " address");
    return list.at(0).get<std::string>();
}

std::vector<std::string> Lab::answers(const std::string& node) const {
    return status_.at("nodes").at(node).at("answers").get<std::vector<std::string>>();
}

}  // namespace nockit::test
