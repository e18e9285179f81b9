// Python str semantics for UTF-8 text: decoding, whitespace, strip(), splitlines().
#include "textfsm/text.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>

namespace nockit::textfsm::text {

namespace {

// How much of the UTF-8 sequence at s[pos] is well formed (`valid` bytes, the lead byte included)
// and how many bytes its lead byte asks for (`needed`; 0 for a byte that cannot start a sequence).
// Well formed as Unicode defines it: no overlong forms, no surrogates, nothing above U+10FFFF.
struct SequencePrefix {
    std::size_t valid = 0;
    std::size_t needed = 0;
};

SequencePrefix sequence_prefix(std::string_view s, std::size_t pos) {
    const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char b0 = byte(pos);
    if (b0 < 0x80) return {1, 1};
    std::size_t need = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
        need = 1;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
        need = 2;
        if (b0 == 0xE0) lo = 0xA0;
        if (b0 == 0xED) hi = 0x9F;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
        need = 3;
        if (b0 == 0xF0) lo = 0x90;
        if (b0 == 0xF4) hi = 0x8F;
    } else {
        return {0, 0};
    }
    SequencePrefix p{1, need + 1};
    for (std::size_t i = 1; i <= need && pos + i < s.size(); ++i) {
        const unsigned char b = byte(pos + i);
        const unsigned char l = i == 1 ? lo : 0x80;
        const unsigned char h = i == 1 ? hi : 0xBF;
        if (b < l || b > h) break;
        ++p.valid;
    }
    return p;
}

// Length of the well-formed sequence at s[pos], or 0 when it is not one.
std::size_t valid_sequence_length(std::string_view s, std::size_t pos) {
    const SequencePrefix p = sequence_prefix(s, pos);
    return p.valid == p.needed ? p.needed : 0;
}

// Length of the maximal subpart of an invalid sequence at s[pos] (at least 1), the unit that
// one U+FFFD replaces (Unicode "substitution of maximal subparts", which Python follows).
std::size_t invalid_subpart_length(std::string_view s, std::size_t pos) {
    return std::max<std::size_t>(sequence_prefix(s, pos).valid, 1);
}

}  // namespace

char32_t next_code_point(std::string_view s, std::size_t& pos) {
    const auto b0 = static_cast<unsigned char>(s[pos]);
    if (b0 < 0x80) {
        ++pos;
        return b0;
    }
    const auto cont = [&](std::size_t i) { return static_cast<char32_t>(static_cast<unsigned char>(s[pos + i]) & 0x3F); };
    char32_t cp;
    std::size_t n;
    if (b0 < 0xE0) {
        cp = ((b0 & 0x1Fu) << 6) | cont(1);
        n = 2;
    } else if (b0 < 0xF0) {
        cp = ((b0 & 0x0Fu) << 12) | (cont(1) << 6) | cont(2);
        n = 3;
    } else {
        cp = ((b0 & 0x07u) << 18) | (cont(1) << 12) | (cont(2) << 6) | cont(3);
        n = 4;
    }
    pos += n;
    return cp;
}

void append_utf8(std::string& out, char32_t cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

std::size_t invalid_utf8_at(std::string_view s) {
    std::size_t pos = 0;
    while (pos < s.size()) {
        // Fast path over ASCII, which is nearly all device output.
        if (static_cast<unsigned char>(s[pos]) < 0x80) {
            ++pos;
            continue;
        }
        const std::size_t n = valid_sequence_length(s, pos);
        if (n == 0) return pos;
        pos += n;
    }
    return std::string_view::npos;
}

std::string repair_utf8(std::string_view s) {
    std::string out;
    out.reserve(s.size() + 16);
    std::size_t pos = 0;
    while (pos < s.size()) {
        const std::size_t n = valid_sequence_length(s, pos);
        if (n > 0) {
            out.append(s.substr(pos, n));
            pos += n;
        } else {
            out += "\xEF\xBF\xBD";
            pos += invalid_subpart_length(s, pos);
        }
    }
    return out;
}

bool is_space(char32_t cp) {
    if (cp < 0x80) return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20);
    switch (cp) {
        case 0x85: case 0xA0: case 0x1680: case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
            return true;
        default:
            return cp >= 0x2000 && cp <= 0x200A;
    }
}

std::string_view rstrip(std::string_view s) {
    std::size_t end = s.size();
    while (end > 0) {
        // Step back to the start of the last code point.
        std::size_t start = end - 1;
        while (start > 0 && (static_cast<unsigned char>(s[start]) & 0xC0) == 0x80) --start;
        std::size_t p = start;
        if (!is_space(next_code_point(s, p))) break;
        end = start;
    }
    return s.substr(0, end);
}

std::string_view strip(std::string_view s) {
    s = rstrip(s);
    std::size_t pos = 0;
    while (pos < s.size()) {
        std::size_t next = pos;
        if (!is_space(next_code_point(s, next))) break;
        pos = next;
    }
    return s.substr(pos);
}

namespace {

// What a byte means to split_marked_lines: 0 an ordinary ASCII character, 1 a line break,
// 2 a carriage return, 3 an ASCII character that is not plain (\x1f), 4 a non-ASCII byte.
struct ByteClasses {
    unsigned char of[256];
    constexpr ByteClasses() : of{} {
        for (int b = 0x80; b < 0x100; ++b) of[b] = 4;
        of[static_cast<unsigned char>('\n')] = 1;
        of[0x0B] = 1;
        of[0x0C] = 1;
        of[0x1C] = 1;
        of[0x1D] = 1;
        of[0x1E] = 1;
        of[static_cast<unsigned char>('\r')] = 2;
        of[0x1F] = 3;
    }
};
constexpr ByteClasses kByteClasses;

}  // namespace

// True when one of the 8 bytes in `word` is below 0x20 or at least 0x80: the only bytes that
// can end a line or make it not plain.
inline bool has_special_byte(std::uint64_t word) {
    constexpr std::uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    return ((word - ones * 0x20) | word) & highs;
}

std::vector<Line> split_marked_lines(std::string_view s, bool& non_ascii) {
    std::vector<Line> lines;
    lines.reserve(s.size() / 40 + 1);
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t start = 0, pos = 0;
    bool plain = true;
    non_ascii = false;
    while (pos < n) {
        // Skip ordinary text eight bytes at a time.
        while (pos + 8 <= n) {
            std::uint64_t word;
            std::memcpy(&word, p + pos, 8);
            if (has_special_byte(word)) break;
            pos += 8;
        }
        if (pos >= n) break;
        const unsigned char kind = kByteClasses.of[p[pos]];
        if (kind == 0) {
            ++pos;
            continue;
        }
        std::size_t brk = 0;  // length of the line break at pos
        if (kind == 1) {
            brk = 1;
        } else if (kind == 2) {
            brk = (pos + 1 < n && p[pos + 1] == '\n') ? 2 : 1;
        } else if (kind == 3) {
            plain = false;
        } else {
            non_ascii = true;
            if (p[pos] == 0xC2 && pos + 1 < n && p[pos + 1] == 0x85)
                brk = 2;  // U+0085
            else if (p[pos] == 0xE2 && pos + 2 < n && p[pos + 1] == 0x80 && (p[pos + 2] == 0xA8 || p[pos + 2] == 0xA9))
                brk = 3;  // U+2028, U+2029
            else
                plain = false;
        }
        if (brk == 0) {
            ++pos;
            continue;
        }
        lines.push_back(Line{s.substr(start, pos - start), plain});
        pos += brk;
        start = pos;
        plain = true;
    }
    if (start < n) lines.push_back(Line{s.substr(start), plain});
    return lines;
}

std::vector<std::string_view> file_lines(std::string_view s) {
    std::vector<std::string_view> lines;
    std::size_t start = 0, pos = 0;
    while (pos < s.size()) {
        const char c = s[pos];
        if (c != '\n' && c != '\r') {
            ++pos;
            continue;
        }
        lines.push_back(s.substr(start, pos - start));
        pos += (c == '\r' && pos + 1 < s.size() && s[pos + 1] == '\n') ? 2 : 1;
        start = pos;
    }
    if (start < s.size()) lines.push_back(s.substr(start));
    return lines;
}

std::vector<std::string_view> split(std::string_view s, char separator) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        const std::size_t at = s.find(separator, start);
        if (at == std::string_view::npos) {
            parts.push_back(s.substr(start));
            return parts;
        }
        parts.push_back(s.substr(start, at - start));
        start = at + 1;
    }
}

std::size_t length(std::string_view s) {
    std::size_t n = 0;
    for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
}

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

}  // namespace nockit::textfsm::text
