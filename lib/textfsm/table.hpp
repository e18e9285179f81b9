// The records a TextFSM template produces, the clitable-style merge of several templates'
// records, and their JSON form (ntc-templates' shape: lower-case keys, lists as arrays).
#pragma once

#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace nockit::textfsm {

/// The named groups of a List value whose regex has nested groups, in pattern order; a group
/// that did not take part in the match has no text.
using Groups = std::vector<std::pair<std::string, std::optional<std::string>>>;

/// One element of a List value: text, or the nested groups of the Value's regex. When the
/// Value's group did not take part in a matching rule, the element is the text "None", as
/// the reference (Python's None, turned to text by clitable) gives it to ntc-templates users.
using Item = std::variant<std::string, Groups>;

/// One field of a record: text for plain Values, a list for List Values.
using Cell = std::variant<std::string, std::vector<Item>>;

/// Records in the order the template produced them. `header` holds the Value names in
/// template order; every row has one cell per header entry.
struct Table {
    std::vector<std::string> header;
    std::vector<std::string> keys;  ///< names of the `Key` Values
    std::vector<std::vector<Cell>> rows;
};

/// Python truthiness of a cell: non-empty text or a non-empty list.
bool is_set(const Cell& cell);

/// Joins the tables that several templates produced from the same input, as ntc-templates'
/// clitable does: rows come from the first table; each later table adds only columns not yet
/// present, taken from its first row whose Key columns equal the row's (by position when no
/// template declares Keys); unmatched rows of later tables are dropped.
Result<Table> merge(std::vector<Table> tables);

/// A list of records, one JSON object each, keys the Value names in lower case.
nlohmann::json to_json(const Table& table);

/// JSON of one cell: a string, or an array of strings / nulls / objects.
nlohmann::json to_json(const Cell& cell);

}  // namespace nockit::textfsm
