// Streaming text per device. Device output has been stripped of control sequences already, so
// nothing a device sends can drive the engineer's terminal.
#include "query/text.hpp"

#include "ssh/terminal.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace nockit::query {
namespace {

std::string cell(const nlohmann::json& v) {
    if (v.is_string()) return ssh::printable(v.get<std::string>());
    if (v.is_array()) {
        std::string out;
        for (const auto& x : v) out += (out.empty() ? "" : ", ") + cell(x);
        return out;
    }
    if (v.is_null()) return "";
    return v.dump();
}

std::string table(const std::vector<Record>& records) {
    std::vector<std::string> columns;
    for (const auto& r : records)
        for (const auto& [k, v] : r.items())
            if (std::find(columns.begin(), columns.end(), k) == columns.end()) columns.push_back(k);
    // Records with many fields read better as "field: value" lines than as a wide table.
    if (records.size() == 1 || columns.size() > 8) {
        std::size_t w = 0;
        for (const auto& c : columns) w = std::max(w, c.size());
        std::string out;
        for (std::size_t i = 0; i < records.size(); ++i) {
            if (i) out += "\n";
            for (const auto& [k, v] : records[i].items())
                if (!cell(v).empty()) out += fmt::format("  {:<{}}  {}\n", k, w, cell(v));
        }
        return out;
    }
    std::vector<std::size_t> width(columns.size());
    for (std::size_t c = 0; c < columns.size(); ++c) {
        width[c] = columns[c].size();
        for (const auto& r : records) width[c] = std::max(width[c], r.contains(columns[c]) ? cell(r[columns[c]]).size() : 0);
    }
    std::string out = " ";
    for (std::size_t c = 0; c < columns.size(); ++c) out += fmt::format(" {:<{}}", columns[c], width[c]);
    out += "\n";
    for (const auto& r : records) {
        std::string line = " ";
        for (std::size_t c = 0; c < columns.size(); ++c)
            line += fmt::format(" {:<{}}", r.contains(columns[c]) ? cell(r[columns[c]]) : "", width[c]);
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out += line + "\n";
    }
    return out;
}

}  // namespace

std::string device_text(const DeviceOutcome& o, bool raw, bool several) {
    const auto& r = o.report;
    std::string out;
    bool labels = !raw || several;
    if (labels || r.failure)
        out += fmt::format("== {} ({}, {}:{}): {} in {:.2f} s\n", r.name, r.platform, r.address, r.port,
                           r.failure ? "FAILED" : "answered", r.seconds);
    if (r.failure) out += "   " + r.failure.message + "\n";
    for (const auto& n : r.notes) out += "   note: " + n + "\n";
    if (!o.plan) return out;
    for (std::size_t i : o.plan->commands) {
        if (i >= r.commands.size()) continue;
        const auto& c = r.commands[i];
        if (labels || o.plan->commands.size() > 1) out += "$ " + c.command + "\n";
        if (c.skipped) {
            out += "  (not run)\n";
            continue;
        }
        bool records = !raw && i < o.parsed.size() && !o.parsed[i].records.empty();
        if (records) out += table(o.parsed[i].records);
        else if (!c.output.empty()) out += ssh::printable(c.output) + "\n";
        if (c.timed_out) out += fmt::format("  [partial: no prompt within {:.0f} s]\n", c.seconds);
        if (c.closed) out += "  [partial: the device closed the connection]\n";
        if (c.truncated) out += "  [truncated]\n";
    }
    return out;
}

}  // namespace nockit::query
