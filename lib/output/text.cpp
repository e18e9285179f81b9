// Terminal renderer: plain summary first (what CS reads out), technical section below.
#include "output/render.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>

namespace nockit::output {
namespace {

const char* colour_of(Severity s) {
    switch (s) {
        case Severity::ok: return "\033[32m";
        case Severity::warning: return "\033[33m";
        case Severity::critical: return "\033[1;31m";
        case Severity::unknown: return "\033[35m";
    }
    return "";
}

std::string paint(const std::string& text, Severity s, bool color) {
    return color ? fmt::format("{}{}\033[0m", colour_of(s), text) : text;
}

std::string bold(const std::string& text, bool color) { return color ? "\033[1m" + text + "\033[0m" : text; }

// Display width of UTF-8 text (each code point counts one column, enough for our tables).
std::size_t width(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

void render_table(std::ostream& out, const Table& table) {
    if (table.columns.empty() || table.rows.empty()) return;
    std::vector<std::size_t> w(table.columns.size());
    for (std::size_t i = 0; i < w.size(); ++i) w[i] = width(table.columns[i]);
    for (const auto& row : table.rows)
        for (std::size_t i = 0; i < row.size() && i < w.size(); ++i) w[i] = std::max(w[i], width(row[i]));
    auto line = [&](const std::vector<std::string>& cells) {
        std::string s = "  ";
        for (std::size_t i = 0; i < w.size(); ++i) {
            const std::string cell = i < cells.size() ? cells[i] : "";
            std::string pad(w[i] - width(cell), ' ');
            bool right = i < table.right_aligned.size() && table.right_aligned[i];
            s += right ? pad + cell : cell + (i + 1 < w.size() ? pad : "");
            if (i + 1 < w.size()) s += "  ";
        }
        out << s << '\n';
    };
    line(table.columns);
    for (const auto& row : table.rows) line(row);
}

}  // namespace

bool want_color(int fd, bool disabled_by_option) {
    if (disabled_by_option) return false;
    if (const char* nc = std::getenv("NO_COLOR"); nc && *nc) return false;
    if (const char* term = std::getenv("TERM"); term && std::string_view(term) == "dumb") return false;
    return isatty(fd) == 1;
}

std::string format_number(double v) {
    if (std::isnan(v)) return "-";
    double a = std::fabs(v);
    if (a >= 100 || v == std::floor(v)) return fmt::format("{:.0f}", v);
    if (a >= 10) return fmt::format("{:.1f}", v);
    if (a >= 1) return fmt::format("{:.2f}", v);
    return fmt::format("{:.3f}", v);
}

void render_text(std::ostream& out, const Report& report, const TextStyle& style) {
    const Severity overall = report.severity();
    const bool c = style.color;
    if (style.audience) {
        // One audience: just its sentences, nothing else (for pasting into a ticket or a chat).
        std::set<std::string> seen;
        for (const auto& f : report.findings) {
            const std::string& t = f.text(*style.audience);
            if (!t.empty() && seen.insert(t).second) out << t << '\n';
        }
        if (*style.audience == Audience::engineer && !style.quiet) {
            out << '\n';
            render_table(out, report.table);
        }
        return;
    }
    std::string status = fmt::format("{} {}", report.service, plugin_state(overall));
    if (report.interrupted) status += " (stopped early: partial results)";
    out << paint(status, overall, c) << '\n';

    // In plain words: the headline, then only what is wrong; the reassuring notes ("this router
    // merely limits replies") are for the agent and the engineer.
    out << '\n' << bold("In plain words", c) << '\n';
    std::set<std::string> seen;
    for (std::size_t i = 0; i < report.findings.size(); ++i) {
        const auto& f = report.findings[i];
        bool wanted = i == 0 || f.severity != Severity::ok;
        if (wanted && !f.customer.empty() && seen.insert(f.customer).second) out << "  " << f.customer << '\n';
    }
    if (style.quiet) return;

    out << '\n' << bold("For the agent", c) << '\n';
    seen.clear();
    for (const auto& f : report.findings)
        if (!f.agent.empty() && seen.insert(f.agent).second) out << "  " << f.agent << '\n';

    out << '\n' << bold("Technical", c) << '\n';
    for (const auto& f : report.findings) {
        std::string tag = fmt::format("{:<8}", plugin_state(f.severity));
        out << "  " << paint(tag, f.severity, c) << ' ' << f.engineer << "  [" << f.code << "]\n";
    }
    if (!report.table.rows.empty()) {
        out << '\n';
        render_table(out, report.table);
    }
}

}  // namespace nockit::output
