// Rendering a list of records (parsed device output and the like) as an aligned text table,
// CSV or JSON. A field is a string, null, or a list of strings or of objects.
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace nockit::output {

/// Records with named columns; each row has one JSON value per column.
struct Records {
    std::vector<std::string> columns;
    std::vector<std::vector<nlohmann::json>> rows;
};

struct TableStyle {
    bool color = false;  ///< bold header (only on a TTY, never with NO_COLOR)
};

/// An aligned table with a header line. Lists are joined with ", ", objects as key=value;
/// control characters in device text are shown escaped (\t, \x1b), never sent to the terminal.
void render_table(std::ostream& out, const Records& records, const TableStyle& style);

/// CSV (RFC 4180) with a header row. Lists are joined with ";", objects as key=value pairs
/// joined with ",".
void render_csv(std::ostream& out, const Records& records);

/// One JSON array with an object per record, keys in column order.
std::string render_json(const Records& records, int indent = 2);

}  // namespace nockit::output
