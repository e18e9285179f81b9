// The session transcript kept for the call report: what was sent, what came back, and when.
// Secrets never reach it: everything recorded passes through redaction first.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace nockit::ssh {

class Transcript {
public:
    enum class Kind { event, sent, received };
    struct Entry {
        double at_s = 0;  ///< seconds since the session started
        Kind kind = Kind::event;
        std::string text;
    };

    Transcript();
    /// Text that must never be recorded (passwords, enable secrets); replaced by "********".
    void add_secret(std::string_view secret);
    void event(std::string_view text);
    void sent(std::string_view text);
    /// Records text typed without echo (a password): only the mask is kept.
    void sent_secret();
    void received(std::string_view raw);
    /// Keeps at most `bytes` of received text in all (the rest is counted, not kept), so a device
    /// that floods cannot exhaust memory through its transcript.
    void limit_received(std::size_t bytes) { limit_ = bytes; }
    /// Removes every secret from `text`.
    std::string redact(std::string_view text) const;

    double elapsed_s() const;
    /// The entries with secrets removed.
    std::vector<Entry> entries() const;
    /// [{"t": 0.012, "kind": "sent", "text": "show version"}, ...]; received bytes are shown
    /// with control characters escaped.
    nlohmann::json to_json() const;
    /// A readable log: "+0.012 > show version" / "+0.015 < ..." / "+0.001 * connected".
    std::string to_text() const;

private:
    std::chrono::steady_clock::time_point start_;
    std::vector<std::string> secrets_;
    std::vector<Entry> entries_;
    std::size_t limit_ = static_cast<std::size_t>(-1);
    std::size_t kept_ = 0, dropped_ = 0;
};

std::string_view to_string(Transcript::Kind k);

}  // namespace nockit::ssh
