// The templates shipped with nockit, compiled into the library (generated from templates/).
#pragma once

#include <cstddef>
#include <string_view>

namespace nockit::textfsm::shipped {

struct File {
    std::string_view name;  ///< file name under templates/, e.g. "index"
    std::string_view text;
};

/// Every shipped file, the index included.
extern const File files[];
extern const std::size_t file_count;

}  // namespace nockit::textfsm::shipped
