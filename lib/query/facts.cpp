// Parsers for the ways devices write numbers, durations and times.
#include "query/facts.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

namespace nockit::query {
namespace {

std::string as_text(const nlohmann::json& v) {
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number()) return v.dump();
    if (v.is_array()) {
        std::string out;
        for (const auto& x : v)
            if (x.is_string() && !x.get<std::string>().empty()) out += (out.empty() ? "" : ",") + x.get<std::string>();
        return out;
    }
    return {};
}

// Seconds in a unit word: "week", "weeks", "week(s)", "w", "d", "hour", "hrs", "min", "s"...
std::optional<long long> unit_seconds(std::string_view unit) {
    std::string u = lower(unit);
    if (auto p = u.find('('); p != std::string::npos) u.resize(p);
    while (!u.empty() && (u.back() == ',' || u.back() == '.')) u.pop_back();
    if (u == "w" || u.rfind("week", 0) == 0 || u == "wk" || u == "wks") return 604800;
    if (u == "d" || u.rfind("day", 0) == 0) return 86400;
    if (u == "h" || u.rfind("hour", 0) == 0 || u == "hr" || u == "hrs") return 3600;
    if (u == "m" || u.rfind("min", 0) == 0) return 60;
    if (u == "s" || u.rfind("sec", 0) == 0) return 1;
    if (u == "y" || u.rfind("year", 0) == 0) return 365 * 86400;
    return std::nullopt;
}

// "04:42" or "00:37:12" as seconds (H:MM or H:MM:SS).
std::optional<long long> clock_seconds(std::string_view t) {
    long long parts[3] = {0, 0, 0};
    int n = 0;
    std::size_t start = 0;
    while (start <= t.size() && n < 3) {
        auto colon = t.find(':', start);
        std::string_view piece = t.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
        long long v = 0;
        auto [end, ec] = std::from_chars(piece.data(), piece.data() + piece.size(), v);
        if (piece.empty() || ec != std::errc{} || end != piece.data() + piece.size()) return std::nullopt;
        parts[n++] = v;
        if (colon == std::string_view::npos) break;
        start = colon + 1;
    }
    if (n == 2) return parts[0] * 3600 + parts[1] * 60;
    if (n == 3) return parts[0] * 3600 + parts[1] * 60 + parts[2];
    return std::nullopt;
}

int month_index(std::string_view m) {
    static const char* names[] = {"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"};
    std::string l = lower(m.substr(0, 3));
    for (int i = 0; i < 12; ++i)
        if (l == names[i]) return i;
    return -1;
}

}  // namespace

std::string lower(std::string_view s) {
    std::string out(s);
    for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}


std::optional<std::string> field(const std::vector<Record>& records, std::initializer_list<const char*> names) {
    for (const auto& r : records) {
        if (!r.is_object()) continue;
        for (const char* n : names) {
            auto it = r.find(n);
            if (it == r.end()) continue;
            std::string v = as_text(*it);
            while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.pop_back();
            if (!v.empty()) return v;
        }
    }
    return std::nullopt;
}

std::optional<double> to_number(std::string_view text) {
    std::string t;
    for (char c : text)
        if (c != ',' && c != ' ' && c != '%') t += c;
    if (t.empty()) return std::nullopt;
    double v = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc{} || end != t.data() + t.size()) return std::nullopt;
    return v;
}

std::optional<long long> parse_duration(std::string_view text) {
    std::string t = lower(text);
    for (auto& c : t)
        if (c == ',') c = ' ';
    long long total = 0;
    bool any = false;
    std::size_t i = 0;
    while (i < t.size()) {
        while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
        if (i >= t.size()) break;
        std::size_t j = i;
        while (j < t.size() && !std::isspace(static_cast<unsigned char>(t[j]))) ++j;
        std::string tok = t.substr(i, j - i);
        i = j;
        if (tok == "and" || tok == "ago" || tok == "up" || tok == "down" || tok == "for") continue;
        if (tok.find(':') != std::string::npos) {
            auto s = clock_seconds(tok);
            if (!s) return std::nullopt;
            total += *s;
            any = true;
            continue;
        }
        // Compact forms: "1d02h", "3w0d", "5d", "12h".
        std::size_t k = 0;
        bool compact = false;
        long long compact_total = 0;
        while (k < tok.size() && std::isdigit(static_cast<unsigned char>(tok[k]))) {
            std::size_t d = k;
            while (k < tok.size() && std::isdigit(static_cast<unsigned char>(tok[k]))) ++k;
            std::size_t u = k;
            while (k < tok.size() && std::isalpha(static_cast<unsigned char>(tok[k]))) ++k;
            if (u == k) break;
            std::string unit = tok.substr(u, k - u);
            std::string rest = tok.substr(k);
            if (rest.rfind("(s)", 0) == 0) k += 3;
            auto secs = unit_seconds(unit);
            if (!secs) return std::nullopt;
            compact_total += std::stoll(tok.substr(d, u - d)) * *secs;
            compact = true;
        }
        if (compact && k == tok.size()) {
            total += compact_total;
            any = true;
            continue;
        }
        // "12 weeks": a number, then its unit as the next word.
        long long v = 0;
        auto [end, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), v);
        if (ec != std::errc{} || end != tok.data() + tok.size()) return std::nullopt;
        while (i < t.size() && std::isspace(static_cast<unsigned char>(t[i]))) ++i;
        std::size_t e = i;
        while (e < t.size() && !std::isspace(static_cast<unsigned char>(t[e]))) ++e;
        auto secs = unit_seconds(t.substr(i, e - i));
        if (!secs) return std::nullopt;
        i = e;
        total += v * *secs;
        any = true;
    }
    if (!any) return std::nullopt;
    return total;
}

std::optional<std::time_t> parse_timestamp(std::string_view text, std::time_t now) {
    std::string t(text);
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.back()))) t.pop_back();
    while (!t.empty() && std::isspace(static_cast<unsigned char>(t.front()))) t.erase(0, 1);
    if (!t.empty() && t.front() == '*') t.erase(0, 1);
    std::tm tm{};
    int year = 0, mon = 0, day = 0, hh = 0, mm = 0, ss = 0;
    // ISO forms: "2024-01-29 14:02:11 UTC", "2024-01-29T14:02:11+0000"
    if (std::sscanf(t.c_str(), "%4d-%2d-%2d%*[ T]%2d:%2d:%2d", &year, &mon, &day, &hh, &mm, &ss) == 6) {
        tm.tm_year = year - 1900;
        tm.tm_mon = mon - 1;
        tm.tm_mday = day;
        tm.tm_hour = hh;
        tm.tm_min = mm;
        tm.tm_sec = ss;
        std::time_t v = timegm(&tm);
        // an explicit numeric offset: "+0100", "-05:00"
        auto plus = t.find_last_of("+-");
        if (plus != std::string::npos && plus > 10) {
            std::string off = t.substr(plus + 1);
            off.erase(std::remove(off.begin(), off.end(), ':'), off.end());
            if (off.size() == 4 && std::all_of(off.begin(), off.end(), ::isdigit)) {
                long secs = std::stol(off.substr(0, 2)) * 3600 + std::stol(off.substr(2)) * 60;
                v -= t[plus] == '+' ? secs : -secs;
            }
        }
        return v;
    }
    // Syslog form without a year: "Jan 29 14:02:11" (fractions after the seconds are ignored)
    char month[8] = {0};
    if (std::sscanf(t.c_str(), "%3s %d %2d:%2d:%2d", month, &day, &hh, &mm, &ss) == 5) {
        int m = month_index(month);
        if (m < 0) return std::nullopt;
        std::tm nowtm{};
        gmtime_r(&now, &nowtm);
        for (int y = nowtm.tm_year; y >= nowtm.tm_year - 1; --y) {
            tm = {};
            tm.tm_year = y;
            tm.tm_mon = m;
            tm.tm_mday = day;
            tm.tm_hour = hh;
            tm.tm_min = mm;
            tm.tm_sec = ss;
            std::time_t v = timegm(&tm);
            if (v <= now + 86400) return v;  // allow for a device clock a little ahead
        }
        return std::nullopt;
    }
    return std::nullopt;
}

std::string plain_duration(long long s) {
    if (s < 0) s = 0;
    auto unit = [](long long n, const char* one) { return fmt::format("{} {}{}", n, one, n == 1 ? "" : "s"); };
    if (s < 60) return unit(s, "second");
    if (s < 3600) return unit(s / 60, "minute");
    if (s < 86400) {
        long long h = s / 3600, m = s % 3600 / 60;
        return m ? unit(h, "hour") + " " + unit(m, "minute") : unit(h, "hour");
    }
    long long d = s / 86400, h = s % 86400 / 3600;
    return h ? unit(d, "day") + " " + unit(h, "hour") : unit(d, "day");
}

std::string plain_time(std::time_t t, std::time_t now) {
    std::tm a{}, b{};
    localtime_r(&t, &a);
    localtime_r(&now, &b);
    char buf[64];
    if (a.tm_year == b.tm_year && a.tm_yday == b.tm_yday) std::strftime(buf, sizeof buf, "%H:%M", &a);
    else std::strftime(buf, sizeof buf, "%e %b %H:%M", &a);
    std::string out = buf;
    while (!out.empty() && out.front() == ' ') out.erase(0, 1);
    return out;
}

bool same_port(std::string_view typed, std::string_view port) {
    if (lower(typed) == lower(port)) return true;
    auto split = [](std::string_view s) {
        std::size_t i = 0;
        while (i < s.size() && (std::isalpha(static_cast<unsigned char>(s[i])) || s[i] == '-')) ++i;
        return std::pair<std::string, std::string>{lower(s.substr(0, i)), std::string(s.substr(i))};
    };
    auto [tl, tn] = split(typed);
    auto [pl, pn] = split(port);
    // A logical unit or subinterface (ge-0/0/2.0, Gi1/0/3.100) is on its physical port.
    auto physical = [](std::string n) {
        if (auto dot = n.rfind('.'); dot != std::string::npos && dot + 1 < n.size() &&
                                     std::all_of(n.begin() + static_cast<long>(dot) + 1, n.end(), ::isdigit))
            n.resize(dot);
        return n;
    };
    if (tn.empty() || tl.empty() || pl.empty()) return false;
    if (tn != pn && physical(tn) != physical(pn)) return false;
    return pl.rfind(tl, 0) == 0 || tl.rfind(pl, 0) == 0;
}

std::string normal_mac(std::string_view mac) {
    std::string hex;
    for (char c : mac)
        if (std::isxdigit(static_cast<unsigned char>(c))) hex += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (hex.size() != 12) return lower(mac);
    std::string out;
    for (std::size_t i = 0; i < 12; i += 2) out += (i ? ":" : "") + hex.substr(i, 2);
    return out;
}

}  // namespace nockit::query
