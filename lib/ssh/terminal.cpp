// Terminal rendering of device output: a one-line cursor model is enough for what CLIs do
// (pager prompts erased with backspaces or "\r   \r", colour codes, bells).
#include "ssh/terminal.hpp"

#include <fmt/format.h>

namespace nockit::ssh {
namespace {

// Skips an escape sequence starting at text[i] (text[i] == ESC); returns the index after it.
std::size_t skip_escape(std::string_view text, std::size_t i) {
    std::size_t n = text.size();
    if (i + 1 >= n) return n;
    char kind = text[i + 1];
    if (kind == '[') {  // CSI: parameters and intermediates, then one final byte 0x40..0x7e
        std::size_t j = i + 2;
        while (j < n && !(text[j] >= 0x40 && text[j] <= 0x7e)) ++j;
        return j < n ? j + 1 : n;
    }
    if (kind == ']' || kind == 'P' || kind == '_' || kind == '^' || kind == 'X') {  // OSC/DCS/...: until BEL or ESC \ .
        std::size_t j = i + 2;
        while (j < n) {
            if (text[j] == '\a') return j + 1;
            if (text[j] == '\x1b' && j + 1 < n && text[j + 1] == '\\') return j + 2;
            ++j;
        }
        return n;
    }
    if (kind == '(' || kind == ')' || kind == '*' || kind == '+' || kind == '#' || kind == '%')  // charset: one more byte
        return i + 3 <= n ? i + 3 : n;
    return i + 2;  // two-byte sequences: ESC 7, ESC 8, ESC =, ESC >, ESC M ...
}

void trim_right(std::string& line) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
}

}  // namespace

std::string render_terminal(std::string_view raw) {
    std::string out;
    out.reserve(raw.size());
    std::string line;
    std::size_t cursor = 0;
    auto put = [&](char c) {
        if (cursor < line.size())
            line[cursor] = c;
        else {
            if (cursor > line.size()) line.append(cursor - line.size(), ' ');
            line.push_back(c);
        }
        ++cursor;
    };
    for (std::size_t i = 0; i < raw.size();) {
        char c = raw[i];
        if (c == '\x1b') {
            // "ESC [ K" (erase to end of line) matters: pagers use it to wipe their prompt.
            std::size_t end = skip_escape(raw, i);
            std::string_view seq = raw.substr(i, end - i);
            if (seq.size() >= 3 && seq[1] == '[' && seq.back() == 'K') {
                std::string_view param = seq.substr(2, seq.size() - 3);
                if (param.empty() || param == "0") line.resize(std::min(line.size(), cursor));
                else if (param == "2") { line.clear(); cursor = 0; }
            } else if (seq.size() >= 3 && seq[1] == '[' && (seq.back() == 'D' || seq.back() == 'C')) {
                // cursor left/right by N
                int count = 1;
                std::string_view param = seq.substr(2, seq.size() - 3);
                if (!param.empty()) {
                    count = 0;
                    for (char d : param) {
                        if (d < '0' || d > '9') { count = 1; break; }
                        count = count * 10 + (d - '0');
                        if (count > 10000) break;
                    }
                }
                if (seq.back() == 'D') cursor = cursor > static_cast<std::size_t>(count) ? cursor - static_cast<std::size_t>(count) : 0;
                else cursor += static_cast<std::size_t>(count);
            }
            i = end;
            continue;
        }
        if (c == '\n') {
            trim_right(line);
            out += line;
            out += '\n';
            line.clear();
            cursor = 0;
        } else if (c == '\r') {
            cursor = 0;
        } else if (c == '\b') {
            if (cursor > 0) --cursor;
        } else if (c == '\t') {
            put(' ');
            while (cursor % 8 != 0) put(' ');
        } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
            // bell, NUL, XON/XOFF and the like: not text
        } else {
            put(c);
        }
        ++i;
    }
    trim_right(line);
    out += line;
    return out;
}

std::string strip_echo(std::string_view output, std::string_view command) {
    std::size_t nl = output.find('\n');
    std::string_view first = output.substr(0, nl);
    while (!first.empty() && first.back() == ' ') first.remove_suffix(1);
    while (!command.empty() && (command.back() == ' ' || command.back() == '\n' || command.back() == '\r'))
        command.remove_suffix(1);
    bool echo = !command.empty() && first.size() >= command.size() &&
                first.substr(first.size() - command.size()) == command;
    if (!echo) return std::string(output);
    return nl == std::string_view::npos ? std::string() : std::string(output.substr(nl + 1));
}

std::string_view last_line(std::string_view text) {
    std::size_t nl = text.rfind('\n');
    return nl == std::string_view::npos ? text : text.substr(nl + 1);
}

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    auto escape = [&](unsigned char c) { out += fmt::format("\\x{:02x}", c); };
    for (std::size_t i = 0; i < text.size();) {
        auto c = static_cast<unsigned char>(text[i]);
        if (c < 0x80) {
            if ((c >= 0x20 && c < 0x7f) || c == '\n' || c == '\t') out += static_cast<char>(c);
            else escape(c);
            ++i;
            continue;
        }
        // A well-formed UTF-8 sequence passes; anything else is escaped byte by byte.
        std::size_t len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
        bool ok = len > 0 && i + len <= text.size();
        for (std::size_t k = 1; ok && k < len; ++k) ok = (static_cast<unsigned char>(text[i + k]) & 0xc0) == 0x80;
        if (ok && len == 3) {
            auto c1 = static_cast<unsigned char>(text[i + 1]);
            ok = !(c == 0xe0 && c1 < 0xa0) && !(c == 0xed && c1 >= 0xa0);
        }
        if (ok && len == 4) {
            auto c1 = static_cast<unsigned char>(text[i + 1]);
            ok = !(c == 0xf0 && c1 < 0x90) && !(c == 0xf4 && c1 >= 0x90);
        }
        if (ok) {
            out.append(text.substr(i, len));
            i += len;
        } else {
            escape(c);
            ++i;
        }
    }
    return out;
}

}  // namespace nockit::ssh
