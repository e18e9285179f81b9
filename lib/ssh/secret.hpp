// Passwords and enable secrets in memory: read from a named environment variable or typed at the
// terminal (never from argv), asked once per run, wiped when no longer needed.
#pragma once

#include "core/result.hpp"

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace nockit::ssh {

/// A secret that wipes its bytes when destroyed. Never printed, never formatted.
class Secret {
public:
    Secret() = default;
    explicit Secret(std::string text) : text_(std::move(text)) {}
    Secret(const Secret&) = default;
    Secret& operator=(const Secret&) = default;
    Secret(Secret&& other) noexcept : text_(std::move(other.text_)) { other.wipe(); }
    Secret& operator=(Secret&& other) noexcept;
    ~Secret() { wipe(); }

    bool empty() const { return text_.empty(); }
    const std::string& reveal() const { return text_; }
    void wipe();

private:
    std::string text_;
};

/// Asks for a secret on the terminal with echo off; nullopt when there is no terminal.
using AskSecret = std::function<std::optional<Secret>(const std::string& prompt)>;

/// Reads /dev/tty with echo off (like ssh's password prompt). Fails without a terminal.
std::optional<Secret> ask_on_terminal(const std::string& prompt);

/// The secrets of one run, shared by every device session: each environment variable is read
/// once, each prompt is asked once (one at a time, never two prompts at once).
class Secrets {
public:
    explicit Secrets(AskSecret ask = ask_on_terminal) : ask_(std::move(ask)) {}

    /// The value of environment variable `name`; an error naming the variable when unset or empty.
    /// `what` says what it should hold ("the password", "the enable secret").
    Result<Secret> from_env(const std::string& name, const std::string& what = "the password");
    /// Asks once for `key` with `prompt`, then returns the same answer.
    Result<Secret> from_prompt(const std::string& key, const std::string& prompt);

private:
    std::mutex mutex_;
    AskSecret ask_;
    std::map<std::string, Secret> cache_;
};

}  // namespace nockit::ssh
