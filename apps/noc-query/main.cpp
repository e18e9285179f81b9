// noc-query: log in to one device or a hundred at once, run show commands or named checks, and
// say what the answers mean (port down since 14:02, errors rising, optical power low).
#include "cli/app.hpp"
#include "query/query.hpp"
#include "query/templates.hpp"
#include "query/text.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <optional>

using namespace nockit;

int main(int argc, char** argv) {
    CLI::App app{"Run show commands or named checks on network devices over SSH, many at once, and say what the\n"
                 "answers mean: plain words for customer service, the evidence for engineers.",
                 "noc-query"};
    cli::CommonOptions common;
    query::Request r;
    double max_output_mib = 16;
    bool raw = false;
    std::string transcript_path;
    std::optional<double> optical_low;

    app.add_option("devices", r.devices, "Inventory host names, or user@host[:port] with --platform");
    app.add_option("-x,--command", r.commands, "Run this command (repeat for more); output is parsed when a template knows it")->allow_extra_args(false);
    app.add_option("--check", r.checks, "Run a named check: interface:PORT, health, mac:PORT, arp:ADDRESS, logs:TEXT (repeatable)")->allow_extra_args(false);
    app.add_option("--interval", r.interval_s, "interface check: read the error counters again after SECONDS to see if they rise");
    app.add_option("-g,--group", r.selection.groups, "All devices of an inventory group (repeatable)")->allow_extra_args(false);
    app.add_option("--site", r.selection.sites, "All devices at a site (repeatable)")->allow_extra_args(false);
    app.add_option("--customer", r.selection.customers, "The customer's access device; checks default to their port and address")->allow_extra_args(false);
    app.add_flag("--all", r.selection.all, "Every device in the inventory");
    app.add_option("--inventory", r.inventory_path, "Inventory file (default: NOCKIT_INVENTORY, then 'inventory' in the configuration)");
    app.add_option("--platform", r.platform, "Platform of devices outside the inventory: cisco_ios, cisco_nxos, juniper_junos, arista_eos, linux");
    app.add_option("--platforms", r.platforms_path, "Platform definitions to lay over the built-in ones");
    app.add_option("-i,--identity", r.identity_files, "Private key file to try first (repeatable)")->allow_extra_args(false);
    app.add_option("--password-env", r.password_env, "Log in with the password held in this environment variable (its name, not the password)");
    app.add_flag("--ask-password", r.ask_password, "Log in with a password typed at the terminal (asked once)");
    app.add_option("--enable-env", r.enable_env, "Environment variable holding the enable secret");
    app.add_option("--known-hosts", r.host_keys.known_hosts, "OpenSSH known_hosts file (default ~/.ssh/known_hosts)");
    app.add_flag("--accept-new", r.host_keys.accept_new, "Record host keys of devices seen for the first time (changed keys are still refused)");
    app.add_option("--jump", r.jump, "Reach the devices through this bastion: [user@]host[:port]");
    app.add_option("--ssh-config", r.ssh_config, "OpenSSH client configuration to read, or 'none' (default ~/.ssh/config)");
    app.add_option("--parallel", r.parallel, "Devices queried at once (default 32)")->check(CLI::Range(1, 1024));
    app.add_option("--connect-timeout", r.timeouts.connect_s, "Seconds for TCP connect and SSH handshake (default 10)")->check(CLI::PositiveNumber);
    app.add_option("--auth-timeout", r.timeouts.auth_s, "Seconds for authentication (default 15)")->check(CLI::PositiveNumber);
    app.add_option("--prompt-timeout", r.timeouts.prompt_s, "Seconds to wait for the first prompt (default 20)")->check(CLI::PositiveNumber);
    app.add_option("--command-timeout", r.timeouts.command_s, "Seconds to wait for each command's answer (default 60)")->check(CLI::PositiveNumber);
    app.add_option("--max-output", max_output_mib, "Keep at most MiB of output per command (default 16)")->check(CLI::Range(0.001, 1024.0));
    app.add_option("--optical-low", optical_low, "Optical receive power (dBm) below which a port is degraded (default -15, or thresholds.query.optical.rx_low_dbm in the configuration)");
    app.add_flag("--raw", raw, "Print command output as the device sent it, without parsing");
    app.add_option("--transcript", transcript_path, "Write the session transcripts (secrets removed) to FILE");
    cli::add_common_options(app, common);

    return cli::run(app, argc, argv, common, [&]() -> int {
        auto config = cli::load_config(common);
        if (!config) return cli::fail(config.error());
        if (r.inventory_path.empty())
            if (const char* env = std::getenv("NOCKIT_INVENTORY"); env && *env) r.inventory_path = env;
        if (r.inventory_path.empty()) r.inventory_path = config->inventory;
        if (r.host_keys.known_hosts.empty()) r.host_keys.known_hosts = config->known_hosts;
        if (r.platforms_path.empty()) r.platforms_path = config->platforms;
        r.thresholds = config->query;
        if (optical_low) r.thresholds.rx_low_dbm = *optical_low;
        if (!r.password_env.empty() && r.ask_password)
            return cli::fail(unknown_error("--password-env and --ask-password both choose the password; give one"));
        if (raw && (common.json || common.nagios))
            return cli::fail(unknown_error("--raw prints device output as text; it cannot be combined with --json or --nagios"));
        r.output_cap = static_cast<std::size_t>(max_output_mib * 1048576.0);

        auto plan = query::make_plan(r);
        if (!plan) return cli::fail(plan.error());
        auto templates = query::template_parser(config->templates);
        if (!templates) return cli::fail(templates.error());

        ssh::Secrets secrets;
        for (const auto& key : query::password_prompts(*plan)) {  // asked once each, before any session starts
            auto s = secrets.from_prompt(key, query::password_question(key));
            if (!s) return cli::fail(s.error());
        }
        bool stream = !common.json && !common.nagios && !r.commands.empty();
        cli::Progress progress(common);
        std::size_t done = 0, total = plan->devices.size();
        std::string transcripts;
        auto report = query::run(*plan, secrets, cli::stop_flag(), *templates, [&](const query::DeviceOutcome& o) {
            ++done;
            if (stream) {
                std::string text = query::device_text(o, raw, total > 1) + (raw && total == 1 ? "" : "\n");
                std::fputs(text.c_str(), stdout);
                std::fflush(stdout);
            }
            if (!transcript_path.empty())
                transcripts += fmt::format("### {} ({}:{})\n{}\n", o.report.name, o.report.address, o.report.port,
                                           o.report.transcript.to_text());
            progress.update(fmt::format("{}/{} devices done", done, total));
        });
        if (!transcript_path.empty()) {
            std::ofstream out(transcript_path, std::ios::trunc);
            if (!(out << transcripts))
                return cli::fail(unknown_error(fmt::format("--transcript {}: cannot write the file; check the path", transcript_path)));
        }
        if (raw) return exit_code(report.severity());
        return cli::emit(report, common, *config);
    });
}
