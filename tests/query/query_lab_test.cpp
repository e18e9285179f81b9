// noc-query against the SSH device lab: OpenSSH's sshd with the device CLI emulator of each
// platform, on loopback addresses. Asserts on the JSON document and the exit code.
#include "device_lab.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <dirent.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <sstream>
#include <thread>

using namespace nockit::test;
using nlohmann::json;

namespace {

DeviceLab& lab() { return DeviceLab::shared("cisco_ios:2,cisco_nxos:1,juniper_junos:1,arista_eos:1,linux:1", true); }

struct Query {
    Run run;
    json doc;
    double seconds = 0;
};

Query query(std::vector<std::string> args, double timeout_s = 60) {
    auto argv = command("noc-query", lab().query_args(), args);
    auto start = std::chrono::steady_clock::now();
    Query q;
    q.run = nockit::test::run(argv, {}, timeout_s);
    q.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (std::find(args.begin(), args.end(), "--json") != args.end()) {
        INFO("stdout: ", q.run.out, "\nstderr: ", q.run.err);
        REQUIRE_NOTHROW(q.doc = json::parse(q.run.out));
    }
    return q;
}

const json* device(const json& doc, const std::string& name) {
    for (const auto& d : doc["devices"])
        if (d["name"] == name) return &d;
    return nullptr;
}

std::vector<std::string> codes(const json& doc) {
    std::vector<std::string> out;
    for (const auto& f : doc["findings"]) out.push_back(f["code"]);
    return out;
}

bool has(const std::vector<std::string>& v, const std::string& x) { return std::find(v.begin(), v.end(), x) != v.end(); }

const json* finding(const json& doc, const std::string& code) {
    for (const auto& f : doc["findings"])
        if (f["code"] == code) return &f;
    return nullptr;
}

// Sets the lab's secrets in our environment, which noc-query inherits (never its argv).
struct LabSecrets {
    LabSecrets(const std::string& password, const std::string& enable) {
        setenv("NOCKIT_LAB_PASSWORD", password.c_str(), 1);
        setenv("NOCKIT_LAB_ENABLE", enable.c_str(), 1);
    }
    ~LabSecrets() {
        unsetenv("NOCKIT_LAB_PASSWORD");
        unsetenv("NOCKIT_LAB_ENABLE");
    }
};

std::string first_command(const std::string& platform) { return platform == "linux" ? "uptime" : "show version"; }

// A device's state restored when the test is done, pass or fail.
struct Restore {
    std::string name;
    ~Restore() {
        lab().reset(name);
    }
};

// A device that stops answering during "show version" (`behaviour` in its state): exit 3, the
// partial output kept and flagged with `flag`, the next command not run, the finding `code`.
// Returns the device's commands for further checks.
json cut_short(const std::string& behaviour, std::vector<std::string> options, const char* flag, const char* code) {
    const auto& d = lab().device("ios-2");
    Restore restore{d.name};
    lab().set_state(d.name, "behaviour", behaviour);
    std::vector<std::string> args{d.name, "-x", "show version", "-x", "show clock", "--json"};
    args.insert(args.end(), options.begin(), options.end());
    auto q = query(args);
    CHECK(q.run.status == 3);
    CHECK(q.seconds < 10);
    const json* dev = device(q.doc, d.name);
    REQUIRE(dev);
    const json& cmds = (*dev)["commands"];
    CHECK(cmds[0][flag] == true);
    CHECK(cmds[0]["output"].get<std::string>().find("Cisco IOS Software") != std::string::npos);
    CHECK(cmds[1]["skipped"] == true);
    CHECK(has(codes(q.doc), code));
    return cmds;
}

}  // namespace

TEST_CASE("every platform: commands, parsed records, and every named check") {
    LabSecrets s("", lab().enable_secret());
    for (const auto& d : lab().devices()) {
        if (d.name == "hidden-1") continue;
        CAPTURE(d.name);
        auto q = query({d.name, "-x", first_command(d.platform), "--check", "health", "--check", "interface:" + d.customer_port,
                        "--check", "mac:" + d.customer_port, "--check", "arp:" + d.cpe, "--check", "logs:" + d.customer_port, "--json"});
        INFO(q.run.err);
        CHECK(q.run.status == 0);
        CHECK(q.doc["schema"] == "nockit.query/1");
        CHECK(q.doc["exit_code"] == 0);
        const json* dev = device(q.doc, d.name);
        REQUIRE(dev);
        CHECK((*dev)["status"] == "answered");
        CHECK((*dev)["auth"] == "publickey");
        CHECK((*dev)["host_key"].get<std::string>().rfind("SHA256:", 0) == 0);
        if (d.platform == "cisco_ios" || d.platform == "arista_eos") CHECK((*dev)["privileged"] == true);
        const auto& first = (*dev)["commands"][0];
        CHECK(first["command"] == first_command(d.platform));
        CHECK(first["complete"] == true);
        CHECK_FALSE(first["output"].get<std::string>().empty());
        // No echo, no prompt, no control characters in the text.
        CHECK(first["output"].get<std::string>().find(first_command(d.platform)) == std::string::npos);
        CHECK(first["output"].get<std::string>().find("\\x1b") == std::string::npos);
        auto c = codes(q.doc);
        for (auto code : {"query.device.answered", "query.health.summary", "query.interface.up", "query.mac.seen", "query.arp.seen",
                          "query.logs.found"})
            CHECK_MESSAGE(has(c, code), code);
        if (d.platform != "linux") {
            // The optics command names the port in the middle; its own template must parse it.
            CHECK(has(c, "query.interface.optical_ok"));
            bool optics_template = false;
            for (const auto& cmd : (*dev)["commands"]) {
                const std::string parser = cmd["parser"];
                optics_template = optics_template || parser.find("transceiver") != std::string::npos || parser.find("optics") != std::string::npos;
            }
            CHECK(optics_template);
        }
        CHECK(finding(q.doc, "query.health.summary")->at("facts").at("uptime").get<std::string>().rfind("10 days", 0) == 0);
        CHECK(dev->at("transcript").size() > 3);
    }
}

TEST_CASE("a customer's port that is down: CRITICAL, with when and what to tell the customer") {
    const auto& d = lab().device("ios-1");
    Restore restore{d.name};
    lab().set_port(d.name, d.customer_port, {{"oper", "down"}, {"since", std::to_string(std::time(nullptr) - 2220)}});
    auto q = query({"--customer", d.customer, "--check", "interface", "--json"});
    CHECK(q.run.status == 2);
    const json* f = finding(q.doc, "query.interface.down_since");
    REQUIRE(f);
    CHECK((*f)["severity"] == "critical");
    CHECK((*f)["facts"]["duration"] == "37 minutes");
    CHECK((*f)["text"]["agent"].get<std::string>().find("has been down since") != std::string::npos);
    CHECK((*f)["text"]["agent"].get<std::string>().find("(37 minutes). Ask the customer to check that the router is switched on") !=
          std::string::npos);
    CHECK(q.doc["summary"]["text"]["customer"] == (*f)["text"]["customer"]);  // the headline

    auto text = query({"--customer", d.customer, "--check", "interface", "--audience", "customer"});
    CHECK(text.run.status == 2);
    CHECK(text.run.out.find("37 minutes") != std::string::npos);
    CHECK(text.run.out.find("GigabitEthernet") == std::string::npos);  // no jargon for the customer
}

TEST_CASE("errors rising between two reads: WARNING with the increase") {
    const auto& d = lab().device("eos-1");
    Restore restore{d.name};
    lab().set_port(d.name, d.customer_port,
                   {{"crc", "40"}, {"in_errors", "40"}, {"crc_per_s", "20"}, {"counting_since", std::to_string(std::time(nullptr))}});
    auto q = query({"--customer", d.customer, "--check", "interface", "--interval", "2", "--json"});
    CHECK(q.run.status == 1);
    const json* f = finding(q.doc, "query.interface.errors_rising");
    REQUIRE(f);
    CHECK(std::stoi((*f)["facts"]["crc_increase"].get<std::string>()) >= 20);
    CHECK(q.seconds >= 2.0);
}

TEST_CASE("optical receive power below the threshold: WARNING") {
    const auto& d = lab().device("junos-1");
    Restore restore{d.name};
    lab().set_port(d.name, d.customer_port, {{"rx", "-17.3"}});
    auto q = query({"--customer", d.customer, "--check", "interface", "--json"});
    CHECK(q.run.status == 1);
    REQUIRE(finding(q.doc, "query.interface.optical_low"));
    CHECK((*finding(q.doc, "query.interface.optical_low"))["facts"]["rx_dbm"] == "-17.3");
}

TEST_CASE("50 devices at once, results for all, no slower than the lab allows") {
    require_device_lab();
    DeviceLab big("cisco_ios:20,arista_eos:10,cisco_nxos:10,juniper_junos:5,linux:5");
    LabSecrets s("", big.enable_secret());
    auto argv = command("noc-query", big.query_args(), {"--all", "--check", "health", "--json"});
    auto start = std::chrono::steady_clock::now();
    auto r = run(argv, {}, 120);
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    INFO(r.err);
    CHECK(r.status == 0);
    auto doc = json::parse(r.out);
    CHECK(doc["devices"].size() == 50);
    CHECK(doc["summary"]["answered"] == 50);
    CHECK(doc["summary"]["failed"] == 0);
    MESSAGE("50 devices, health check: ", seconds, " s");
    CHECK(seconds < 20);
}

TEST_CASE("a device that hangs after its banner: its partial output, flagged; the others unaffected") {
    const auto& d = lab().device("ios-2");
    Restore restore{d.name};
    lab().set_state(d.name, "behaviour", "hang_after_banner");
    auto q = query({d.name, "nxos-1", "-x", "show version", "--prompt-timeout", "2", "--json"});
    CHECK(q.run.status == 3);
    CHECK(q.seconds < 10);
    const json* hung = device(q.doc, d.name);
    REQUIRE(hung);
    CHECK((*hung)["status"] == "failed");
    CHECK((*hung)["failure"]["kind"] == "prompt");
    CHECK((*hung)["failure"]["message"].get<std::string>().find("Authorised access only") != std::string::npos);
    CHECK((*device(q.doc, "nxos-1"))["status"] == "answered");
    CHECK(has(codes(q.doc), "query.device.no_prompt"));
}

TEST_CASE("a device that closes the connection mid-output: partial output kept and flagged") {
    auto cmds = cut_short("close_mid_output show version", {}, "closed", "query.command.closed");
    CHECK(cmds[0]["complete"] == false);
    CHECK(cmds[0]["output"].get<std::string>().find("Configuration register") == std::string::npos);
}

TEST_CASE("a device that never returns its prompt: partial output, flagged, no hang") {
    cut_short("hang_on_command show version", {"--command-timeout", "2"}, "timed_out", "query.command.timeout");
}

TEST_CASE("paging that cannot be turned off: --More-- is answered and never reaches the output") {
    const auto& d = lab().device("ios-2");
    Restore restore{d.name};
    lab().set_state(d.name, "pager_stuck", "yes");
    auto q = query({d.name, "-x", "show interfaces", "--json"});
    CHECK(q.run.status == 0);
    const auto& dev = *device(q.doc, d.name);
    std::string out = dev["commands"][0]["output"];
    CHECK(out.find("More") == std::string::npos);
    CHECK(out.find("GigabitEthernet1/0/49 is up") != std::string::npos);  // the last port: every page arrived
    CHECK(dev["notes"].dump().find("'terminal length 0' was refused") != std::string::npos);
}

TEST_CASE("a changed host key: refused with both fingerprints and the fix, nothing sent") {
    const auto& d = lab().device("ios-1");
    const auto& other = lab().device("ios-2");
    std::string known = lab().dir() + "/known_hosts.changed";
    {
        // Record ios-2's key under ios-1's name, as if ios-1 had been replaced.
        std::string text = read_text(lab().known_hosts()), out;
        std::istringstream in(text);
        std::string line, other_key;
        while (std::getline(in, line))
            if (line.rfind("[" + other.address + "]", 0) == 0) other_key = line.substr(line.find(' ') + 1);
        std::istringstream again(text);
        while (std::getline(again, line))
            out += (line.rfind("[" + d.address + "]", 0) == 0 ? "[" + d.address + "]:" + std::to_string(d.port) + " " + other_key : line) + "\n";
        std::ofstream(known) << out;
    }
    lab().clear_logs(d.name);
    auto argv = command("noc-query", {"--inventory", lab().inventory(), "--known-hosts", known, "--ssh-config", "none", d.name, "-x",
                                      "show version", "--json"});
    auto r = run(argv, {}, 60);
    CHECK(r.status == 3);
    auto doc = json::parse(r.out);
    const auto& dev = *device(doc, d.name);
    CHECK(dev["failure"]["kind"] == "host-key-changed");
    std::string msg = dev["failure"]["message"];
    CHECK(msg.find("HOST KEY CHANGED") != std::string::npos);
    CHECK(std::count(msg.begin(), msg.end(), ':') >= 2);
    CHECK(msg.find("SHA256:") != msg.rfind("SHA256:"));  // two fingerprints: recorded and offered
    CHECK(msg.find("ssh-keygen -f " + known + " -R '[" + d.address + "]:" + std::to_string(d.port) + "'") != std::string::npos);
    CHECK(msg.find("nothing was sent") != std::string::npos);
    // Nothing sent: no login attempt reached sshd, no command reached the device.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::string sshd = lab().sshd_log(d.name);
    CHECK(sshd.find("Accepted") == std::string::npos);
    CHECK(sshd.find("Failed") == std::string::npos);
    CHECK(sshd.find("userauth") == std::string::npos);
    CHECK(lab().commands_log(d.name).empty());
}

TEST_CASE("an unknown host key is refused; --accept-new records it, as OpenSSH does") {
    const auto& d = lab().device("nxos-1");
    std::string known = lab().dir() + "/known_hosts.empty";
    std::ofstream(known) << "";
    auto base = std::vector<std::string>{"--inventory", lab().inventory(), "--known-hosts", known, "--ssh-config", "none", d.name,
                                         "-x", "show clock", "--json"};
    auto r = run(command("noc-query", base), {}, 60);
    CHECK(r.status == 3);
    CHECK(json::parse(r.out)["devices"][0]["failure"]["kind"] == "host-key-unknown");
    auto accept = base;
    accept.push_back("--accept-new");
    r = run(command("noc-query", accept), {}, 60);
    CHECK(r.status == 0);
    CHECK(read_text(known).find(d.address) != std::string::npos);
    r = run(command("noc-query", base), {}, 60);  // now known
    CHECK(r.status == 0);
}

TEST_CASE("a wrong password: one attempt, a clear error, the account not hammered") {
    const auto& d = lab().device("junos-1");
    LabSecrets s("not-the-password", "");
    lab().clear_logs(d.name);
    auto q = query({d.name, "-x", "show version", "--password-env", "NOCKIT_LAB_PASSWORD", "--json"});
    CHECK(q.run.status == 3);
    const auto& dev = *device(q.doc, d.name);
    CHECK(dev["failure"]["kind"] == "auth");
    std::string msg = dev["failure"]["message"];
    CHECK(msg.find("NOCKIT_LAB_PASSWORD") != std::string::npos);
    CHECK(msg.find("rejected") != std::string::npos);
    CHECK(msg.find("1 attempt") != std::string::npos);
    CHECK(msg.find("not-the-password") == std::string::npos);
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    std::string sshd = lab().sshd_log(d.name);
    std::size_t failed = 0;
    for (std::size_t p = 0; (p = sshd.find("Failed password", p)) != std::string::npos; ++p) ++failed;
    CHECK(failed == 1);
    auto unset = query({d.name, "-x", "show version", "--password-env", "NOCKIT_NO_SUCH_VARIABLE", "--json"});
    CHECK(unset.run.status == 3);
    CHECK((*device(unset.doc, d.name))["failure"]["message"].get<std::string>().find("NOCKIT_NO_SUCH_VARIABLE") != std::string::npos);
}

TEST_CASE("a password from the environment never appears in argv, output, JSON, logs or transcripts") {
    const auto& d = lab().device("ios-1");
    Restore restore{d.name};
    // A command that takes two seconds, so the running process can be inspected.
    lab().set_state(d.name, "behaviour", "hang_on_command show clock");
    LabSecrets s(lab().password(), lab().enable_secret());
    std::string transcript = lab().dir() + "/transcript.txt";
    auto argv = command("noc-query", lab().query_args(),
                        {d.name, "-x", "show version", "-x", "show clock", "--password-env", "NOCKIT_LAB_PASSWORD", "--command-timeout", "2",
                         "--transcript", transcript, "--json", "-v"});
    std::atomic<bool> done{false};
    Run result;
    std::thread t([&] {
        result = run(argv, {}, 60);
        done = true;
    });
    std::vector<std::string> cmdlines;
    while (!done) {
        if (DIR* proc = opendir("/proc")) {
            while (dirent* e = readdir(proc)) {
                std::string cmdline = read_text(std::string("/proc/") + e->d_name + "/cmdline");
                if (cmdline.find(transcript) != std::string::npos) cmdlines.push_back(cmdline);
            }
            closedir(proc);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    t.join();
    CHECK_FALSE(cmdlines.empty());  // we did see it running
    const std::string pw = lab().password(), en = lab().enable_secret();
    for (const auto& c : cmdlines) {
        CHECK(c.find(pw) == std::string::npos);
        CHECK(c.find(en) == std::string::npos);
    }
    CHECK(result.status == 3);  // show clock timed out on purpose
    auto doc = json::parse(result.out);
    CHECK(doc["devices"][0]["auth"] == "password");
    CHECK(doc["devices"][0]["privileged"] == true);  // the enable secret was used
    std::string everything = result.out + result.err + read_text(transcript) + lab().sshd_log(d.name) + lab().commands_log(d.name);
    CHECK(everything.find(pw) == std::string::npos);
    CHECK(everything.find(en) == std::string::npos);
    CHECK(read_text(transcript).find("********") != std::string::npos);  // the enable secret was typed, masked
}

TEST_CASE("a device reachable only through a bastion") {
    const auto& d = lab().device("hidden-1");
    auto q = query({d.name, "-x", "show version", "--json"});
    INFO(q.run.err);
    CHECK(q.run.status == 0);
    CHECK((*device(q.doc, d.name))["status"] == "answered");
    // Directly, it is not there.
    auto direct = query({"--platform", "cisco_ios", "-i", lab().key(), "nockitlab@127.0.0.1:" + std::to_string(d.port), "-x",
                         "show version", "--connect-timeout", "3", "--json"});
    CHECK(direct.run.status == 3);
    CHECK(direct.doc["devices"][0]["failure"]["kind"] == "connect");
    // --jump gives the same as the inventory's jump key.
    auto jumped = query({"--platform", "cisco_ios", "-i", lab().key(), "--jump", lab().bastion(),
                         "nockitlab@127.0.0.1:" + std::to_string(d.port), "-x", "show version", "--json"});
    CHECK(jumped.run.status == 0);
}

TEST_CASE("the configuration's thresholds and platforms file are used; the command line wins") {
    const auto& d = lab().device("ios-1");
    const std::string config = lab().dir() + "/config.yaml";
    {
        std::ofstream(lab().dir() + "/site-platforms.yaml") << "lab_ios:\n  inherit: cisco_ios\n  description: our IOS\n";
        std::ofstream(config) << "platforms: site-platforms.yaml\nthresholds:\n  query:\n    optical: {rx_low_dbm: -5}\n";
    }
    setenv("NOCKIT_CONFIG", config.c_str(), 1);
    struct Unset {
        ~Unset() { unsetenv("NOCKIT_CONFIG"); }
    } unset;
    auto q = query({"--customer", d.customer, "--check", "interface", "--json"});
    INFO(q.run.err);
    CHECK(q.run.status == 1);  // -7.1 dBm is below the configured -5
    const json* low = finding(q.doc, "query.interface.optical_low");
    REQUIRE(low);
    CHECK((*low)["facts"]["rx_low_dbm"] == "-5.0");
    auto cli = query({"--customer", d.customer, "--check", "interface", "--optical-low", "-15", "--json"});
    CHECK(cli.run.status == 0);
    CHECK(has(codes(cli.doc), "query.interface.optical_ok"));
    // A platform that only the configured platforms file defines.
    auto adhoc = query({"--platform", "lab_ios", "-i", lab().key(), "nockitlab@" + d.address + ":" + std::to_string(d.port), "-x",
                        "show version", "--json"});
    INFO(adhoc.run.err);
    CHECK(adhoc.run.status == 0);
    CHECK(adhoc.doc["devices"][0]["platform"] == "lab_ios");
    unsetenv("NOCKIT_CONFIG");
    auto without = query({"--platform", "lab_ios", "nockitlab@" + d.address + ":" + std::to_string(d.port), "-x", "show version"});
    CHECK(without.run.status == 3);
    CHECK(without.run.err.find("unknown platform 'lab_ios'") != std::string::npos);
}

TEST_CASE("raw output streams per device; parsed records sit beside the raw text") {
    auto raw = query({"ios-1", "-x", "show version", "--raw"});
    CHECK(raw.run.status == 0);
    CHECK(raw.run.out.find("Cisco IOS Software") != std::string::npos);
    CHECK(raw.run.out.find("In plain words") == std::string::npos);
    auto parsed = query({"ios-1", "-x", "show version", "--json"});
    const auto& cmd = (*device(parsed.doc, "ios-1"))["commands"][0];
    CHECK(cmd["output"].get<std::string>().find("Cisco IOS Software") != std::string::npos);
    REQUIRE(cmd["records"].size() >= 1);
    CHECK_FALSE(cmd["parser"].get<std::string>().empty());
}

TEST_CASE("bad input: unknown host, malformed inventory, unknown check, each a one-line error, exit 3") {
    auto unknown = query({"ios-9", "-x", "show version"});
    CHECK(unknown.run.status == 3);
    CHECK(unknown.run.err.find("unknown host 'ios-9'") != std::string::npos);
    CHECK(unknown.run.err.find("did you mean") != std::string::npos);
    std::string bad = lab().dir() + "/bad-inventory.yaml";
    std::ofstream(bad) << "hosts:\n  r1:\n    hostname: 192.0.2.1\n    platform: cisco_xr\n";
    auto r = run(command("noc-query", {"--inventory", bad, "r1", "-x", "show version"}), {}, 30);
    CHECK(r.status == 3);
    CHECK(r.err.find(bad + ":4: hosts.r1.platform: unknown platform 'cisco_xr'") != std::string::npos);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    auto check = query({"ios-1", "--check", "interfaces:Gi1/0/1"});
    CHECK(check.run.status == 3);
    CHECK(check.run.err.find("unknown check 'interfaces'") != std::string::npos);
    auto nothing = query({"ios-1"});
    CHECK(nothing.run.status == 3);
}

TEST_CASE("a wrong enable secret: commands still run at user level, and the note says why") {
    LabSecrets s("", "wrong-secret");
    auto q = query({"eos-1", "-x", "show version", "--json"});
    CHECK(q.run.status == 0);
    const auto& dev = *device(q.doc, "eos-1");
    CHECK(dev["privileged"] == false);
    CHECK(dev["notes"].dump().find("enable secret is wrong") != std::string::npos);
    CHECK(q.run.out.find("wrong-secret") == std::string::npos);
}
