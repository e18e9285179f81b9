// Many devices at once: a bounded pool of sessions, each device's report handed over as soon as
// it is done, one failing device never holding up or stopping the others.
#pragma once

#include "ssh/cli.hpp"

#include <functional>
#include <string>
#include <vector>

namespace nockit::ssh {

/// One command of a device's plan; `wait_before_s` spaces out two reads of the same counters.
struct Step {
    std::string command;
    double wait_before_s = 0;
};

struct DeviceJob {
    std::string name;           ///< as the engineer named the device
    const Platform* platform = nullptr;
    ConnectOptions connect;
    std::vector<Step> steps;
    std::size_t output_cap = 16u << 20;
};

/// What happened on one device: the session facts, every command's answer, the transcript.
struct DeviceReport {
    std::string name;
    std::string platform;
    std::string address;
    int port = 22;
    std::string user;
    Failure failure;            ///< empty kind when the session worked
    std::string fingerprint;
    std::string auth_method;
    std::string prompt;
    std::string banner;
    bool privileged = false;
    std::vector<std::string> notes;
    std::vector<CommandResult> commands;
    Transcript transcript;
    double seconds = 0;
};

/// Runs one device's plan from connect to disconnect. Never throws.
DeviceReport run_device(const DeviceJob& job, Secrets& secrets, const std::atomic<bool>* stop);

/// Runs every job with at most `parallel` sessions at once; `done` is called with the job's index
/// (one call at a time, from the worker threads) as each device finishes. Returns when all are
/// done or stopped.
void run_fleet(const std::vector<DeviceJob>& jobs, int parallel, Secrets& secrets, const std::atomic<bool>* stop,
               const std::function<void(std::size_t, DeviceReport&&)>& done);

}  // namespace nockit::ssh
