// Talking to a device's CLI over an authenticated connection: find the prompt, turn paging off,
// reach the privileged level, run commands and collect each answer as plain text.
#pragma once

#include "ssh/platform.hpp"
#include "ssh/session.hpp"

#include <cstddef>
#include <memory>
#include <string>

struct ssh_channel_struct;

namespace nockit::ssh {

/// The answer to one command. `output` is what an engineer would read on the terminal: control
/// sequences, the echo of the command, pager prompts and the final prompt removed.
struct CommandResult {
    std::string command;
    std::string output;
    double started_s = 0;   ///< since the session began
    double seconds = 0;
    bool complete = false;  ///< the prompt came back (exec: the channel closed)
    bool timed_out = false; ///< no prompt before the command deadline: `output` is partial
    bool closed = false;    ///< the device closed the connection before answering in full
    bool truncated = false; ///< output beyond the size cap was dropped
    bool skipped = false;   ///< not run because the session was already unusable
    bool stopped = false;   ///< interrupted (Ctrl-C or --timeout): `output` is partial
    std::string device_error;  ///< the line where the device refused the command ("% Invalid input ...")
    int exit_status = -1;   ///< exec transport only
};

struct CliOptions {
    Timeouts timeouts;
    std::size_t output_cap = 16u << 20;  ///< bytes kept per command
    std::optional<Secret> enable_secret;
    const std::atomic<bool>* stop = nullptr;
};

class DeviceCli {
public:
    /// Opens the CLI. Shell platforms: a pty shell, the first prompt, pager off, enable (when a
    /// secret is given or the platform needs none). Exec platforms: nothing to do yet.
    /// Null with `failure` filled when the device never shows its prompt.
    static std::unique_ptr<DeviceCli> open(Connection& connection, const Platform& platform, CliOptions options,
                                           Transcript& transcript, Failure& failure);
    ~DeviceCli();
    DeviceCli(const DeviceCli&) = delete;
    DeviceCli& operator=(const DeviceCli&) = delete;

    /// Runs one command. After a timeout or a closed connection the session is unusable and later
    /// commands come back `skipped`.
    CommandResult run(const std::string& command);

    const std::string& prompt() const { return prompt_; }       ///< "sw-ams-01#"
    bool privileged() const { return privileged_; }
    const std::string& banner() const { return banner_; }        ///< text before the first prompt
    bool usable() const { return usable_; }
    /// Things worth telling the engineer ("paging could not be turned off", "enable refused").
    const std::vector<std::string>& notes() const { return notes_; }

private:
    DeviceCli(Connection& c, const Platform& p, CliOptions o, Transcript& t);
    enum class End { prompt, more_done, timeout, closed, stopped, error };
    struct Read {
        std::string text;      // rendered output (pager prompts removed)
        End end = End::error;
        bool truncated = false;
    };
    Read read_until(double timeout_s, const Pattern* also, bool answer_pager);
    bool is_prompt(std::string_view line) const;
    void send(const std::string& text, bool secret = false);
    CommandResult run_shell(const std::string& command);
    CommandResult run_exec(const std::string& command);

    Connection& conn_;
    const Platform& platform_;
    CliOptions options_;
    Transcript& transcript_;
    ssh_channel_struct* channel_ = nullptr;
    std::string prompt_, base_;
    std::string banner_;
    bool privileged_ = false;
    bool usable_ = true;
    std::vector<std::string> notes_;
};

}  // namespace nockit::ssh
