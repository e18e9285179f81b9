// Planning and running a query, and the nockit.query/1 report.
#include "query/query.hpp"

#include "ssh/terminal.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>
#include <set>

namespace nockit::query {
namespace {

std::string expand_home(const std::string& path) {
    if (path.rfind("~/", 0) != 0) return path;
    std::string dir = ssh::user_ssh_dir();
    return dir.substr(0, dir.size() - 5) + path.substr(1);  // strip "/.ssh"
}

ssh::Auth auth_for(const inventory::Credential& c, const Request& r) {
    ssh::Auth a;
    a.label = c.name == "automatic" ? "" : c.name;
    switch (c.method) {
        case inventory::Credential::Method::automatic: a.method = ssh::Auth::Method::automatic; break;
        case inventory::Credential::Method::agent: a.method = ssh::Auth::Method::agent; break;
        case inventory::Credential::Method::key: a.method = ssh::Auth::Method::key; break;
        case inventory::Credential::Method::password: a.method = ssh::Auth::Method::password; break;
        case inventory::Credential::Method::prompt: a.method = ssh::Auth::Method::prompt; break;
    }
    a.password_env = c.password_env;
    a.enable_secret_env = c.enable_secret_env;
    for (const auto& f : r.identity_files) a.identity_files.push_back(expand_home(f));
    if (!c.key_file.empty()) a.identity_files.push_back(expand_home(c.key_file));
    // The command line wins over the inventory.
    if (!r.password_env.empty()) {
        a.method = ssh::Auth::Method::password;
        a.password_env = r.password_env;
    } else if (r.ask_password) {
        a.method = ssh::Auth::Method::prompt;
        a.label = "password";  // one answer for every device
    } else if (!r.identity_files.empty() && a.method == ssh::Auth::Method::automatic) {
        a.method = ssh::Auth::Method::key;
    }
    if (!r.enable_env.empty()) a.enable_secret_env = r.enable_env;
    return a;
}

Result<ssh::Endpoint> jump_for(const std::string& jump, const std::optional<inventory::Inventory>& inv) {
    if (inv)
        if (const auto* h = inv->host(jump)) return ssh::Endpoint{h->address, h->port, h->username};
    auto e = ssh::parse_endpoint(jump);
    if (!e) return unknown_error(fmt::format("--jump: {}", e.error().message));
    return e;
}

const ssh::CheckCommand* rules_for(const ssh::Platform& p, std::string_view command) {
    for (const auto& [name, cmds] : p.checks)
        for (const auto& cc : cmds)
            if (cc.command == command) return &cc;
    return nullptr;
}

std::string failure_code(const std::string& kind) {
    if (kind == "connect") return "query.device.unreachable";
    if (kind == "host-key-changed") return "query.device.host_key_changed";
    if (kind == "host-key-unknown") return "query.device.host_key_unknown";
    if (kind == "auth") return "query.device.login_failed";
    if (kind == "prompt") return "query.device.no_prompt";
    if (kind == "closed") return "query.device.closed";
    if (kind == "jump") return "query.device.jump_failed";
    if (kind == "stopped") return "query.device.stopped";
    return "query.device.ssh_failed";
}

std::vector<Finding> command_findings(const PlannedDevice& pd, const ssh::DeviceReport& rep) {
    std::vector<Finding> out;
    std::size_t fine = 0;
    for (std::size_t i : pd.commands) {
        if (i >= rep.commands.size()) continue;
        const auto& c = rep.commands[i];
        Finding f;
        f.subject = pd.device.host.name;
        f.facts = {{"device", pd.device.host.name}, {"command", c.command}};
        if (c.skipped) {
            f.code = "query.command.not_run";
            f.severity = Severity::unknown;
        } else if (!c.complete) {
            f.code = c.closed ? "query.command.closed" : c.stopped ? "query.command.stopped" : "query.command.timeout";
            f.severity = Severity::unknown;
            f.facts["seconds"] = fmt::format("{:.0f}", c.seconds);
            f.facts["characters"] = std::to_string(c.output.size());
        } else if (!c.device_error.empty()) {
            f.code = "query.command.refused";
            f.severity = Severity::unknown;
            f.facts["error"] = c.device_error;
        } else if (c.truncated) {
            f.code = "query.command.truncated";
            f.severity = Severity::ok;
            f.facts["limit"] = fmt::format("{} MiB", pd.job.output_cap >> 20);
        } else {
            ++fine;
            continue;
        }
        out.push_back(std::move(f));
    }
    if (fine > 0 && out.empty()) {
        Finding f;
        f.code = "query.device.answered";
        f.severity = Severity::ok;
        f.subject = pd.device.host.name;
        f.facts = {{"device", pd.device.host.name}, {"count", std::to_string(fine)}, {"seconds", fmt::format("{:.1f}", rep.seconds)}};
        out.push_back(std::move(f));
    }
    return out;
}

DeviceOutcome evaluate_device(const PlannedDevice& pd, const ssh::Platform* platform, ssh::DeviceReport&& rep,
                              const TemplateParser& templates, const Request& request) {
    DeviceOutcome o;
    o.plan = &pd;
    o.report = std::move(rep);
    const auto& r = o.report;
    if (r.failure) {
        Finding f;
        f.code = failure_code(r.failure.kind);
        f.severity = Severity::unknown;
        f.subject = pd.device.host.name;
        f.facts = {{"device", pd.device.host.name}, {"address", pd.device.host.login()}, {"message", r.failure.message},
                   {"banner", r.banner.empty() ? "(nothing)" : std::string(ssh::last_line(r.banner)).substr(0, 120)}};
        o.findings.push_back(std::move(f));
    }
    // Parse every answer (even after a failure, partial answers are kept with their records).
    for (std::size_t i = 0; i < r.commands.size(); ++i) {
        const auto& c = r.commands[i];
        const ssh::CheckCommand* rules = nullptr;
        for (const auto& pc : pd.checks) {
            auto in = [&](const std::vector<std::size_t>& v) { return std::find(v.begin(), v.end(), i) != v.end(); };
            if (in(pc.first) || in(pc.second)) {
                const auto& cmds = platform->checks.at(pc.spec.name);
                std::size_t pos = in(pc.first) ? static_cast<std::size_t>(std::find(pc.first.begin(), pc.first.end(), i) - pc.first.begin()) : 0;
                if (pos < cmds.size()) rules = &cmds[pos];
            }
        }
        if (!rules && platform) rules = rules_for(*platform, c.command);
        if (c.skipped || (!c.complete && c.output.empty())) o.parsed.emplace_back();
        else o.parsed.push_back(platform ? parse_output(*platform, rules, c.command, c.output, templates) : Parsed{});
    }
    if (!r.failure) {
        for (auto& f : command_findings(pd, r)) o.findings.push_back(std::move(f));
        CheckContext ctx;
        ctx.device = pd.device.host.name;
        ctx.platform = pd.device.host.platform;
        ctx.customer = pd.device.customer;
        ctx.team = pd.team;
        ctx.now = std::time(nullptr);
        ctx.thresholds = request.thresholds;
        for (const auto& pc : pd.checks) {
            auto gather = [&](const std::vector<std::size_t>& idx) {
                std::vector<Evidence> ev;
                const auto& cmds = platform->checks.at(pc.spec.name);
                for (std::size_t k = 0; k < idx.size(); ++k) {
                    Evidence e;
                    std::size_t i = idx[k];
                    e.result = i < r.commands.size() ? &r.commands[i] : nullptr;
                    e.rules = &cmds[std::min(k, cmds.size() - 1)];
                    if (i < o.parsed.size()) e.parsed = o.parsed[i];
                    ev.push_back(std::move(e));
                }
                return ev;
            };
            for (auto& f : evaluate(pc, gather(pc.first), gather(pc.second), ctx)) o.findings.push_back(std::move(f));
        }
    }
    for (const auto& f : o.findings) o.severity = worst(o.severity, f.severity);
    return o;
}

}  // namespace

Result<Plan> make_plan(const Request& request) {
    Plan plan;
    plan.request = request;
    auto platforms = ssh::Platforms::load(ssh::find_platforms_file(request.platforms_path));
    if (!platforms) return platforms.error();
    plan.platforms = std::move(platforms).value();
    auto names = plan.platforms.names();

    if (request.commands.empty() && request.checks.empty())
        return unknown_error("nothing to do: give commands with -x 'show version' or checks with --check NAME[:ARGUMENT]");
    if (request.parallel < 1 || request.parallel > 1024)
        return unknown_error(fmt::format("--parallel {}: use 1 to 1024 sessions at once", request.parallel));
    if (request.interval_s < 0 || request.interval_s > 600)
        return unknown_error(fmt::format("--interval {}: use 0 to 600 seconds", request.interval_s));
    std::vector<CheckSpec> specs;
    for (const auto& c : request.checks) {
        auto s = parse_check(c);
        if (!s) return s.error();
        specs.push_back(*s);
    }
    for (const auto& c : request.commands)
        if (c.empty() || std::any_of(c.begin(), c.end(), [](char ch) { return ch == '\n' || ch == '\r'; }))
            return unknown_error(fmt::format("-x '{}': a command is one non-empty line; give -x once per command", ssh::printable(c)));

    if (!request.inventory_path.empty()) {
        auto inv = inventory::load(request.inventory_path, names);
        if (!inv) return inv.error();
        plan.inventory = std::move(inv).value();
    }
    bool selects = request.selection.all || !request.selection.groups.empty() || !request.selection.sites.empty() ||
                   !request.selection.customers.empty();
    if (selects && !plan.inventory)
        return unknown_error("-g, --site, --all and --customer need an inventory: give --inventory FILE or set 'inventory' in the configuration");

    std::vector<inventory::Device> devices;
    inventory::Selection sel = request.selection;
    sel.names.clear();
    std::set<std::string> given;
    for (const auto& name : request.devices) {
        if (!given.insert(name).second) continue;  // named twice: queried once
        if (plan.inventory && plan.inventory->host(name)) {
            sel.names.push_back(name);
            continue;
        }
        if (request.platform.empty()) {
            if (plan.inventory) return inventory::select(*plan.inventory, {{name}, {}, {}, {}, false}).error();
            return unknown_error(fmt::format("unknown host '{}': no inventory is loaded; give --inventory FILE, or "
                                             "user@address with --platform", name));
        }
        auto h = inventory::parse_adhoc(name, request.platform, names);
        if (!h) return h.error();
        inventory::Device d;
        d.host = std::move(h).value();
        d.credential.name = "automatic";
        devices.push_back(std::move(d));
    }
    if (plan.inventory) {
        auto picked = inventory::select(*plan.inventory, sel);
        if (!picked) return picked.error();
        devices.insert(devices.begin(), picked->begin(), picked->end());
    }
    if (devices.empty()) return unknown_error("no devices: name them (HOST...), or use -g GROUP, --site SITE, --customer ID or --all");

    for (auto& d : devices) {
        if (d.host.platform.empty() && !request.platform.empty()) d.host.platform = request.platform;
        const ssh::Platform* p = plan.platforms.find(d.host.platform);
        if (!p)
            return unknown_error(d.host.platform.empty()
                                     ? fmt::format("{}: no platform; set 'platform' for it in the inventory ({}) or give --platform", d.host.name, d.host.origin)
                                     : fmt::format("{}: unknown platform '{}'", d.host.name, d.host.platform));
        PlannedDevice pd;
        pd.device = d;
        auto& job = pd.job;
        job.name = d.host.name;
        job.output_cap = request.output_cap;
        job.connect.target = {d.host.address, d.host.port, d.host.username};
        job.connect.auth = auth_for(d.credential, request);
        job.connect.host_keys = request.host_keys;
        job.connect.timeouts = request.timeouts;
        job.connect.ssh_config = request.ssh_config;
        std::string jump = !request.jump.empty() ? request.jump : d.host.jump;
        if (!jump.empty()) {
            auto e = jump_for(jump, plan.inventory);
            if (!e) return e.error();
            job.connect.jump = *e;
        }
        for (const auto& c : request.commands) {
            pd.commands.push_back(job.steps.size());
            job.steps.push_back({c, 0});
        }
        for (const auto& s : specs) {
            auto pc = plan_check(*p, s, d.customer, request.interval_s, job.steps);
            if (!pc) return unknown_error(fmt::format("{}: {}", d.host.name, pc.error().message));
            pd.checks.push_back(std::move(pc).value());
        }
        if (plan.inventory && d.customer)
            if (auto a = net::Address::parse(d.customer->cpe))
                if (const auto* seg = plan.inventory->segment_for(*a))
                    if (auto it = plan.inventory->teams.find(seg->team); it != plan.inventory->teams.end()) pd.team = it->second.name;
        plan.devices.push_back(std::move(pd));
    }
    return plan;
}

std::vector<std::string> password_prompts(const Plan& plan) {
    std::vector<std::string> out;
    for (const auto& pd : plan.devices) {
        const auto& a = pd.job.connect.auth;
        if (a.method != ssh::Auth::Method::prompt) continue;
        std::string key = a.label.empty() ? pd.device.host.login() : a.label;
        if (std::find(out.begin(), out.end(), key) == out.end()) out.push_back(key);
    }
    return out;
}

nlohmann::json device_json(const DeviceOutcome& o) {
    const auto& r = o.report;
    nlohmann::json j;
    j["name"] = r.name;
    j["address"] = r.address;
    j["port"] = r.port;
    j["user"] = r.user;
    j["platform"] = r.platform;
    j["severity"] = to_string(o.severity);
    j["status"] = r.failure ? "failed" : "answered";
    if (r.failure) j["failure"] = {{"kind", r.failure.kind}, {"message", r.failure.message}};
    j["host_key"] = r.fingerprint;
    j["auth"] = r.auth_method;
    j["prompt"] = ssh::printable(r.prompt);
    j["privileged"] = r.privileged;
    j["seconds"] = std::round(r.seconds * 1000) / 1000;
    j["notes"] = r.notes;
    if (o.plan && o.plan->device.customer) j["customer"] = o.plan->device.customer->id;
    nlohmann::json cmds = nlohmann::json::array();
    for (std::size_t i = 0; i < r.commands.size(); ++i) {
        const auto& c = r.commands[i];
        nlohmann::json cj{{"command", c.command},
                          {"output", ssh::printable(c.output)},
                          {"started", std::round(c.started_s * 1000) / 1000},
                          {"seconds", std::round(c.seconds * 1000) / 1000},
                          {"complete", c.complete},
                          {"timed_out", c.timed_out},
                          {"closed", c.closed},
                          {"truncated", c.truncated},
                          {"skipped", c.skipped}};
        if (!c.device_error.empty()) cj["error"] = c.device_error;
        if (c.exit_status >= 0) cj["exit_status"] = c.exit_status;
        if (i < o.parsed.size()) {
            cj["records"] = o.parsed[i].records;
            cj["parser"] = o.parsed[i].parser;
            if (!o.parsed[i].error.empty()) cj["parse_error"] = o.parsed[i].error;
        }
        cmds.push_back(std::move(cj));
    }
    j["commands"] = std::move(cmds);
    if (o.plan) {
        nlohmann::json checks = nlohmann::json::array();
        for (const auto& pc : o.plan->checks) checks.push_back({{"check", pc.spec.name}, {"argument", pc.spec.argument}, {"interval", pc.interval_s}});
        j["checks"] = std::move(checks);
    }
    j["transcript"] = r.transcript.to_json();
    return j;
}

Report run(const Plan& plan, ssh::Secrets& secrets, const std::atomic<bool>* stop, const TemplateParser& templates,
           const std::function<void(const DeviceOutcome&)>& on_device) {
    Report report;
    report.program = "noc-query";
    report.schema = "nockit.query/1";
    report.service = "QUERY";
    std::vector<ssh::DeviceJob> jobs;
    std::vector<const ssh::Platform*> platforms;
    for (const auto& pd : plan.devices) {
        jobs.push_back(pd.job);
        jobs.back().platform = plan.platforms.find(pd.device.host.platform);
        platforms.push_back(jobs.back().platform);
    }
    // What the report keeps of each device. The session itself (outputs, transcript) is turned
    // into its JSON as soon as the device is done and then let go, so memory stays flat with
    // hundreds of devices.
    struct Kept {
        bool done = false;
        bool failed = false;
        std::vector<Finding> findings;
        std::vector<std::string> row;
        nlohmann::json json;
    };
    std::vector<Kept> kept(plan.devices.size());
    ssh::run_fleet(jobs, plan.request.parallel, secrets, stop, [&](std::size_t i, ssh::DeviceReport&& rep) {
        DeviceOutcome o = evaluate_device(plan.devices[i], platforms[i], std::move(rep), templates, plan.request);
        if (on_device) on_device(o);
        const auto& r = o.report;
        Kept& k = kept[i];
        k.done = true;
        k.failed = static_cast<bool>(r.failure);
        std::string detail = r.failure ? r.failure.kind : "";
        for (const auto& f : o.findings)
            if (f.severity != Severity::ok) {
                detail = f.code.substr(f.code.find('.') + 1);
                break;
            }
        k.row = {r.name, r.platform, fmt::format("{}:{}", r.address, r.port), std::string(to_string(o.severity)),
                 fmt::format("{:.2f}", r.seconds), detail};
        k.json = device_json(o);
        k.findings = std::move(o.findings);
    });

    nlohmann::json devices = nlohmann::json::array();
    int answered = 0, failed = 0;
    report.table.columns = {"device", "platform", "address", "result", "seconds", "detail"};
    report.table.right_aligned = {false, false, false, false, true, false};
    for (auto& k : kept) {
        if (!k.done) continue;
        (k.failed ? failed : answered)++;
        for (auto& f : k.findings) report.findings.push_back(std::move(f));
        report.table.rows.push_back(std::move(k.row));
        devices.push_back(std::move(k.json));
    }
    // Perfdata labels must be unique: with several devices or ports, say whose each metric is.
    std::map<std::string, int> labels;
    for (const auto& f : report.findings)
        for (const auto& m : f.metrics) ++labels[m.name];
    if (std::any_of(labels.begin(), labels.end(), [](const auto& kv) { return kv.second > 1; }))
        for (auto& f : report.findings)
            for (auto& m : f.metrics) m.name = f.subject + " " + m.name;
    // Worst first, so the headline is what needs attention.
    std::stable_sort(report.findings.begin(), report.findings.end(),
                     [](const Finding& a, const Finding& b) { return rank(a.severity) > rank(b.severity); });
    report.data["devices"] = std::move(devices);
    report.data["summary"] = {{"devices", static_cast<int>(plan.devices.size())}, {"answered", answered}, {"failed", failed}};
    report.perfdata.push_back({"devices", static_cast<double>(plan.devices.size()), "", {}, {}, 0, {}});
    report.perfdata.push_back({"failed", static_cast<double>(failed), "", {}, {}, 0, {}});
    report.interrupted = stop && stop->load();
    return report;
}

}  // namespace nockit::query
