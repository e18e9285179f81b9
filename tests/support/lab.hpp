// Network labs for integration tests: bring a scripts/netlab topology up for the length of a test
// and take it down afterwards, even when the test fails.
#pragma once

#include "process.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace nockit::test {

/// Path of scripts/netlab in the source tree.
std::string netlab_path();

/// True when this process can build labs: root, and network namespaces work.
bool lab_available();

/// Exits the test program with 77 (ctest: skipped) and one line saying why, unless a lab can be built.
void require_lab();

/// A running lab instance. The constructor brings `topology` (a name under tests/lab/ or a file) up
/// under a unique instance name and throws std::runtime_error with netlab's message if it cannot;
/// the destructor takes it down. netlab is told this process owns the lab, so a test killed before
/// its destructor runs leaves nothing behind past the next `netlab up`.
class Lab {
public:
    explicit Lab(const std::string& topology);
    ~Lab();
    Lab(const Lab&) = delete;
    Lab& operator=(const Lab&) = delete;

    /// The instance name (t<pid>-<topology>, with a counter when a test runs several).
    const std::string& instance() const { return instance_; }
    /// The network namespace of `node`.
    std::string ns(const std::string& node) const;
    /// `argv` prefixed so that run() executes it inside `node` (ip netns exec ...).
    std::vector<std::string> in(const std::string& node, const std::vector<std::string>& argv) const;
    /// Runs `argv` inside `node`.
    Run exec(const std::string& node, const std::vector<std::string>& argv, double timeout_s = 30) const;
    /// Runs `scripts/netlab ARGS...` with this instance selected (NOCKIT_LAB).
    Run netlab(const std::vector<std::string>& args, double timeout_s = 60) const;

    /// The instance as `netlab status --json` reports it (nodes, links, processes, expect).
    const nlohmann::json& status() const { return status_; }
    /// Re-reads the status (process liveness, link settings after `wire set`).
    const nlohmann::json& refresh();
    /// The topology's `expect:` data.
    const nlohmann::json& expect() const { return status_.at("expect"); }
    /// The primary address of `node`: family 4 or 6.
    std::string address(const std::string& node, int family = 4) const;
    /// The extra addresses that answer on `node` (its `answers:` list, expanded).
    std::vector<std::string> answers(const std::string& node) const;

    /// Takes the lab down now (the destructor then does nothing). Returns netlab's result.
    Run down();

private:
    std::string instance_;
    nlohmann::json status_;
    bool up_ = false;
};

}  // namespace nockit::test

/// At the start of a lab test: skip (exit 77) with a clear line when not root or without namespaces.
#define NOCKIT_REQUIRE_LAB() ::nockit::test::require_lab()
