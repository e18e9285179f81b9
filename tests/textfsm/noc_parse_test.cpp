// noc-parse as a user meets it: records out as JSON, CSV or a table; a broken template or
// missing input is one line and exit 3; a template's Error action is exit 2.
#include "process.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <unistd.h>

using namespace nockit::test;
namespace fs = std::filesystem;

namespace {

const std::string fixtures = std::string(NOCKIT_SOURCE_DIR) + "/tests/textfsm/fixtures";

std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

void one_line_error(const Run& r, int status, const std::string& mentions) {
    CAPTURE(r.err);
    CHECK(r.status == status);
    CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    CHECK(r.err.rfind("noc-parse: ", 0) == 0);
    CHECK(r.err.find(mentions) != std::string::npos);
}

// A scratch directory for templates, removed at the end of the test.
struct Scratch {
    fs::path path = fs::temp_directory_path() / ("nockit-noc-parse-" + std::to_string(getpid()));
    Scratch() { fs::create_directories(path); }
    ~Scratch() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    std::string write(const std::string& name, const std::string& text) const {
        std::ofstream(path / name) << text;
        return (path / name).string();
    }
};

}  // namespace

TEST_CASE("platform and command pick the template; --json prints the records") {
    const auto r = run({program("noc-parse"), "--platform", "cisco_ios", "--command", "sh ip int br", "--json",
                        fixtures + "/cisco_ios/show_ip_interface_brief/cisco_ios_show_ip_interface_brief.raw"});
    REQUIRE_MESSAGE(r.status == 0, r.err);
    const auto records = nlohmann::json::parse(r.out);
    REQUIRE(records.size() == 7);
    CHECK(records[1] == nlohmann::json::parse(R"({"interface":"GigabitEthernet0/0/1","ip_address":"unassigned",
        "link_status":"administratively down","protocol_status":"down"})"));
}

TEST_CASE("input from stdin; JSON is the default when stdout is not a terminal; lists are arrays") {
    const auto raw = read(fixtures + "/juniper_junos/show_version/juniper_junos_show_version_vc.raw");
    const auto r = run({program("noc-parse"), "--platform", "juniper_junos", "--command", "show version"}, raw);
    REQUIRE_MESSAGE(r.status == 0, r.err);
    CHECK(nlohmann::json::parse(r.out).size() == 2);

    Scratch dir;
    const auto tpl = dir.write("members.textfsm", "Value NAME (\\S+)\nValue List MEMBER (\\S+)\n\nStart\n"
                                                  "  ^group ${NAME}\n  ^ member ${MEMBER}\n");
    const auto list = run({program("noc-parse"), "-t", tpl, "-"}, "group g1\n member a\n member b\n");
    REQUIRE_MESSAGE(list.status == 0, list.err);
    CHECK(nlohmann::json::parse(list.out) == nlohmann::json::parse(R"([{"name":"g1","member":["a","b"]}])"));
}

TEST_CASE("--csv and --table print the same records for people and spreadsheets") {
    const auto raw = fixtures + "/linux/ip_neigh_show/linux_ip_neigh_show.raw";
    const auto csv = run({program("noc-parse"), "--platform", "linux", "--command", "ip neigh show", "--csv", raw});
    REQUIRE(csv.status == 0);
    CHECK(csv.out.rfind("ip_address,interface,mac_address,router,state\r\n192.0.2.1,eth0,52:54:00:12:34:56,,REACHABLE\r\n",
                        0) == 0);
    const auto table = run({program("noc-parse"), "--platform", "linux", "--command", "ip neigh", "--table", raw});
    REQUIRE(table.status == 0);
    CHECK(table.out.find("ip_address       interface  mac_address        router  state\n") == 0);
    CHECK(table.out.find("192.0.2.9        eth0                                  FAILED\n") != std::string::npos);
}

TEST_CASE("--templates adds a directory searched after the built-in templates") {
    Scratch dir;
    dir.write("index", "Template, Hostname, Platform, Command\n\nacme_show_power.textfsm, .*, acme_os, show power\n");
    dir.write("acme_show_power.textfsm", "Value PSU (\\d+)\nValue STATE (\\w+)\n\nStart\n  ^PSU${PSU}: ${STATE} -> Record\n");
    const auto r = run({program("noc-parse"), "--templates", dir.path.string(), "--platform", "acme_os", "--command",
                        "show power", "--json", "-"},
                       "PSU1: ok\nPSU2: failed\n");
    REQUIRE_MESSAGE(r.status == 0, r.err);
    CHECK(nlohmann::json::parse(r.out) == nlohmann::json::parse(R"([{"psu":"1","state":"ok"},{"psu":"2","state":"failed"}])"));
}

TEST_CASE("the configuration's templates key and NOCKIT_TEMPLATES name template directories too") {
    Scratch dir;
    dir.write("index", "Template, Hostname, Platform, Command\n\nacme_show_fans.textfsm, .*, acme_os, show fans\n");
    dir.write("acme_show_fans.textfsm", "Value FAN (\\d+)\n\nStart\n  ^fan ${FAN} -> Record\n");
    const auto config = dir.write("config.yaml", "templates: .\n");
    const auto by_config = run({program("noc-parse"), "--config", config, "--platform", "acme_os", "--command",
                                "show fans", "--json", "-"},
                               "fan 1\nfan 2\n");
    REQUIRE_MESSAGE(by_config.status == 0, by_config.err);
    CHECK(nlohmann::json::parse(by_config.out).size() == 2);
    const auto by_environment = run({"/usr/bin/env", "NOCKIT_TEMPLATES=" + dir.path.string(), program("noc-parse"),
                                     "--platform", "acme_os", "--command", "show fans", "--json", "-"},
                                    "fan 7\n");
    REQUIRE_MESSAGE(by_environment.status == 0, by_environment.err);
    CHECK(nlohmann::json::parse(by_environment.out) == nlohmann::json::parse(R"([{"fan":"7"}])"));
}

TEST_CASE("a broken template is one line naming file, line and what is wrong: exit 3") {
    Scratch dir;
    const struct {
        const char* text;
        const char* says;
    } broken[] = {
        {"Value Filldow A (x)\n\nStart\n  ^x\n", ":1: unknown option 'Filldow'"},
        {"Value A (x)\n\nStart\n  ^x -> Nowhere\n", ":4: state 'Nowhere' is not defined"},
        {"Value A (x)\n\nStart\n  ^x(\n", ":4: bad regex"},
        {"Value A (x)\n\nStart\n  ^x -> Next.Forget\n", ":4: invalid action"},
    };
    for (const auto& b : broken) {
        const auto tpl = dir.write("broken.textfsm", b.text);
        one_line_error(run({program("noc-parse"), "-t", tpl, "-"}, "x\n"), 3, std::string("broken.textfsm") + b.says);
    }
}

TEST_CASE("a template's Error action stops with its message: exit 2") {
    const auto r = run({program("noc-parse"), "--platform", "cisco_ios", "--command", "show ip arp", "-"},
                       "% Invalid input detected at '^' marker.\n");
    one_line_error(r, 2, "line not understood");
    CHECK(r.err.find("input line 1") != std::string::npos);
    const auto nagios = run({program("noc-parse"), "--platform", "cisco_ios", "--command", "show ip arp", "--nagios",
                             "-"},
                            "% Invalid input\n");
    CHECK(nagios.status == 2);
    CHECK(nagios.out.rfind("PARSE CRITICAL - ", 0) == 0);
}

TEST_CASE("bad input and usage: exit 3 with one line") {
    one_line_error(run({program("noc-parse"), "--platform", "cisco_ios", "--command", "show ip arp", "/nonexistent/x.txt"}),
                   3, "/nonexistent/x.txt");
    one_line_error(run({program("noc-parse"), "--platform", "acme_os", "--command", "show power", "-"}, ""), 3,
                   "no template for platform 'acme_os'");
    one_line_error(run({program("noc-parse"), "-t", "no_such.textfsm", "-"}, ""), 3, "no_such.textfsm");
    one_line_error(run({program("noc-parse"), "-"}, ""), 3, "-t TEMPLATE");
    one_line_error(run({program("noc-parse"), "--platform", "cisco_ios", "-"}, ""), 3, "--command");
    one_line_error(run({program("noc-parse"), "--csv", "--json", "-t", "linux_uptime.textfsm", "-"}, ""), 3, "--csv");
}

TEST_CASE("input that is not UTF-8 is read with U+FFFD and a note; NUL bytes are characters") {
    const std::string input("Protocol  Address  Age (min)  Hardware Addr   Type   Interface\n"
                            "Internet  192.0.2.1  -   5254.0012.3456  ARPA   Gi\xff" "0/1\n");
    const auto r = run({program("noc-parse"), "--platform", "cisco_ios", "--command", "show ip arp", "--json", "-"}, input);
    REQUIRE(r.status == 0);
    CHECK(nlohmann::json::parse(r.out)[0]["interface"] == "Gi\xef\xbf\xbd" "0/1");
    CHECK(r.err.find("not valid UTF-8") != std::string::npos);
    const auto nul = run({program("noc-parse"), "--platform", "linux", "--command", "uptime", "--json", "-"},
                         std::string(" 10:21:44 up 7 min,  1 user,  load average: 0.01, 0.02, 0.03\n\0\n", 64));
    CHECK(nul.status == 2);
    CHECK(nul.err.find("\\x00") != std::string::npos);
}

TEST_CASE("a control sequence in device text never reaches the terminal through the table") {
    Scratch dir;
    const auto tpl = dir.write("any.textfsm", "Value LINE (.+)\n\nStart\n  ^${LINE} -> Record\n");
    const auto r = run({program("noc-parse"), "-t", tpl, "--table", "-"}, "evil \x1b[2Jtext\tend\n");
    REQUIRE(r.status == 0);
    CHECK(r.out.find('\x1b') == std::string::npos);
    CHECK(r.out.find("evil \\x1b[2Jtext\\tend") != std::string::npos);
}
