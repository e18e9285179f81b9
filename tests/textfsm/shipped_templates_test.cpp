// The templates nockit ships: each parses its recorded device output (tests/textfsm/fixtures,
// laid out as in ntc-templates) into exactly the expected records, chosen through the
// built-in index from platform and command as a user would.
#include "conformance_cases.hpp"

#include "textfsm/library.hpp"

#include <doctest/doctest.h>

#include <set>

namespace fs = std::filesystem;
using nockit::textfsm::TemplateLibrary;

namespace {

fs::path fixtures() { return fs::path(NOCKIT_SOURCE_DIR) / "tests" / "textfsm" / "fixtures"; }

}  // namespace

TEST_CASE("every fixture parses to its expected records through the built-in index") {
    TemplateLibrary library;
    const auto cases = nockit::test::conformance_cases(fixtures());
    REQUIRE(cases.size() >= 40);
    for (const auto& c : cases) {
        CAPTURE(c.label);
        const auto table = library.parse(c.platform, c.command, nockit::test::read_file(c.raw));
        REQUIRE_MESSAGE(table.ok(), table.error().message);
        CHECK(nockit::textfsm::to_json(*table) == nockit::test::expected_records(c.expected));
    }
}

TEST_CASE("every shipped template has a fixture, and every fixture finds a shipped template") {
    TemplateLibrary library;
    std::set<std::string> used;
    for (const auto& c : nockit::test::conformance_cases(fixtures())) {
        const auto selection = library.find(c.platform, c.command);
        REQUIRE_MESSAGE(selection.ok(), selection.error().message);
        CHECK(selection->source == "built-in");
        for (const auto& t : selection->templates) used.insert(t->name());
    }
    for (const auto& name : TemplateLibrary::builtin_names()) {
        CAPTURE(name);
        CHECK(used.count(name) == 1);
    }
}

TEST_CASE("the checks' commands reach the template for their platform, abbreviated or with arguments") {
    TemplateLibrary library;
    const struct {
        const char* platform;
        const char* command;
        const char* template_name;
    } rows[] = {
        {"cisco_ios", "sh ip int br", "cisco_ios_show_ip_interface_brief.textfsm"},
        {"cisco_ios", "show interfaces GigabitEthernet1/0/7", "cisco_ios_show_interfaces.textfsm"},
        {"cisco_ios", "show int transceiver", "cisco_ios_show_interfaces_transceiver.textfsm"},
        {"cisco_xe", "show mac address-table interface Gi1/0/7", "cisco_ios_show_mac_address-table.textfsm"},
        {"cisco_ios", "show mac-address-table", "cisco_ios_show_mac_address-table.textfsm"},
        {"cisco_nxos", "show interface transceiver details", "cisco_nxos_show_interface_transceiver_details.textfsm"},
        {"cisco_nxos", "show logging last 50", "cisco_nxos_show_logging_logfile.textfsm"},
        {"juniper_junos", "show interfaces ge-0/0/2 extensive", "juniper_junos_show_interfaces_extensive.textfsm"},
        {"juniper_junos", "show interfaces terse", "juniper_junos_show_interfaces_terse.textfsm"},
        {"juniper_junos", "show arp no-resolve interface ge-0/0/0.0", "juniper_junos_show_arp.textfsm"},
        {"arista_eos", "show interfaces Ethernet5 status", "arista_eos_show_interfaces_status.textfsm"},
        {"linux", "ip -s -s link show dev eth0", "linux_ip_-s_link.textfsm"},
        {"linux", "ethtool -m eth1", "linux_ethtool_-m.textfsm"},
        {"linux", "ip neighbour show dev eth0", "linux_ip_neigh.textfsm"},
    };
    for (const auto& row : rows) {
        const std::string command = row.command;
        CAPTURE(command);
        const auto selection = library.find(row.platform, row.command);
        REQUIRE_MESSAGE(selection.ok(), selection.error().message);
        REQUIRE(selection->templates.size() == 1);
        CHECK(selection->templates[0]->name() == row.template_name);
    }
    const auto unknown = library.find("cisco_ios", "show running-config");
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().message.find("no template for platform 'cisco_ios' and command 'show running-config'") == 0);
}

TEST_CASE("a strict template reports output it does not understand as an error action") {
    TemplateLibrary library;
    const auto table = library.parse("cisco_ios", "show ip interface brief",
                                     "Interface IP-Address OK? Method Status Protocol\n% Invalid input detected\n");
    REQUIRE_FALSE(table.ok());
    CHECK(table.error().code == nockit::ExitCode::critical);
    CHECK(table.error().message.find("line not understood") != std::string::npos);
}
