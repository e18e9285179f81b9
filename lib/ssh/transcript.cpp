// Session transcripts with redaction of every secret the session knows.
#include "ssh/transcript.hpp"

#include "ssh/terminal.hpp"

#include <fmt/format.h>

namespace nockit::ssh {

Transcript::Transcript() : start_(std::chrono::steady_clock::now()) {}

void Transcript::add_secret(std::string_view secret) {
    if (!secret.empty()) secrets_.emplace_back(secret);
}

std::string Transcript::redact(std::string_view text) const {
    std::string out(text);
    for (const auto& s : secrets_) {
        std::size_t pos = 0;
        while ((pos = out.find(s, pos)) != std::string::npos) {
            out.replace(pos, s.size(), "********");
            pos += 8;
        }
    }
    return out;
}

double Transcript::elapsed_s() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

// Entries are kept as recorded and redacted whenever they leave (entries(), to_json(), to_text()),
// so a secret split across two reads is still caught and no secret learnt late slips through.
void Transcript::event(std::string_view text) { entries_.push_back({elapsed_s(), Kind::event, std::string(text)}); }
void Transcript::sent(std::string_view text) { entries_.push_back({elapsed_s(), Kind::sent, std::string(text)}); }
void Transcript::sent_secret() { entries_.push_back({elapsed_s(), Kind::sent, "********"}); }

void Transcript::received(std::string_view raw) {
    if (raw.empty()) return;
    if (kept_ + raw.size() > limit_) {
        std::size_t room = limit_ > kept_ ? limit_ - kept_ : 0;
        bool first = dropped_ == 0;
        dropped_ += raw.size() - room;
        raw = raw.substr(0, room);
        if (!raw.empty()) received(raw);  // fits now: kept and counted below
        if (first) event("received text beyond the transcript's limit is not kept");
        return;
    }
    kept_ += raw.size();
    // Consecutive chunks form one entry, so a command's answer reads as one piece.
    if (!entries_.empty() && entries_.back().kind == Kind::received) {
        entries_.back().text.append(raw);
        return;
    }
    entries_.push_back({elapsed_s(), Kind::received, std::string(raw)});
}

std::string_view to_string(Transcript::Kind k) {
    switch (k) {
        case Transcript::Kind::event: return "event";
        case Transcript::Kind::sent: return "sent";
        case Transcript::Kind::received: return "received";
    }
    return "event";
}

std::vector<Transcript::Entry> Transcript::entries() const {
    std::vector<Entry> out;
    out.reserve(entries_.size());
    for (const auto& e : entries_) out.push_back({e.at_s, e.kind, redact(e.text)});
    return out;
}

nlohmann::json Transcript::to_json() const {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& e : entries()) {
        double t = static_cast<double>(static_cast<long long>(e.at_s * 1e6)) / 1e6;
        // Device output can hold bytes that are not UTF-8; escape them so the JSON stays valid.
        out.push_back({{"t", t}, {"kind", to_string(e.kind)}, {"text", printable(e.text)}});
    }
    return out;
}

std::string Transcript::to_text() const {
    std::string out;
    for (const auto& e : entries()) {
        char mark = e.kind == Kind::sent ? '>' : e.kind == Kind::received ? '<' : '*';
        out += fmt::format("+{:.3f} {} {}\n", e.at_s, mark, printable(e.text));
    }
    return out;
}

}  // namespace nockit::ssh
