// The options every program shares, defined once, and the run wrapper that maps every way a
// program can fail onto the one exit-code table (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
#pragma once

#include "config/config.hpp"
#include "core/result.hpp"
#include "findings/finding.hpp"

#include <CLI/CLI.hpp>

#include <atomic>
#include <functional>
#include <optional>
#include <string>

namespace nockit::cli {

/// The shared options: --json, --nagios, --audience, --timeout, --config, --no-color, -q, -v, --version.
struct CommonOptions {
    bool json = false;
    bool nagios = false;
    std::string audience;      ///< "", "customer", "agent" or "engineer"
    double timeout_s = 0;      ///< overall deadline in seconds; 0 = none
    std::string config_path;   ///< --config FILE
    bool no_color = false;
    bool quiet = false;
    int verbose = 0;

    std::optional<Audience> audience_value() const { return parse_audience(audience); }
};

/// Adds the shared options to a program; every program calls this once. A program whose
/// traditional spelling gives -q another meaning (traceroute's queries per hop) passes
/// short_quiet = false and keeps only --quiet.
void add_common_options(CLI::App& app, CommonOptions& options, bool short_quiet = true);

/// Parses argv and runs `body`. Usage errors, bad values and escaped exceptions become a one-line
/// message on stderr and exit 3; --help and --version exit 0. SIGPIPE is ignored (a closed pipe
/// is not an error); SIGINT and the --timeout deadline set stop_flag() instead of killing us.
int run(CLI::App& app, int argc, char** argv, CommonOptions& options, const std::function<int()>& body);

/// Set by Ctrl-C or when --timeout expires: long-running work stops and reports what it has.
const std::atomic<bool>* stop_flag();
bool stop_requested();

/// Prints "program: message" on stderr and returns the error's exit code.
int fail(const Error& error);

/// Loads the configuration named by --config / NOCKIT_CONFIG / the default places.
Result<Config> load_config(const CommonOptions& options);

/// Words every finding with the configured catalogue, renders the report in the chosen format
/// on stdout, and returns the exit code of its worst finding.
int emit(Report& report, const CommonOptions& options, const Config& config);

/// A one-line progress indicator on stderr (only on a TTY, never in --json/--nagios/-q modes),
/// shown only once work has taken half a second.
class Progress {
public:
    explicit Progress(const CommonOptions& options);
    ~Progress();
    Progress(const Progress&) = delete;
    Progress& operator=(const Progress&) = delete;
    void update(const std::string& text);

private:
    bool enabled_;
    bool shown_ = false;
    double started_;
};

/// The program name used in messages ("noc-ping").
const std::string& program_name();

}  // namespace nockit::cli
