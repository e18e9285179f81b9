// The named checks over recorded answers of each platform (fixtures/<platform>/<case>/): a port
// down is CRITICAL with the time it went down, rising errors and low optical power are WARNING,
// and every finding has wording in all three audiences.
#include "explain/catalogue.hpp"
#include "query/checks.hpp"
#include "query/templates.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

using namespace nockit;
using namespace nockit::query;

namespace {

const std::string kFixtures = std::string(NOCKIT_SOURCE_DIR) + "/tests/query/fixtures";
const std::vector<std::string> kPlatforms{"cisco_ios", "cisco_nxos", "juniper_junos", "arista_eos", "linux"};

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    REQUIRE_MESSAGE(in.good(), "missing fixture ", path);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string s = ss.str();
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
}

const nlohmann::json& meta() {
    static const nlohmann::json m = nlohmann::json::parse(slurp(kFixtures + "/fixtures.json"));
    return m;
}

// Runs one check over a fixture case as if the device had answered with the recorded text.
struct Run {
    std::vector<ssh::CommandResult> results;
    std::vector<Finding> findings;

    const Finding* find(const std::string& code) const {
        for (const auto& f : findings)
            if (f.code == code) return &f;
        return nullptr;
    }
    std::string codes() const {
        std::string out;
        for (const auto& f : findings) out += f.code + " ";
        return out;
    }
};

// Answers are parsed as noc-query parses them: the shipped TextFSM templates where the index
// covers the command, with the platform's patterns filling the gaps; or the patterns alone.
bool g_templates = true;

const TemplateParser& shipped_templates() {
    static const TemplateParser parser = [] {
        auto p = template_parser_for({});
        REQUIRE(p.ok());
        return *p;
    }();
    return parser;
}

Run check(const std::string& platform_name, const std::string& fixture_case, const std::string& spec, bool second_read = false,
          const Thresholds& thresholds = {}) {
    const auto* platform = ssh::Platforms::builtin().find(platform_name);
    REQUIRE(platform);
    auto cs = parse_check(spec);
    REQUIRE(cs.ok());
    std::optional<inventory::Customer> customer = inventory::Customer{};
    customer->id = "C-1001";
    customer->access_port = meta()[platform_name];
    customer->cpe = "198.51.100.2";
    std::vector<ssh::Step> steps;
    auto pc = plan_check(*platform, *cs, customer, second_read ? 4 : 0, steps);
    REQUIRE(pc.ok());
    Run run;
    run.results.resize(steps.size());
    std::string dir = kFixtures + "/" + platform_name + "/" + fixture_case + "/";
    for (std::size_t k = 0; k < pc->first.size(); ++k) {
        auto& r = run.results[pc->first[k]];
        r.command = steps[pc->first[k]].command;
        r.output = slurp(dir + cs->name + "-" + std::to_string(k) + ".txt");
        r.complete = true;
        r.device_error = platform->error_line(r.output);
    }
    for (std::size_t i : pc->second) {
        auto& r = run.results[i];
        r.command = steps[i].command;
        r.output = slurp(dir + "interface-second.txt");
        r.complete = true;
        r.started_s = 4;
    }
    const auto& cmds = platform->checks.at(cs->name);
    auto gather = [&](const std::vector<std::size_t>& idx) {
        std::vector<Evidence> ev;
        for (std::size_t k = 0; k < idx.size(); ++k) {
            Evidence e;
            e.result = &run.results[idx[k]];
            e.rules = &cmds[std::min(k, cmds.size() - 1)];
            e.parsed = parse_output(*platform, e.rules, e.result->command, e.result->output,
                                    g_templates ? shipped_templates() : TemplateParser{});
            ev.push_back(std::move(e));
        }
        return ev;
    };
    CheckContext ctx;
    ctx.device = "dev";
    ctx.platform = platform_name;
    ctx.customer = customer;
    ctx.now = meta()["now"].get<std::time_t>();
    ctx.thresholds = thresholds;
    run.findings = evaluate(*pc, gather(pc->first), gather(pc->second), ctx);
    // Every finding must be worded for all three audiences by the built-in catalogue.
    for (auto& f : run.findings) {
        CAPTURE(f.code);
        auto r = explain::Catalogue::builtin().explain(f);
        CHECK_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().message));
    }
    return run;
}

// The finding `code` of a run, which must be there with `severity`.
const Finding* expect(const Run& run, const std::string& code, Severity severity) {
    const Finding* f = run.find(code);
    REQUIRE_MESSAGE(f, run.codes());
    CHECK(f->severity == severity);
    return f;
}

}  // namespace

#define PARSERS()                                      \
    SUBCASE("templates and patterns") { g_templates = true; } \
    SUBCASE("patterns alone") { g_templates = false; }

TEST_CASE("a port that is down is CRITICAL, with the time it went down where the platform says") {
    PARSERS();
    for (const auto& p : kPlatforms) {
        CAPTURE(p);
        auto run = check(p, "down", "interface");
        const Finding* f = expect(run, p == "linux" ? "query.interface.down" : "query.interface.down_since", Severity::critical);
        if (p != "linux") {
            CHECK(f->facts.at("duration") == "37 minutes");
            CHECK(f->customer.find("has been down since") != std::string::npos);
            CHECK(f->customer.find("37 minutes") != std::string::npos);
        }
        CHECK(f->agent.find("Ask the customer to check that the router is switched on") != std::string::npos);
        CHECK(f->engineer.find(meta()[p].get<std::string>()) != std::string::npos);
        CHECK(explain::jargon_in(f->customer).empty());
    }
}

TEST_CASE("a port switched off on our side is CRITICAL and says the customer cannot fix it") {
    PARSERS();
    for (const auto& p : kPlatforms) {
        CAPTURE(p);
        auto run = check(p, "disabled", "interface");
        expect(run, "query.interface.disabled", Severity::critical);
    }
}

TEST_CASE("errors rising between two reads are a WARNING with the increase") {
    PARSERS();
    for (const auto& p : kPlatforms) {
        CAPTURE(p);
        auto run = check(p, "errors", "interface", true);
        const Finding* f = expect(run, "query.interface.errors_rising", Severity::warning);
        CHECK(std::stoi(f->facts.at("crc_increase")) >= 10);
        CHECK(f->facts.at("seconds") == "4");
        const Finding* status = run.find("query.interface.up");
        REQUIRE(status);
        CHECK(status->severity == Severity::ok);
    }
}

TEST_CASE("one read with old errors says so without alarming; a steady second read is OK") {
    auto run = check("cisco_ios", "errors", "interface");
    CHECK(run.find("query.interface.errors_seen") != nullptr);
    CHECK(run.find("query.interface.errors_rising") == nullptr);
    auto steady = check("cisco_ios", "up", "interface");
    CHECK(steady.find("query.interface.errors_seen") == nullptr);
}

TEST_CASE("low optical receive power is a WARNING where the platform reports optics") {
    PARSERS();
    for (const auto& p : kPlatforms) {
        CAPTURE(p);
        auto run = check(p, "optical_low", "interface");
        if (p == "linux") {
            CHECK(run.find("query.interface.optical_low") == nullptr);  // no optics in its answers
            continue;
        }
        const Finding* f = expect(run, "query.interface.optical_low", Severity::warning);
        CHECK(f->facts.at("rx_dbm") == "-17.3");
        auto ok = check(p, "up", "interface");
        REQUIRE(ok.find("query.interface.optical_ok"));
        CHECK(ok.find("query.interface.optical_ok")->facts.at("rx_dbm") == "-7.1");
    }
}

TEST_CASE("the thresholds decide: error rise, receiver overload, our transmitter out of range") {
    PARSERS();
    for (const auto& p : kPlatforms) {
        CAPTURE(p);
        Thresholds tolerant;
        tolerant.errors_rise_warning = 1000;  // the fixture's 20 new errors in 4 s stay under it
        auto few = check(p, "errors", "interface", true, tolerant);
        const Finding* f = expect(few, "query.interface.errors_few", Severity::ok);
        CHECK(f->facts.at("rise_warning") == "1,000");
        if (p == "linux") continue;  // no optics in its answers
        Thresholds strict;
        strict.rx_high_dbm = -8;  // the fixture receives -7.1 dBm
        strict.tx_low_dbm = -2;   // and transmits -2.4 dBm
        auto run = check(p, "up", "interface", false, strict);
        CHECK(expect(run, "query.interface.optical_high", Severity::warning)->facts.at("rx_high_dbm") == "-8.0");
        CHECK(expect(run, "query.interface.optical_tx_abnormal", Severity::warning)->facts.at("tx_dbm") == "-2.4");
        auto defaults = check(p, "up", "interface");
        CHECK(defaults.find("query.interface.optical_high") == nullptr);
        CHECK(defaults.find("query.interface.optical_tx_abnormal") == nullptr);
    }
}

TEST_CASE("health: uptime, reload reason, CPU and memory; a fresh reload and a busy CPU are flagged") {
    PARSERS();
    for (const auto& p : kPlatforms) {
        CAPTURE(p);
        auto run = check(p, "up", "health");
        const Finding* s = expect(run, "query.health.summary", Severity::ok);
        CHECK(s->facts.at("uptime").find("10 days") == 0);
        CHECK((s->facts.at("memory") == "40%" || s->facts.at("memory") == "39%"));  // Junos rounds down
        if (p != "linux") {
            CHECK(s->facts.at("cpu") != "not reported");
            CHECK(s->facts.at("reload_reason") != "not reported");
        }
        auto reloaded = check(p, "reloaded", "health");
        const Finding* r = expect(reloaded, "query.health.reloaded", Severity::warning);
        CHECK(r->facts.at("uptime") == "12 minutes");
        if (p != "linux") {
            expect(reloaded, "query.health.cpu_high", Severity::critical);
        }
    }
}

TEST_CASE("mac, arp and logs tell whether the customer's equipment is seen") {
    PARSERS();
    for (const auto& p : kPlatforms) {
        CAPTURE(p);
        auto mac = check(p, "up", "mac");
        const Finding* m = mac.find("query.mac.seen");
        REQUIRE_MESSAGE(m, mac.codes());
        CHECK(m->facts.at("count") == "1");
        CHECK(m->facts.at("macs") == "00:50:56:01:01:08");
        auto arp = check(p, "up", "arp");
        const Finding* a = arp.find("query.arp.seen");
        REQUIRE_MESSAGE(a, arp.codes());
        CHECK(a->facts.at("mac") == "00:50:56:01:01:08");
        auto other = check(p, "up", "arp:198.51.100.99");
        CHECK(other.find("query.arp.none") != nullptr);
        CHECK(other.findings.front().severity == Severity::critical);
        auto logs = check(p, "up", "logs");
        const Finding* l = logs.find("query.logs.found");
        REQUIRE_MESSAGE(l, logs.codes());
        CHECK(std::stoi(l->facts.at("count")) >= 1);
    }
}

TEST_CASE("a refused command or a missing answer is UNKNOWN, not a verdict") {
    const auto* ios = ssh::Platforms::builtin().find("cisco_ios");
    std::vector<ssh::Step> steps;
    auto pc = plan_check(*ios, *parse_check("interface:Gi9/9/9"), std::nullopt, 0, steps);
    REQUIRE(pc.ok());
    ssh::CommandResult refused;
    refused.command = steps[0].command;
    refused.output = "                    ^\n% Invalid input detected at '^' marker.";
    refused.complete = true;
    refused.device_error = ios->error_line(refused.output);
    Evidence e{&refused, &ios->checks.at("interface")[0], {}};
    CheckContext ctx;
    ctx.device = "dev";
    auto f = evaluate(*pc, {e}, {}, ctx);
    REQUIRE(f.size() == 1);
    CHECK(f[0].code == "query.interface.not_found");
    CHECK(f[0].severity == Severity::unknown);

    ssh::CommandResult partial;
    partial.command = steps[0].command;
    partial.output = "GigabitEthernet9/9/9 is up";
    partial.timed_out = true;
    Evidence p{&partial, &ios->checks.at("interface")[0], {}};
    f = evaluate(*pc, {p}, {}, ctx);
    REQUIRE(f.size() == 1);
    CHECK(f[0].code == "query.check.no_answer");
    CHECK(f[0].severity == Severity::unknown);
}

TEST_CASE("check specs: names, arguments, and what each needs") {
    CHECK(parse_check("interface:GigabitEthernet1/0/3")->argument == "GigabitEthernet1/0/3");
    CHECK(parse_check("health")->name == "health");
    CHECK(parse_check("logs:changed state to down")->argument == "changed state to down");
    CHECK_FALSE(parse_check("interfaces:Gi1").ok());
    CHECK_FALSE(parse_check("health:now").ok());
    CHECK_FALSE(parse_check("arp:198.51.100.x").ok());
    // A port name can never smuggle a second command onto the device.
    CHECK_FALSE(parse_check("interface:Gi1/0/3 | include secret").ok());
    CHECK_FALSE(parse_check("mac:Gi1/0/3;reload").ok());
    const auto* ios = ssh::Platforms::builtin().find("cisco_ios");
    std::vector<ssh::Step> steps;
    auto missing = plan_check(*ios, *parse_check("interface"), std::nullopt, 0, steps);
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find("--check interface:PORT") != std::string::npos);
    auto pc = plan_check(*ios, *parse_check("interface:Gi1/0/3"), std::nullopt, 5, steps);
    REQUIRE(pc.ok());
    CHECK(steps[pc->first[0]].command == "show interfaces Gi1/0/3");
    REQUIRE(pc->second.size() == 1);
    CHECK(steps[pc->second[0]].wait_before_s == 5);
}

TEST_CASE("the interface check's optics command, port in the middle, reaches its platform's transceiver template") {
    // Vendors put the port inside these commands ("show interfaces Gi1/0/3 transceiver"); the
    // index must not hand them to the plain "show interfaces" template instead.
    const std::map<std::string, std::string> optics{
        {"cisco_ios", "cisco_ios_show_interfaces_transceiver.textfsm"},
        {"cisco_nxos", "cisco_nxos_show_interface_transceiver_details.textfsm"},
        {"juniper_junos", "juniper_junos_show_interfaces_diagnostics_optics.textfsm"},
        {"arista_eos", "arista_eos_show_interfaces_transceiver.textfsm"},
    };
    for (const auto& [p, template_name] : optics) {
        CAPTURE(p);
        const auto* platform = ssh::Platforms::builtin().find(p);
        REQUIRE(platform);
        std::vector<ssh::Step> steps;
        auto pc = plan_check(*platform, *parse_check("interface:" + meta()[p].get<std::string>()), std::nullopt, 0, steps);
        REQUIRE(pc.ok());
        bool seen = false;
        for (std::size_t k = 0; k < pc->first.size(); ++k) {
            const std::string& command = steps[pc->first[k]].command;
            if (command.find("transceiver") == std::string::npos && command.find("optics") == std::string::npos) continue;
            CAPTURE(command);
            seen = true;
            std::string output = slurp(kFixtures + "/" + p + "/up/interface-" + std::to_string(k) + ".txt");
            auto parsed = shipped_templates()(p, command, output);
            REQUIRE(parsed);
            CHECK(parsed->parser == "textfsm:" + template_name);
            CHECK(parsed->error.empty());
            std::optional<double> rx;
            for (const auto& r : parsed->records)
                if (r.contains("rx_power_dbm") && same_port(field({r}, {"interface"}).value_or(meta()[p]), meta()[p].get<std::string>()))
                    rx = to_number(r["rx_power_dbm"].get<std::string>());
            REQUIRE(rx);
            CHECK(*rx == doctest::Approx(-7.1));
        }
        CHECK(seen);
    }
}
