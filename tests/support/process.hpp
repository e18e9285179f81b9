// Running the real programs from tests: capture exit status, stdout and stderr.
#pragma once

#include <string>
#include <vector>

namespace nockit::test {

struct Run {
    int status = -1;  ///< exit code, or 128+signal
    std::string out;
    std::string err;
};

/// Runs argv (no shell) with an optional stdin text; waits at most `timeout_s` seconds, then kills it.
Run run(const std::vector<std::string>& argv, const std::string& input = {}, double timeout_s = 60);

/// Path of a built program, e.g. program("noc-ping").
std::string program(const std::string& name);

/// True when running as root (namespaces, raw sockets).
bool is_root();

}  // namespace nockit::test
