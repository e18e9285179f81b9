// Shared options and the run wrapper: one place that decides exit codes, signals and errors.
#include "cli/app.hpp"

#include "explain/catalogue.hpp"
#include "output/render.hpp"

#include <fmt/format.h>
#include <signal.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <sstream>

#ifndef NOCKIT_VERSION
#define NOCKIT_VERSION "0.0.0"
#endif

namespace nockit::cli {
namespace {

std::atomic<bool> g_stop{false};
std::string g_program = "nockit";

extern "C" void on_stop_signal(int sig) {
    if (sig == SIGINT && g_stop.load()) {
        // A second Ctrl-C: the user means it.
        signal(SIGINT, SIG_DFL);
        raise(SIGINT);
        return;
    }
    g_stop.store(true);
}

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Writes all of `text` to stdout; a closed pipe (EPIPE) is not an error.
void write_stdout(const std::string& text) {
    std::size_t off = 0;
    while (off < text.size()) {
        ssize_t n = ::write(STDOUT_FILENO, text.data() + off, text.size() - off);
        if (n < 0) {
            if (errno == EINTR) continue;
            return;  // EPIPE and friends: the reader has gone, nothing to report
        }
        off += static_cast<std::size_t>(n);
    }
}

}  // namespace

const std::string& program_name() { return g_program; }

const std::atomic<bool>* stop_flag() { return &g_stop; }
bool stop_requested() { return g_stop.load(); }

void add_common_options(CLI::App& app, CommonOptions& o, bool short_quiet) {
    app.set_version_flag("--version", std::string(NOCKIT_VERSION), "Print the version and exit");
    app.add_flag("--json", o.json, "Print one JSON document (schema in the man page)");
    app.add_flag("--nagios", o.nagios, "Print a Monitoring Plugins status line with perfdata");
    app.add_option("--audience", o.audience, "Show the text for one audience only")
        ->check(CLI::IsMember({"customer", "agent", "engineer"}));
    app.add_option("--timeout", o.timeout_s, "Stop after SECONDS and report what was measured so far")
        ->check(CLI::PositiveNumber);
    app.add_option("--config", o.config_path, "Read the configuration from FILE");
    app.add_flag("--no-color", o.no_color, "Never colour the output (also: NO_COLOR)");
    app.add_flag(short_quiet ? "-q,--quiet" : "--quiet", o.quiet, "Print only the plain summary");
    app.add_flag("-v,--verbose", o.verbose, "Say more on stderr (repeat for more)");
    app.get_formatter()->column_width(34);
}

int fail(const Error& error) {
    std::string line = fmt::format("{}: {}\n", g_program, error.message);
    ::fputs(line.c_str(), stderr);
    return exit_code(error.code);
}

int run(CLI::App& app, int argc, char** argv, CommonOptions& options, const std::function<int()>& body) {
    g_program = app.get_name();
    signal(SIGPIPE, SIG_IGN);
    try {
        try {
            app.parse(argc, argv);
        } catch (const CLI::Success& e) {
            return app.exit(e) == 0 ? 0 : 3;  // --help, --version
        } catch (const CLI::ParseError& e) {
            std::string what = e.what();
            if (auto nl = what.find('\n'); nl != std::string::npos) what.resize(nl);
            return fail(unknown_error(fmt::format("{}; see '{} --help'", what, g_program)));
        }
        if (options.json && options.nagios)
            return fail(unknown_error("--json and --nagios both choose the output; give one of them"));
        struct sigaction sa {};
        sa.sa_handler = on_stop_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, nullptr);
        sigaction(SIGTERM, &sa, nullptr);
        if (options.timeout_s > 0) {
            sigaction(SIGALRM, &sa, nullptr);
            itimerval t{};
            t.it_value.tv_sec = static_cast<time_t>(options.timeout_s);
            t.it_value.tv_usec = static_cast<suseconds_t>((options.timeout_s - static_cast<double>(t.it_value.tv_sec)) * 1e6);
            if (t.it_value.tv_sec == 0 && t.it_value.tv_usec == 0) t.it_value.tv_usec = 1;
            setitimer(ITIMER_REAL, &t, nullptr);
        }
        return body();
    } catch (const std::exception& e) {
        return fail(unknown_error(fmt::format("internal error: {}", e.what())));
    }
}

Result<Config> load_config(const CommonOptions& options) { return nockit::load_config(options.config_path); }

int emit(Report& report, const CommonOptions& options, const Config& config) {
    const explain::Catalogue* catalogue = &explain::Catalogue::builtin();
    explain::Catalogue merged;
    if (!config.catalogue.empty()) {
        auto overlay = explain::Catalogue::load(config.catalogue);
        if (!overlay) return fail(overlay.error());
        merged = *catalogue;
        merged.merge(*overlay);
        catalogue = &merged;
    }
    report.interrupted = report.interrupted || stop_requested();
    if (report.interrupted) {
        Finding f;
        f.code = "run.interrupted";
        f.subject = report.program;
        f.severity = report.findings.empty() ? Severity::unknown : Severity::ok;
        f.facts["reason"] = options.timeout_s > 0 ? fmt::format("interrupted, or --timeout {}s reached", options.timeout_s)
                                                  : "interrupted";
        report.findings.push_back(std::move(f));
    }
    for (auto& f : report.findings)
        if (auto r = catalogue->explain_or_fallback(f); !r && options.verbose) fail(r.error());

    std::string text;
    if (options.json) {
        text = output::to_json(report).dump(2) + "\n";
    } else if (options.nagios) {
        text = output::render_nagios(report);
    } else {
        std::ostringstream ss;
        output::TextStyle style;
        style.audience = options.audience_value();
        style.color = output::want_color(STDOUT_FILENO, options.no_color);
        style.quiet = options.quiet;
        output::render_text(ss, report, style);
        text = ss.str();
    }
    write_stdout(text);
    return exit_code(report.severity());
}

Progress::Progress(const CommonOptions& o)
    : enabled_(!o.json && !o.nagios && !o.quiet && isatty(STDERR_FILENO) == 1), started_(now_s()) {}

Progress::~Progress() {
    if (shown_) ::fputs("\r\033[K", stderr);
}

void Progress::update(const std::string& text) {
    if (!enabled_ || now_s() - started_ < 0.5) return;
    shown_ = true;
    std::string line = "\r\033[K" + text;
    ::fputs(line.c_str(), stderr);
}

}  // namespace nockit::cli
