// noc-trace: the path to a destination, measured fast and read the way an expert reads it.
#include "cli/app.hpp"
#include "trace/trace.hpp"

#include <fmt/format.h>
#include <sys/socket.h>

using namespace nockit;

int main(int argc, char** argv) {
    CLI::App app{"Trace the path to a destination (all hops probed at once, flow-stable probes, MTR-style rounds)\n"
                 "and say what it means: where loss starts, which routers merely limit replies, where the path ends.",
                 "noc-trace"};
    cli::CommonOptions common;
    trace::TraceOptions o;
    bool icmp = false, udp = false, tcp = false, v4 = false, v6 = false, no_dns = false;
    int port = 0;
    std::string warning, critical;

    app.add_option("target", o.target, "Host name or address of the destination")->required();
    app.add_flag("-I,--icmp", icmp, "Probe with ICMP echo (default)");
    app.add_flag("-U,--udp", udp, "Probe with UDP datagrams to high ports");
    app.add_flag("-T,--tcp", tcp, "Probe with TCP SYN (for paths where only web traffic passes)");
    app.add_option("-p,--port", port, "UDP destination port (default 33434, the same for every probe) or TCP port (default 80)")->check(CLI::Range(1, 65535));
    app.add_option("-f,--first-ttl", o.first_ttl, "First TTL to probe (default 1)");
    app.add_option("-m,--max-ttl", o.max_ttl, "Largest TTL to probe (default 30)");
    app.add_option("-c,-q,--rounds", o.rounds, "Rounds of probes, each TTL once per round (default 3)");
    app.add_option("-w,--wait", o.wait_s, "Seconds to wait for each answer (default 1)");
    app.add_option("--interval", o.interval_s, "Seconds between rounds (default 0.05)");
    app.add_option("--rate", o.rate_pps, "Global probes per second (default 5000)");
    app.add_option("--flows", o.flows, "Probe N flow identities and show where equal-cost paths diverge (default 1)");
    app.add_flag("-n,--numeric", no_dns, "Do not look up host names of hops");
    app.add_flag("--mtu", o.mtu, "Discover the path MTU and report where it drops, or a black hole");
    app.add_option("--segments", o.segments_file, "Inventory or segments file mapping prefixes to segments and teams");
    app.add_flag("-4", v4, "IPv4 only");
    app.add_flag("-6", v6, "IPv6 only");
    app.add_option("--warning", warning, "Warning threshold for the destination RTT_MS,LOSS% (default 150,5%)");
    app.add_option("--critical", critical, "Critical threshold for the destination RTT_MS,LOSS% (default 500,25%)");
    app.add_option("--label", o.analysis.label, "The destination in plain words, e.g. \"the customer's VPN server\"");
    cli::add_common_options(app, common, /*short_quiet=*/false);  // -q is traceroute's rounds

    return cli::run(app, argc, argv, common, [&]() -> int {
        if (icmp + udp + tcp > 1) return cli::fail(unknown_error("-I, -U and -T choose the probe method; give one"));
        if (v4 && v6) return cli::fail(unknown_error("-4 and -6 exclude each other; give one"));
        auto config = cli::load_config(common);
        if (!config) return cli::fail(config.error());
        o.analysis.thresholds = config->ping;
        for (auto [text, name, rtt, loss] :
             {std::tuple{&warning, "--warning", &o.analysis.thresholds.warn_rtt_ms, &o.analysis.thresholds.warn_loss_pct},
              std::tuple{&critical, "--critical", &o.analysis.thresholds.crit_rtt_ms, &o.analysis.thresholds.crit_loss_pct}}) {
            if (text->empty()) continue;
            auto v = parse_rtt_loss(*text, name);
            if (!v) return cli::fail(v.error());
            *rtt = v->first;
            *loss = v->second;
        }
        if (o.segments_file.empty()) o.segments_file = config->inventory;
        o.method = udp ? trace::Method::udp : tcp ? trace::Method::tcp : trace::Method::icmp;
        o.port = static_cast<uint16_t>(port);
        o.family = v4 ? AF_INET : v6 ? AF_INET6 : AF_UNSPEC;
        o.resolve_names = !no_dns;
        if (auto v = trace::validate(o); !v) return cli::fail(v.error());
        cli::Progress progress(common);
        auto report = trace::run(o, cli::stop_flag(), [&](std::size_t done, std::size_t planned) {
            progress.update(fmt::format("tracing: {}/{} probes answered or timed out", done, planned));
        });
        if (!report) return cli::fail(report.error());
        return cli::emit(*report, common, *config);
    });
}
