// Platform drivers as data: how to recognise a device's prompt, turn its pager off, reach the
// privileged level, spot its error messages, and which commands answer each named check.
// Defaults are embedded (data/platforms.yaml); an organisation's file adds or changes platforms.
#pragma once

#include "core/result.hpp"
#include "ssh/pattern.hpp"

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace nockit::ssh {

/// How commands reach the device: an interactive CLI on a pty, or one SSH exec channel each.
enum class Transport { shell, exec };

/// One command of a named check, with the rules that pick its facts out of the output when no
/// TextFSM template covers it: each rule's named groups become fields of the command's record
/// (`each`: every match of the single rule is one record, as for a MAC or ARP table).
struct CheckCommand {
    std::string command;  ///< with {port}, {address} or {text} to fill in
    std::vector<Pattern> parse;
    bool each = false;
};

struct Platform {
    std::string name;         ///< ntc-templates platform name: "cisco_ios"
    std::string description;  ///< "Cisco IOS and IOS-XE"
    Transport transport = Transport::shell;
    Pattern prompt;           ///< any CLI prompt line (user, privileged, configuration modes)
    Pattern privileged;       ///< a prompt line that shows privileged (enable) level
    std::vector<std::string> pager_disable;  ///< sent once after login, e.g. "terminal length 0"
    Pattern more;             ///< a pager prompt ("--More--") to answer when paging stays on
    std::string more_continue = " ";         ///< the key that shows the next page
    std::string enable_command;              ///< "enable"; empty when the platform has no such level
    Pattern enable_password_prompt;          ///< "Password:"
    Pattern enable_failed;                   ///< "% Bad secrets", "% Access denied"
    bool enable_needs_secret = true;         ///< false: try enable even without a configured secret
    std::vector<Pattern> errors;             ///< output lines that mean the command was refused
    std::string exit_command = "exit";
    std::string line_end = "\n";
    /// Named check -> the commands that answer it.
    std::map<std::string, std::vector<CheckCommand>> checks;
    std::string origin;  ///< "built-in" or "FILE:LINE", for messages

    /// The first line of `output` that one of the error patterns matches, or "".
    std::string error_line(std::string_view output) const;
};

class Platforms {
public:
    /// The embedded defaults (data/platforms.yaml).
    static const Platforms& builtin();
    /// Parses a platforms document; `source` names it in errors (file, line and key).
    /// Entries overlay `base` key by key, so a file can change one setting of a built-in platform.
    static Result<Platforms> parse(std::string_view yaml, const std::string& source, const Platforms* base = nullptr);
    /// The built-in platforms with `path` laid over them; an empty path gives the built-in ones.
    static Result<Platforms> load(const std::string& path);

    const Platform* find(std::string_view name) const;
    std::vector<std::string> names() const;

private:
    std::map<std::string, Platform, std::less<>> platforms_;
};

/// The platforms file in effect: `explicit_path`, else ~/.config/nockit/platforms.yaml, else
/// /etc/nockit/platforms.yaml, else none (the embedded defaults alone).
std::string find_platforms_file(const std::string& explicit_path);

}  // namespace nockit::ssh
