// Terminal text for one device as soon as it finishes: each command with its parsed records
// (or its output as the device printed it), ready to stream while other devices still answer.
#pragma once

#include "query/query.hpp"

#include <string>

namespace nockit::query {

/// "== ios-1 (cisco_ios, 127.0.0.5:22): answered in 0.25 s" and, per command, "$ show version"
/// followed by a table of its records, or the output itself when `raw` or when nothing parsed it.
/// With `raw`, the header and the "$ command" lines appear only when `several` devices answer.
std::string device_text(const DeviceOutcome& outcome, bool raw, bool several);

}  // namespace nockit::query
