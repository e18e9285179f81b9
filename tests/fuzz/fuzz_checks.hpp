// Invariants the fuzz targets check on every parse result, beyond "no crash".
#pragma once

#include "textfsm/table.hpp"

#include <cstdlib>

namespace nockit::fuzz {

/// Every record has one field per Value, and the records render as JSON (valid UTF-8).
inline void check_table(const textfsm::Table& table) {
    for (const auto& row : table.rows)
        if (row.size() != table.header.size()) std::abort();
    (void)textfsm::to_json(table).dump();
}

}  // namespace nockit::fuzz
