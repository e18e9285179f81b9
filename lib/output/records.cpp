// Records as a text table, CSV or JSON: one model, three printers chosen by the caller.
#include "output/records.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace nockit::output {

namespace {

// A field as one line of text: lists joined with `separator`, objects as key=value.
std::string flatten(const nlohmann::json& value, const char* separator, const char* pair_separator) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_null()) return {};
    if (value.is_object()) {
        std::string text;
        for (const auto& [key, item] : value.items()) {
            if (!text.empty()) text += pair_separator;
            text += key + "=" + flatten(item, separator, pair_separator);
        }
        return text;
    }
    if (value.is_array()) {
        std::string text;
        for (const auto& item : value) {
            if (!text.empty()) text += separator;
            text += flatten(item, separator, pair_separator);
        }
        return text;
    }
    return value.dump();
}

// Device text made safe for a terminal: C0 and C1 controls and DEL shown as escapes.
std::string printable(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto c = static_cast<unsigned char>(text[i]);
        if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7F) {
            out += fmt::format("\\x{:02x}", c);
        } else if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
                   static_cast<unsigned char>(text[i + 1]) < 0xA0) {
            out += fmt::format("\\u{:04x}", static_cast<unsigned char>(text[++i]));  // C1 control
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

// Terminal columns taken by UTF-8 text (one per code point; wide scripts are rare in device output).
std::size_t width(const std::string& text) {
    return static_cast<std::size_t>(
        std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string csv_field(const std::string& text) {
    if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
    std::string quoted = "\"";
    for (const char c : text) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + '"';
}

}  // namespace

void render_table(std::ostream& out, const Records& records, const TableStyle& style) {
    const std::size_t n = records.columns.size();
    std::vector<std::vector<std::string>> cells;
    cells.reserve(records.rows.size());
    std::vector<std::size_t> widths(n);
    for (std::size_t c = 0; c < n; ++c) widths[c] = width(records.columns[c]);
    for (const auto& row : records.rows) {
        auto& line = cells.emplace_back();
        for (std::size_t c = 0; c < n; ++c) {
            line.push_back(printable(c < row.size() ? flatten(row[c], ", ", " ") : std::string{}));
            widths[c] = std::max(widths[c], width(line.back()));
        }
    }
    const auto emit = [&](const std::vector<std::string>& line, bool header) {
        std::string text;
        for (std::size_t c = 0; c < n; ++c) {
            std::string field = line[c];
            if (c + 1 < n) field.append(widths[c] - width(field) + 2, ' ');
            text += field;
        }
        while (!text.empty() && text.back() == ' ') text.pop_back();
        if (header && style.color) text = "\x1b[1m" + text + "\x1b[0m";
        out << text << '\n';
    };
    std::vector<std::string> header;
    for (const auto& column : records.columns) header.push_back(printable(column));
    emit(header, true);
    for (const auto& line : cells) emit(line, false);
    if (records.rows.empty()) out << "(no records)\n";
}

void render_csv(std::ostream& out, const Records& records) {
    std::string text;
    for (std::size_t c = 0; c < records.columns.size(); ++c)
        text += (c ? "," : "") + csv_field(records.columns[c]);
    text += "\r\n";
    for (const auto& row : records.rows) {
        for (std::size_t c = 0; c < records.columns.size(); ++c)
            text += (c ? "," : "") + csv_field(c < row.size() ? flatten(row[c], ";", ",") : std::string{});
        text += "\r\n";
    }
    out << text;
}

std::string render_json(const Records& records, int indent) {
    nlohmann::ordered_json list = nlohmann::ordered_json::array();
    for (const auto& row : records.rows) {
        nlohmann::ordered_json object = nlohmann::ordered_json::object();
        for (std::size_t c = 0; c < records.columns.size(); ++c)
            object[records.columns[c]] = c < row.size() ? nlohmann::ordered_json(row[c]) : nlohmann::ordered_json();
        list.push_back(std::move(object));
    }
    return list.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace nockit::output
