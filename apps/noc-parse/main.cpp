// noc-parse: device output in, records out, with a TextFSM template given by name or chosen
// from platform and command through an ntc-templates style index.
#include "cli/app.hpp"
#include "output/records.hpp"
#include "output/render.hpp"
#include "textfsm/library.hpp"
#include "textfsm/text.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>

using namespace nockit;

namespace {

Result<std::string> read_input(const std::string& path) {
    if (path == "-") {
        if (isatty(STDIN_FILENO)) std::fputs("noc-parse: reading device output from stdin (Ctrl-D ends it)\n", stderr);
        std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
        if (std::cin.bad()) return unknown_error("cannot read stdin");
        return text;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) return unknown_error(fmt::format("cannot read {}: {}; give a readable file, or - for stdin", path,
                                              std::strerror(errno)));
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

output::Records to_records(const textfsm::Table& table) {
    output::Records records;
    for (const auto& name : table.header) records.columns.push_back(textfsm::text::lower(name));
    for (const auto& row : table.rows) {
        auto& fields = records.rows.emplace_back();
        for (const auto& cell : row) fields.push_back(textfsm::to_json(cell));
    }
    return records;
}

// The --nagios line for a parse: OK with the record count, or the failure.
std::string nagios_line(Severity severity, const std::string& text, std::size_t records) {
    Report report;
    report.service = "PARSE";
    Finding finding;
    finding.severity = severity;
    finding.engineer = text;
    if (severity == Severity::ok) finding.metrics.push_back(Metric{"records", static_cast<double>(records), "", {}, {}, 0, {}});
    report.findings.push_back(std::move(finding));
    return output::render_nagios(report);
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Parse captured CLI output into records with a TextFSM template: give the template, or the\n"
                 "platform and command to find it through the template index (ntc-templates compatible).",
                 "noc-parse"};
    cli::CommonOptions common;
    std::string input = "-", template_name, platform, command;
    std::vector<std::string> directories;
    bool table = false, csv = false;
    app.add_option("input", input, "Device output to parse: a FILE, or - for stdin (default)");
    auto* template_opt = app.add_option("-t,--template", template_name, "Template FILE, or the name of a known template");
    auto* platform_opt = app.add_option("--platform", platform, "Device platform, e.g. cisco_ios, juniper_junos, linux");
    auto* command_opt = app.add_option("--command", command, "The command that produced the output, e.g. 'show ip int brief'");
    app.add_option("--templates", directories, "An ntc-templates style DIR (with an index), searched after the built-in "
                                               "templates; repeatable");
    app.add_flag("--table", table, "Print an aligned table (the default on a terminal)");
    app.add_flag("--csv", csv, "Print CSV with a header row");
    template_opt->excludes(platform_opt)->excludes(command_opt);
    platform_opt->needs(command_opt);
    command_opt->needs(platform_opt);
    cli::add_common_options(app, common);

    return cli::run(app, argc, argv, common, [&]() -> int {
        const auto failed = [&](const Error& error) {
            if (common.nagios) std::fputs(nagios_line(error.code, error.message, 0).c_str(), stdout);
            return cli::fail(error);
        };
        if (template_name.empty() && platform.empty())
            return failed(unknown_error("say which template: -t TEMPLATE, or --platform and --command"));
        if (int(table) + int(csv) + int(common.json) + int(common.nagios) > 1)
            return failed(unknown_error("--table, --csv, --json and --nagios each choose the output; give one"));
        auto config = cli::load_config(common);
        if (!config) return failed(config.error());
        std::vector<std::filesystem::path> search(directories.begin(), directories.end());
        for (auto& dir : textfsm::TemplateLibrary::directories_from_environment()) search.push_back(dir);
        if (!config->templates.empty()) search.emplace_back(config->templates);
        textfsm::TemplateLibrary library(search);

        std::vector<std::shared_ptr<const textfsm::Template>> templates;
        if (!template_name.empty()) {
            auto loaded = library.load(template_name);
            if (!loaded) return failed(loaded.error());
            templates.push_back(*loaded);
        } else {
            auto selection = library.find(platform, command);
            if (!selection) return failed(selection.error());
            templates = selection->templates;
            if (common.verbose > 0) std::fprintf(stderr, "noc-parse: templates from %s\n", selection->source.c_str());
        }
        auto text = read_input(input);
        if (!text) return failed(text.error());
        if (const auto bad = textfsm::text::invalid_utf8_at(*text); bad != std::string::npos && !common.quiet)
            std::fprintf(stderr, "noc-parse: %s is not valid UTF-8 (byte %zu); invalid bytes read as U+FFFD\n",
                         input == "-" ? "stdin" : input.c_str(), bad);
        auto parsed = textfsm::parse_with(templates, *text);
        if (!parsed) return failed(parsed.error());
        std::string names;
        for (const auto& t : templates) names += (names.empty() ? "" : ":") + t->name();
        if (common.verbose > 0) std::fprintf(stderr, "noc-parse: %zu records from %s\n", parsed->rows.size(), names.c_str());

        const output::Records records = to_records(*parsed);
        if (common.nagios) {
            std::fputs(nagios_line(Severity::ok, fmt::format("{} records from {}", records.rows.size(), names),
                                   records.rows.size()).c_str(), stdout);
        } else if (csv) {
            output::render_csv(std::cout, records);
        } else if (table || (!common.json && isatty(STDOUT_FILENO))) {
            output::render_table(std::cout, records, {output::want_color(STDOUT_FILENO, common.no_color)});
        } else {
            std::cout << output::render_json(records);
        }
        std::cout.flush();
        return 0;
    });
}
