// Reading nockit's YAML files (configuration, inventory, platform drivers) one way: every error
// names the file, the line and the key, so a typo is found where it was made.
#pragma once

#include "core/result.hpp"

#include <yaml-cpp/yaml.h>

#include <string>
#include <vector>

namespace nockit::yaml {

/// "FILE:LINE: what", or "FILE: what" when the position is unknown.
Error error_at(const std::string& source, const YAML::Mark& mark, const std::string& what);

/// "FILE:LINE" of a node, for messages that point back at it later.
std::string origin(const std::string& source, const YAML::Mark& mark);

/// A single value; `key` names it in the error.
Result<std::string> text(const YAML::Node& node, const std::string& key, const std::string& source);

/// One value or a list of values; nothing (null) is an empty list.
Result<std::vector<std::string>> texts(const YAML::Node& node, const std::string& key, const std::string& source);

/// A number; negative ones only when `negative_ok` (dBm levels are negative, counts are not).
Result<double> number(const YAML::Node& node, const std::string& key, const std::string& source, bool negative_ok = false);

/// The whole text of a file; `unreadable` says what to check when it cannot be read
/// (the error reads "PATH: cannot read <unreadable>").
Result<std::string> read_file(const std::string& path, const std::string& unreadable);

}  // namespace nockit::yaml
