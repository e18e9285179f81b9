// The named checks' logic. Facts come from records under the field names ntc-templates uses
// (and our platform patterns use the same names), so a template and a pattern are interchangeable.
#include "query/checks.hpp"

#include "net/address.hpp"
#include "ssh/terminal.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace nockit::query {
namespace {

bool contains(std::string_view hay, std::string_view needle) { return lower(hay).find(lower(needle)) != std::string::npos; }

std::string utc_text(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

std::string number_text(double v) {
    if (std::fabs(v - std::round(v)) < 1e-9) return fmt::format("{}", static_cast<long long>(std::llround(v)));
    return fmt::format("{:.1f}", v);
}

std::string count_text(double v) {
    long long n = std::llround(v);
    std::string digits = std::to_string(n < 0 ? -n : n), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return (n < 0 ? "-" : "") + out;
}

Finding make(std::string code, Severity severity, std::string subject, std::map<std::string, std::string> facts) {
    Finding f;
    f.code = std::move(code);
    f.severity = severity;
    f.subject = std::move(subject);
    f.facts = std::move(facts);
    return f;
}

// Records of the evidence, keeping per-port tables (transceiver lists) to the asked port.
std::vector<Record> records_for_port(const std::vector<Evidence>& ev, std::string_view port, bool include_logs) {
    std::vector<Record> out;
    for (const auto& e : ev) {
        if (!e.rules) continue;
        bool log = !e.parsed.records.empty() &&
                   (e.parsed.records.front().contains("log_interface") || e.parsed.records.front().contains("message"));
        if (log && !include_logs) continue;
        if (e.rules->each || e.parsed.records.size() > 1) {
            for (const auto& r : e.parsed.records) {
                auto name = field({r}, {"interface", "port", "log_interface"});
                if (!name || same_port(*name, port)) out.push_back(r);
            }
        } else {
            out.insert(out.end(), e.parsed.records.begin(), e.parsed.records.end());
        }
    }
    return out;
}

// A finding for a command that gave no usable answer, or nullopt when it did.
std::optional<Finding> unanswered(const Evidence& e, const std::string& subject, const std::string& check,
                                  std::map<std::string, std::string> base) {
    const auto* r = e.result;
    base["check"] = check;
    if (!r) {
        base["command"] = "?";
        base["reason"] = "it was not run";
        return make("query.check.no_answer", Severity::unknown, subject, base);
    }
    base["command"] = r->command;
    if (r->skipped || !r->complete) {
        base["reason"] = r->timed_out ? fmt::format("no prompt within {:.0f} s", r->seconds)
                         : r->closed  ? "the device closed the connection"
                         : r->stopped ? "the run was stopped"
                                      : "an earlier command did not finish";
        return make("query.check.no_answer", Severity::unknown, subject, base);
    }
    if (!r->device_error.empty()) {
        base["error"] = r->device_error;
        return make("query.check.refused", Severity::unknown, subject, base);
    }
    return std::nullopt;
}

Finding unparsed(const Evidence& e, const std::string& subject, const std::string& check,
                 std::map<std::string, std::string> base) {
    base["check"] = check;
    base["command"] = e.result ? e.result->command : "?";
    std::string first = e.result ? e.result->output.substr(0, e.result->output.find('\n')) : "";
    base["first_line"] = first.empty() ? "(no output)" : first.substr(0, 120);
    base["parser"] = e.parsed.parser.empty() ? "no template or pattern" : e.parsed.parser;
    if (!e.parsed.error.empty()) base["first_line"] = e.parsed.error;
    return make("query.check.unparsed", Severity::unknown, subject, base);
}

std::map<std::string, std::string> base_facts(const CheckContext& ctx) {
    std::map<std::string, std::string> f{{"device", ctx.device}, {"platform", ctx.platform},
                                         {"team", ctx.team.empty() ? "the network operations team" : ctx.team}};
    if (ctx.customer) {
        f["customer"] = ctx.customer->name.empty() ? ctx.customer->id : ctx.customer->name;
        f["customer_id"] = ctx.customer->id;
    }
    return f;
}

// A number from the records, NaN when absent or not a number (plain doubles rather than
// optionals keep the arithmetic below simple).
double number_field(const std::vector<Record>& recs, std::initializer_list<const char*> names) {
    if (auto v = field(recs, names))
        if (auto n = to_number(*v)) return *n;
    return std::nan("");
}

bool known(double v) { return !std::isnan(v); }

// --- interface -------------------------------------------------------------------------------

struct PortState {
    std::optional<bool> admin_up, oper_up;
    std::string detail;  // how the device put it: "down (notconnect)"
};

PortState port_state(const std::vector<Record>& recs) {
    PortState s;
    auto admin = field(recs, {"admin_state", "admin_status", "adminstate"});
    auto link = field(recs, {"link_status", "linkstatus"});
    auto proto = field(recs, {"protocol_status", "line_protocol", "oper_status", "operstatus"});
    auto flags = field(recs, {"flags"});
    if (admin) s.admin_up = !(contains(*admin, "down") || contains(*admin, "disabled"));
    if (link && contains(*link, "administratively")) s.admin_up = false;
    if (flags) {  // Linux: <BROADCAST,MULTICAST,UP,LOWER_UP>
        std::string f = "," + *flags + ",";
        s.admin_up = f.find(",UP,") != std::string::npos;
        s.oper_up = f.find(",LOWER_UP,") != std::string::npos;
    }
    if (!s.oper_up) {
        if (proto) s.oper_up = lower(*proto).rfind("up", 0) == 0;
        else if (link) s.oper_up = lower(*link) == "up" || lower(*link).rfind("up ", 0) == 0;
    }
    if (s.admin_up && !*s.admin_up) s.oper_up = false;
    s.detail = proto ? "line protocol " + *proto : link ? "link " + *link : "";
    if (auto reason = field(recs, {"reason", "link_reason"})) s.detail += " (" + *reason + ")";
    if (admin && !s.detail.empty()) s.detail = "admin " + lower(*admin) + ", " + s.detail;
    if (!s.admin_up && s.oper_up) s.admin_up = true;
    return s;
}

// "Interface Gi1/0/3, changed state to down" / "Interface Ethernet1/3 is down (Link failure)":
// the port and its new state, from a log message as a template splits it off.
std::pair<std::string, std::optional<std::string>> link_change(std::string_view message) {
    static const auto pattern = ssh::Pattern::compile(
        R"((?i)interface (?<port>[^,\s]+),? (?:changed state to|is) (?<state>administratively down|up|down))", "link change");
    if (auto m = pattern->match(message)) {
        std::string port, state;
        for (const auto& [k, v] : m->groups) (k == "port" ? port : state) = v;
        return {port, state};
    }
    return {"", std::nullopt};
}

// When the port last changed state, from whichever of the platform's ways of saying it we have.
std::optional<std::time_t> last_change(const std::vector<Record>& recs, const std::vector<Record>& logs, bool up,
                                       std::time_t now) {
    if (auto v = field(recs, {"last_flapped", "last_flap", "last_link_flapped", "last_change", "last_state_change"})) {
        if (auto t = parse_timestamp(*v, now)) return t;
        if (auto d = parse_duration(*v)) return now - *d;
    }
    if (auto v = field(recs, {"last_change_ago"}))
        if (auto d = parse_duration(*v)) return now - *d;
    // Logs: the latest "changed state to X" that matches the state now.
    std::optional<std::time_t> best;
    for (const auto& r : logs) {
        auto state = field({r}, {"log_state"});
        auto when = field({r}, {"log_time", "timestamp"});
        if (!state) state = link_change(field({r}, {"message"}).value_or("")).second;
        if (!state || !when) continue;
        bool is_up = lower(*state) == "up";
        if (is_up != up) continue;
        if (auto t = parse_timestamp(*when, now); t && (!best || *t > *best)) best = t;
    }
    return best;
}

std::vector<Finding> interface_check(const PlannedCheck& pc, const std::vector<Evidence>& first,
                                     const std::vector<Evidence>& second, const CheckContext& ctx) {
    std::vector<Finding> out;
    const std::string& port = pc.spec.argument;
    std::string subject = ctx.device + " " + port;
    auto facts = base_facts(ctx);
    facts["port"] = port;
    if (first.empty()) return out;
    if (auto f = unanswered(first[0], subject, "interface", facts)) {
        if (f->code == "query.check.refused") f->code = "query.interface.not_found";
        out.push_back(*f);
        return out;
    }
    std::vector<Record> recs = records_for_port(first, port, false);
    std::vector<Record> logs;  // state changes of this port, from our patterns or a log template
    for (const auto& e : first)
        for (const auto& r : e.parsed.records) {
            std::string where = field({r}, {"log_interface"}).value_or(link_change(field({r}, {"message"}).value_or("")).first);
            if (!where.empty() && same_port(where, port)) logs.push_back(r);
        }
    PortState st = port_state(recs);
    if (!st.oper_up) {
        out.push_back(recs.empty() ? unparsed(first[0], subject, "interface", facts)
                                   : make("query.interface.not_found", Severity::unknown, subject,
                                          [&] {
                                              auto f = facts;
                                              f["error"] = "the answer names no state for the port";
                                              return f;
                                          }()));
        return out;
    }
    if (auto d = field(recs, {"description"})) facts["description"] = *d;
    facts["speed"] = field(recs, {"speed"}).value_or("unknown speed");
    facts["duplex"] = lower(field(recs, {"duplex"}).value_or("unknown"));
    facts["state"] = st.detail.empty() ? (*st.oper_up ? "up" : "down") : st.detail;
    auto since = last_change(recs, logs, *st.oper_up, ctx.now);
    if (since) {
        facts["since"] = plain_time(*since, ctx.now);
        facts["since_utc"] = utc_text(*since);
        facts["duration"] = plain_duration(ctx.now - *since);
    } else {
        facts["since_utc"] = "an unknown time (the device does not say)";
    }

    std::vector<Metric> metrics;
    const double crc1 = number_field(recs, {"crc", "crc_errors", "input_crc"});
    const double err1 = number_field(recs, {"input_errors", "in_errors", "rx_errors"});
    if (known(crc1)) metrics.push_back({"crc", crc1, "c", {}, {}, 0, {}});
    if (known(err1)) metrics.push_back({"input_errors", err1, "c", {}, {}, 0, {}});
    facts["crc"] = known(crc1) ? count_text(crc1) : "unknown";
    facts["input_errors"] = known(err1) ? count_text(err1) : "unknown";

    Finding status;
    if (st.admin_up && !*st.admin_up) {
        status = make("query.interface.disabled", Severity::critical, subject, facts);
    } else if (!*st.oper_up) {
        status = make(since ? "query.interface.down_since" : "query.interface.down", Severity::critical, subject, facts);
    } else {
        status = make("query.interface.up", Severity::ok, subject, facts);
    }
    status.metrics = metrics;
    out.push_back(status);

    // Errors: the increase between two reads says whether they are still arriving.
    if (!second.empty()) {
        if (auto f = unanswered(second[0], subject, "interface", facts)) {
            out.push_back(*f);
        } else {
            auto recs2 = records_for_port(second, port, false);
            const double crc2 = number_field(recs2, {"crc", "crc_errors", "input_crc"});
            const double err2 = number_field(recs2, {"input_errors", "in_errors", "rx_errors"});
            double seconds = second[0].result->started_s - first[0].result->started_s;
            double dcrc = known(crc1) && known(crc2) ? crc2 - crc1 : 0;
            double derr = known(err1) && known(err2) ? err2 - err1 : 0;
            auto ef = facts;
            ef["seconds"] = number_text(std::round(seconds));
            ef["crc_increase"] = count_text(dcrc);
            ef["errors_increase"] = count_text(derr);
            if (known(crc2)) ef["crc"] = count_text(crc2);
            if (known(err2)) ef["input_errors"] = count_text(err2);
            const double rise = std::max(dcrc, derr);
            double per_minute = seconds > 0 ? rise * 60.0 / seconds : 0;
            ef["per_minute"] = count_text(per_minute);
            ef["rise_warning"] = count_text(ctx.thresholds.errors_rise_warning);
            const bool rising = rise >= ctx.thresholds.errors_rise_warning;
            Finding e = make(rising     ? "query.interface.errors_rising"
                             : rise > 0 ? "query.interface.errors_few"
                                        : "query.interface.errors_steady",
                             rising ? Severity::warning : Severity::ok, subject, ef);
            e.metrics.push_back({"crc_increase", dcrc, "c", ctx.thresholds.errors_rise_warning - 0.5, {}, 0, {}});
            e.metrics.push_back({"errors_per_minute", per_minute, "", {}, {}, 0, {}});
            out.push_back(e);
        }
    } else if ((known(crc1) && crc1 > 0) || (known(err1) && err1 > 0)) {
        out.push_back(make("query.interface.errors_seen", Severity::ok, subject, facts));
    }

    // Optical levels, where the port has a transceiver that reports them.
    const double rx = number_field(recs, {"rx_power", "rx_optical_power", "receive_power", "rx_power_dbm"});
    const double tx = number_field(recs, {"tx_power", "tx_optical_power", "transmit_power", "tx_power_dbm"});
    if (known(rx) && *st.oper_up) {
        auto f = facts;
        f["rx_dbm"] = fmt::format("{:.1f}", rx);
        f["tx_dbm"] = known(tx) ? fmt::format("{:.1f}", tx) : "unknown";
        const auto& t = ctx.thresholds;
        f["rx_low_dbm"] = fmt::format("{:.1f}", t.rx_low_dbm);
        f["rx_high_dbm"] = fmt::format("{:.1f}", t.rx_high_dbm);
        f["tx_low_dbm"] = fmt::format("{:.1f}", t.tx_low_dbm);
        f["tx_high_dbm"] = fmt::format("{:.1f}", t.tx_high_dbm);
        const bool low = rx < t.rx_low_dbm, very_low = rx < t.rx_very_low_dbm, high = rx > t.rx_high_dbm;
        Finding o = make(very_low ? "query.interface.optical_very_low"
                         : low    ? "query.interface.optical_low"
                         : high   ? "query.interface.optical_high"
                                  : "query.interface.optical_ok",
                         low || high ? Severity::warning : Severity::ok, subject, f);
        o.metrics.push_back({"rx_dbm", rx, "", {}, {}, {}, {}});
        if (known(tx)) o.metrics.push_back({"tx_dbm", tx, "", {}, {}, {}, {}});
        out.push_back(o);
        // Our own transmitter out of range is a fault on our side, whatever arrives.
        if (known(tx) && (tx < t.tx_low_dbm || tx > t.tx_high_dbm))
            out.push_back(make("query.interface.optical_tx_abnormal", Severity::warning, subject, f));
    }
    if (*st.oper_up && contains(facts["duplex"], "half"))
        out.push_back(make("query.interface.half_duplex", Severity::warning, subject, facts));
    return out;
}

// --- health ----------------------------------------------------------------------------------

std::vector<Finding> health_check(const std::vector<Evidence>& first, const CheckContext& ctx) {
    std::vector<Finding> out;
    std::string subject = ctx.device;
    auto facts = base_facts(ctx);
    std::vector<Record> recs;
    for (const auto& e : first) {
        if (auto f = unanswered(e, subject, "health", facts)) {
            out.push_back(*f);
            return out;
        }
        recs.insert(recs.end(), e.parsed.records.begin(), e.parsed.records.end());
    }
    std::optional<long long> uptime;
    if (auto v = field(recs, {"uptime"})) uptime = parse_duration(*v);
    if (!uptime)
        if (auto v = field(recs, {"booted"}))
            if (auto t = parse_timestamp(*v, ctx.now)) uptime = ctx.now - *t;
    auto reason = field(recs, {"reload_reason", "last_reload_reason", "reason", "last_reboot_reason"});

    auto num = [&](std::initializer_list<const char*> names) -> std::optional<double> {
        if (auto v = field(recs, names)) return to_number(*v);
        return std::nullopt;
    };
    std::optional<double> cpu = num({"cpu_1m", "cpu_5m", "cpu_5s", "cpu_utilization", "cpu_percent"});
    if (!cpu)
        if (auto idle = num({"cpu_idle"})) cpu = 100.0 - *idle;
    if (!cpu) {
        auto user = num({"cpu_user"}), sys = num({"cpu_kernel", "cpu_system"});
        if (user && sys) cpu = *user + *sys;
    }
    std::optional<double> mem = num({"memory_used_pct", "memory_percent"});
    if (!mem) {
        auto used = num({"memory_used"}), total = num({"memory_total"}), free = num({"memory_free"});
        auto used_k = num({"memory_used_k", "used_memory_kb"}), total_k = num({"memory_total_k", "total_memory_kb"}),
             free_k = num({"memory_free_k", "free_memory_kb"});
        if (used && total && *total > 0) mem = 100.0 * *used / *total;
        else if (free && total && *total > 0) mem = 100.0 * (*total - *free) / *total;
        else if (used_k && total_k && *total_k > 0) mem = 100.0 * *used_k / *total_k;
        else if (free_k && total_k && *total_k > 0) mem = 100.0 * (*total_k - *free_k) / *total_k;
    }
    if (!uptime && !cpu && !mem && !reason) {
        out.push_back(unparsed(first.front(), subject, "health", facts));
        return out;
    }
    facts["uptime"] = uptime ? plain_duration(*uptime) : "unknown";
    facts["reload_reason"] = reason.value_or("not reported");
    facts["cpu"] = cpu ? number_text(std::round(*cpu)) + "%" : "not reported";
    facts["memory"] = mem ? number_text(std::round(*mem)) + "%" : "not reported";
    const auto& t = ctx.thresholds;
    Finding summary = make("query.health.summary", Severity::ok, subject, facts);
    if (uptime) summary.metrics.push_back({"uptime", static_cast<double>(*uptime), "s", {}, {}, 0, {}});
    if (cpu) summary.metrics.push_back({"cpu", *cpu, "%", t.cpu_warn_pct, t.cpu_crit_pct, 0, 100});
    if (mem) summary.metrics.push_back({"memory", *mem, "%", t.memory_warn_pct, t.memory_crit_pct, 0, 100});
    if (uptime && *uptime < t.recent_reload_s) out.push_back(make("query.health.reloaded", Severity::warning, subject, facts));
    if (cpu && *cpu >= t.cpu_warn_pct)
        out.push_back(make("query.health.cpu_high", *cpu >= t.cpu_crit_pct ? Severity::critical : Severity::warning, subject, facts));
    if (mem && *mem >= t.memory_warn_pct)
        out.push_back(make("query.health.memory_high", *mem >= t.memory_crit_pct ? Severity::critical : Severity::warning, subject, facts));
    out.insert(out.begin(), summary);
    return out;
}

// --- mac / arp / logs --------------------------------------------------------------------------

// Where a lookup (mac, arp, logs) starts: its subject, the facts all its findings carry, and
// the finding to give instead when the device did not answer.
struct Lookup {
    std::string subject;
    std::map<std::string, std::string> facts;
    std::optional<Finding> no_answer;
};

Lookup start_lookup(const PlannedCheck& pc, const std::vector<Evidence>& first, const CheckContext& ctx, const char* fact,
                    bool argument_in_subject) {
    Lookup l;
    l.subject = argument_in_subject ? ctx.device + " " + pc.spec.argument : ctx.device;
    l.facts = base_facts(ctx);
    l.facts[fact] = pc.spec.argument;
    l.no_answer = unanswered(first.front(), l.subject, pc.spec.name, l.facts);
    return l;
}

std::vector<Finding> mac_check(const PlannedCheck& pc, const std::vector<Evidence>& first, const CheckContext& ctx) {
    const std::string& port = pc.spec.argument;
    auto [subject, facts, no_answer] = start_lookup(pc, first, ctx, "port", true);
    if (no_answer) return {*no_answer};
    std::vector<std::string> macs, vlans;
    for (const auto& r : first.front().parsed.records) {
        auto mac = field({r}, {"mac", "destination_address", "mac_address"});
        auto where = field({r}, {"port", "destination_port", "ports", "interface"});
        if (!mac || (where && !same_port(*where, port))) continue;
        macs.push_back(normal_mac(*mac));
        if (auto v = field({r}, {"vlan", "vlan_id"})) vlans.push_back(*v);
    }
    facts["count"] = std::to_string(macs.size());
    std::string list;
    for (const auto& m : macs) list += (list.empty() ? "" : ", ") + m;
    facts["macs"] = list.empty() ? "none" : list;
    facts["vlan"] = vlans.empty() ? "unknown" : vlans.front();
    Finding f = make(macs.empty() ? "query.mac.none" : "query.mac.seen", macs.empty() ? Severity::critical : Severity::ok, subject, facts);
    f.metrics.push_back({"macs", static_cast<double>(macs.size()), "", {}, {}, 0, {}});
    return {f};
}

std::vector<Finding> arp_check(const PlannedCheck& pc, const std::vector<Evidence>& first, const CheckContext& ctx) {
    const std::string& address = pc.spec.argument;
    auto [subject, facts, no_answer] = start_lookup(pc, first, ctx, "address", true);
    if (no_answer) return {*no_answer};
    for (const auto& r : first.front().parsed.records) {
        auto a = field({r}, {"address", "ip_address", "ip"});
        if (!a || *a != address) continue;
        auto mac = field({r}, {"mac", "mac_address", "hardware_addr", "lladdr"});
        bool incomplete = !mac || contains(*mac, "incomplete") || contains(field({r}, {"state"}).value_or(""), "failed");
        facts["mac"] = mac && !incomplete ? normal_mac(*mac) : "none";
        facts["interface"] = field({r}, {"interface", "port"}).value_or("unknown");
        facts["age"] = field({r}, {"age"}).value_or("unknown");
        if (incomplete) return {make("query.arp.incomplete", Severity::critical, subject, facts)};
        return {make("query.arp.seen", Severity::ok, subject, facts)};
    }
    return {make("query.arp.none", Severity::critical, subject, facts)};
}

std::vector<Finding> logs_check(const PlannedCheck& pc, const std::vector<Evidence>& first, const CheckContext& ctx) {
    const std::string& text = pc.spec.argument;
    auto [subject, facts, no_answer] = start_lookup(pc, first, ctx, "text", false);
    if (no_answer) return {*no_answer};
    std::vector<std::string> hits;
    const std::string& output = first.front().result->output;
    std::size_t start = 0;
    while (start < output.size()) {
        auto nl = output.find('\n', start);
        std::string line = output.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        if (contains(line, text)) hits.push_back(line);
        if (nl == std::string::npos) break;
        start = nl + 1;
    }
    constexpr std::size_t keep = 20;  // the most recent lines are what matters during a call
    facts["count"] = std::to_string(hits.size());
    if (hits.size() > keep) hits.erase(hits.begin(), hits.end() - static_cast<long>(keep));
    std::string lines;
    for (const auto& h : hits) lines += "\n  " + h;
    facts["lines"] = lines;
    facts["latest"] = hits.empty() ? "" : hits.back();
    Finding f = make(hits.empty() ? "query.logs.none" : "query.logs.found", Severity::ok, subject, facts);
    f.metrics.push_back({"log_lines", static_cast<double>(std::stoul(facts["count"])), "", {}, {}, 0, {}});
    return {f};
}

bool valid_port_name(std::string_view s) {
    return !s.empty() && s.size() <= 64 &&
           std::all_of(s.begin(), s.end(), [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '/' || c == '.' || c == ':' || c == '-' || c == '_'; });
}

std::string fill(std::string command, const std::string& key, const std::string& value) {
    std::string token = "{" + key + "}";
    for (std::size_t pos; (pos = command.find(token)) != std::string::npos;) command.replace(pos, token.size(), value);
    return command;
}

}  // namespace

const std::vector<std::string>& check_names() {
    static const std::vector<std::string> names{"interface", "health", "mac", "arp", "logs"};
    return names;
}

Result<CheckSpec> parse_check(std::string_view text) {
    CheckSpec s;
    auto colon = text.find(':');
    s.name = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) s.argument = std::string(text.substr(colon + 1));
    const auto& names = check_names();
    if (std::find(names.begin(), names.end(), s.name) == names.end())
        return unknown_error(fmt::format("--check {}: unknown check '{}'; use interface:PORT, health, mac:PORT, arp:ADDRESS or logs:TEXT",
                                         text, s.name));
    if (s.name == "health" && !s.argument.empty())
        return unknown_error(fmt::format("--check {}: health takes no argument; write --check health", text));
    if ((s.name == "interface" || s.name == "mac") && !s.argument.empty() && !valid_port_name(s.argument))
        return unknown_error(fmt::format("--check {}: '{}' is not a port name (letters, digits and / . : - _ only), e.g. {}:GigabitEthernet1/0/3",
                                         text, s.argument, s.name));
    if (s.name == "arp" && !s.argument.empty() && !net::Address::parse(s.argument))
        return unknown_error(fmt::format("--check {}: '{}' is not an IP address, e.g. arp:198.51.100.7", text, s.argument));
    if (s.name == "logs" && std::any_of(s.argument.begin(), s.argument.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20; }))
        return unknown_error(fmt::format("--check logs: the search text must be one line of printable text"));
    return s;
}

Result<PlannedCheck> plan_check(const ssh::Platform& platform, CheckSpec spec, const std::optional<inventory::Customer>& customer,
                                double interval_s, std::vector<ssh::Step>& steps) {
    if (spec.argument.empty() && spec.name != "health") {
        if (customer && (spec.name == "interface" || spec.name == "mac" || spec.name == "logs")) spec.argument = customer->access_port;
        else if (customer && spec.name == "arp") spec.argument = customer->cpe;
        if (spec.argument.empty()) {
            const char* what = spec.name == "arp" ? "ADDRESS" : spec.name == "logs" ? "TEXT" : "PORT";
            return unknown_error(fmt::format("--check {} needs {}: write --check {}:{}, or pick the device with --customer ID",
                                             spec.name, what, spec.name, what));
        }
    }
    auto it = platform.checks.find(spec.name);
    if (it == platform.checks.end() || it->second.empty())
        return unknown_error(fmt::format("--check {}: the platform {} has no commands for this check ({}); add them under "
                                         "checks: in a platforms file", spec.name, platform.name, platform.origin));
    PlannedCheck pc;
    pc.spec = spec;
    pc.interval_s = spec.name == "interface" ? interval_s : 0;
    for (const auto& cc : it->second) {
        std::string cmd = fill(fill(fill(cc.command, "port", spec.argument), "address", spec.argument), "text", spec.argument);
        pc.first.push_back(steps.size());
        steps.push_back({cmd, 0});
    }
    if (pc.interval_s > 0) {
        // Read the counters again after the interval: the first command carries them.
        pc.second.push_back(steps.size());
        steps.push_back({steps[pc.first.front()].command, pc.interval_s});
    }
    return pc;
}

std::vector<Finding> evaluate(const PlannedCheck& check, const std::vector<Evidence>& first, const std::vector<Evidence>& second,
                              const CheckContext& context) {
    if (first.empty()) return {};
    const std::string& name = check.spec.name;
    if (name == "interface") return interface_check(check, first, second, context);
    if (name == "health") return health_check(first, context);
    if (name == "mac") return mac_check(check, first, context);
    if (name == "arp") return arp_check(check, first, context);
    if (name == "logs") return logs_check(check, first, context);
    return {};
}

}  // namespace nockit::query
