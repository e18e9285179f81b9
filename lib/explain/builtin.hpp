// The catalogue files compiled into the library, one per area (data/catalogue/<area>.yaml).
#pragma once

#include <string_view>
#include <utility>
#include <vector>

namespace nockit::explain {

/// (area, YAML text) of every embedded catalogue file.
const std::vector<std::pair<std::string_view, std::string_view>>& builtin_sources();

}  // namespace nockit::explain
