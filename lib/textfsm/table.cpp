// Merging several templates' records (clitable's extend) and their JSON form.
#include "textfsm/table.hpp"

#include "textfsm/text.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace nockit::textfsm {

bool is_set(const Cell& cell) {
    if (const auto* s = std::get_if<std::string>(&cell)) return !s->empty();
    return !std::get<std::vector<Item>>(cell).empty();
}

namespace {

std::ptrdiff_t column_of(const std::vector<std::string>& header, const std::string& name) {
    const auto it = std::find(header.begin(), header.end(), name);
    return it == header.end() ? -1 : it - header.begin();
}

}  // namespace

Result<Table> merge(std::vector<Table> tables) {
    if (tables.empty()) return Table{};
    Table merged = std::move(tables.front());
    // clitable takes the Keys of the first template that declares any, looking at each
    // template only once it has been parsed.
    std::vector<std::string> keys = merged.keys;
    for (std::size_t t = 1; t < tables.size(); ++t) {
        Table& next = tables[t];
        if (keys.empty()) keys = next.keys;
        std::vector<std::size_t> key_columns;
        for (const auto& key : keys) {
            const auto column = column_of(merged.header, key);
            if (column < 0)
                return unknown_error(fmt::format(
                    "cannot merge templates: Key '{}' is not a column of the templates before it", key));
            key_columns.push_back(static_cast<std::size_t>(column));
        }
        std::vector<std::size_t> added;  // columns of `next` that `merged` lacks
        for (std::size_t c = 0; c < next.header.size(); ++c)
            if (column_of(merged.header, next.header[c]) < 0) added.push_back(c);
        if (added.empty()) continue;
        for (const std::size_t c : added) merged.header.push_back(next.header[c]);
        for (auto& row : merged.rows) row.resize(merged.header.size(), Cell{std::string{}});
        const std::size_t first_added = merged.header.size() - added.size();
        const auto copy_row = [&](std::vector<Cell>& into, const std::vector<Cell>& from) {
            for (std::size_t a = 0; a < added.size(); ++a) into[first_added + a] = from[added[a]];
        };
        if (keys.empty()) {
            for (std::size_t r = 0; r < merged.rows.size() && r < next.rows.size(); ++r)
                copy_row(merged.rows[r], next.rows[r]);
            continue;
        }
        std::vector<std::size_t> key_columns_next;
        for (const auto& key : keys) {
            const auto column = column_of(next.header, key);
            // Only a problem when there are rows to compare (clitable fails at the comparison).
            if (column < 0 && !merged.rows.empty() && !next.rows.empty())
                return unknown_error(
                    fmt::format("cannot merge templates: Key '{}' is not a Value of the template added", key));
            key_columns_next.push_back(static_cast<std::size_t>(std::max<std::ptrdiff_t>(column, 0)));
        }
        for (auto& row : merged.rows) {
            for (const auto& candidate : next.rows) {
                bool same = true;
                for (std::size_t k = 0; k < keys.size() && same; ++k)
                    same = row[key_columns[k]] == candidate[key_columns_next[k]];
                if (same) {
                    copy_row(row, candidate);
                    break;
                }
            }
        }
    }
    merged.keys = std::move(keys);
    return merged;
}

nlohmann::json to_json(const Cell& cell) {
    if (const auto* s = std::get_if<std::string>(&cell)) return *s;
    nlohmann::json list = nlohmann::json::array();
    for (const Item& item : std::get<std::vector<Item>>(cell)) {
        if (const auto* s = std::get_if<std::string>(&item)) {
            list.push_back(*s);
        } else {
            nlohmann::json object = nlohmann::json::object();
            for (const auto& [name, value] : std::get<Groups>(item))
                object[name] = value ? nlohmann::json(*value) : nlohmann::json();
            list.push_back(std::move(object));
        }
    }
    return list;
}

nlohmann::json to_json(const Table& table) {
    std::vector<std::string> keys;
    keys.reserve(table.header.size());
    for (const auto& name : table.header) keys.push_back(text::lower(name));
    nlohmann::json records = nlohmann::json::array();
    for (const auto& row : table.rows) {
        nlohmann::json record = nlohmann::json::object();
        for (std::size_t c = 0; c < row.size() && c < keys.size(); ++c) record[keys[c]] = to_json(row[c]);
        records.push_back(std::move(record));
    }
    return records;
}

}  // namespace nockit::textfsm
