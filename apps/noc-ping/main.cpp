// noc-ping: is it there, how well does it answer, and what does that mean in plain words.
#include "cli/app.hpp"
#include "ping/ping.hpp"

#include <fmt/format.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

using namespace nockit;

namespace {

std::chrono::nanoseconds seconds(double s) {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::duration<double>(s));
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"Check that targets answer and how well: loss, round-trip times and a verdict per target,\n"
                 "with a plain-language summary for customer service and the technical detail for engineers.",
                 "noc-ping"};
    cli::CommonOptions common;
    ping::PingOptions o;
    double interval = ping::default_interval_s, wait = 1.0, rate = 0;
    std::string warning, critical;
    int tcp_port = 0, count = 0;
    bool v4 = false, v6 = false, alive = false, unreachable = false;

    app.add_option("targets", o.targets.specs, "Host names, addresses, CIDR ranges (10.1.0.0/22) or @FILE (one per line)")
        ->required();
    auto* count_opt = app.add_option("-c,--count", count, "Probes per target (default 5; 1 when sweeping a range)")
                          ->check(CLI::Range(1, 100000));
    auto* interval_opt =
        app.add_option("-i,--interval", interval, "Seconds between probes to the same target (default 0.2)");
    app.add_option("--rate", rate, "Global probes per second (default 5000)");
    app.add_option("-W,--reply-timeout", wait, "Seconds to wait for each reply (default 1)");
    app.add_option("-s,--size", o.probe.payload, "ICMP payload bytes (default 56)");
    app.add_flag("--df", o.probe.dont_fragment, "Set don't-fragment (path MTU tests)");
    app.add_option("--ttl", o.probe.ttl, "Time to live of the probes")->check(CLI::Range(1, 255));
    app.add_flag("-4", v4, "IPv4 only");
    app.add_flag("-6", v6, "IPv6 only");
    app.add_option("--tcp", tcp_port, "Probe with TCP connects to PORT (no privilege needed)")->check(CLI::Range(1, 65535));
    app.add_option("-w,--warning", warning, "Warning threshold RTT_MS,LOSS% (default 150,5%)");
    app.add_option("-C,--critical", critical, "Critical threshold RTT_MS,LOSS% (default 500,25%)");
    app.add_flag("--alive", alive, "Print only the addresses that answer, one per line");
    app.add_flag("--unreachable", unreachable, "Print only the addresses that do not answer, one per line");
    app.add_flag("--force", o.targets.force, "Allow ranges of more than 65,536 addresses");
    app.add_option("--label", o.label, "The target in plain words, e.g. \"the customer's router\"");
    cli::add_common_options(app, common);

    return cli::run(app, argc, argv, common, [&]() -> int {
        if (v4 && v6) return cli::fail(unknown_error("-4 and -6 exclude each other; give one"));
        if (alive && unreachable) return cli::fail(unknown_error("--alive and --unreachable exclude each other; give one"));
        auto config = cli::load_config(common);
        if (!config) return cli::fail(config.error());
        o.thresholds = config->ping;
        for (auto [text, name, rtt, loss] :
             {std::tuple{&warning, "-w", &o.thresholds.warn_rtt_ms, &o.thresholds.warn_loss_pct},
              std::tuple{&critical, "-C", &o.thresholds.crit_rtt_ms, &o.thresholds.crit_loss_pct}}) {
            if (text->empty()) continue;
            auto v = parse_rtt_loss(*text, name);
            if (!v) return cli::fail(v.error());
            *rtt = v->first;
            *loss = v->second;
        }
        o.targets.family = v4 ? AF_INET : v6 ? AF_INET6 : AF_UNSPEC;
        o.count_given = count_opt->count() > 0;
        o.interval_given = interval_opt->count() > 0;
        o.probe.count = count;
        o.probe.interval = seconds(interval);
        o.probe.timeout = seconds(wait);
        o.probe.rate_pps = rate;
        o.target_json = common.json;  // only --json lists every target; a /16 stays small otherwise
        if (tcp_port) {
            o.probe.method = probe::Method::tcp_connect;
            o.probe.port = static_cast<uint16_t>(tcp_port);
        }
        cli::Progress progress(common);
        auto report = ping::run(o, cli::stop_flag(), [&](std::size_t done, std::size_t planned) {
            if (done % 64 == 0 || done == planned) progress.update(fmt::format("probing: {}/{} probes resolved", done, planned));
        });
        if (!report) return cli::fail(report.error());
        if (alive || unreachable) {
            std::string list = ping::addresses(report->targets, alive);
            fwrite(list.data(), 1, list.size(), stdout);
            return exit_code(report->report.severity());
        }
        return cli::emit(report->report, common, *config);
    });
}
