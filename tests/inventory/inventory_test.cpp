// The inventory: Nornir-style inheritance, validation with file/line/key, selection of devices.
#include "inventory/inventory.hpp"

#include <doctest/doctest.h>

using namespace nockit;
using namespace nockit::inventory;

namespace {

const std::vector<std::string> kPlatforms{"arista_eos", "cisco_ios", "cisco_nxos", "juniper_junos", "linux"};

const char* kGood = R"(# a small network
defaults:
  username: noc
  credential: ro-key
  data: {owner: noc, tier: 3}
credentials:
  ro-key: {method: key, key_file: ~/.ssh/id_noc}
  legacy: {method: password, password_env: NOC_LEGACY_PASSWORD, enable_secret_env: NOC_ENABLE}
groups:
  access:
    platform: cisco_ios
    data: {tier: 2}
  ams:
    groups: [access]
    site: ams1
  core:
    platform: juniper_junos
    port: 830
hosts:
  sw-ams-01:
    hostname: 192.0.2.11
    groups: [ams]
  sw-ams-02:
    hostname: sw-ams-02.mgmt.example.net
    groups: [ams]
    credential: legacy
    port: 2222
  mx-core-01:
    hostname: 2001:db8::1
    groups: [core]
    site: ams1
    username: admin
  10.9.9.9:
    platform: linux
customers:
  C-1001:
    name: Bakker BV
    cpe: 198.51.100.7
    access: {device: sw-ams-01, port: GigabitEthernet1/0/3}
    service: internet-100M
    site: ams1
segments:
  ams-customers:
    prefixes: [198.51.100.0/24, 2001:db8:100::/48]
    team: access-ops
  ams-big:
    prefixes: [198.51.0.0/16]
    team: access-ops
teams:
  access-ops:
    name: Access operations
    hours: 24x7
    contacts:
      - {name: On-call, phone: "+31 20 000 0000"}
)";

Inventory good() {
    auto r = parse(kGood, "inv.yaml", kPlatforms);
    if (!r.ok()) FAIL(r.error().message);
    return std::move(r).value();
}

std::string error_of(const std::string& yaml) {
    auto r = parse(yaml, "inv.yaml", kPlatforms);
    REQUIRE_FALSE(r.ok());
    return r.error().message;
}

}  // namespace

TEST_CASE("hosts inherit from their groups, the groups' parents, then the defaults") {
    auto inv = good();
    const Host* h = inv.host("sw-ams-01");
    REQUIRE(h);
    CHECK(h->address == "192.0.2.11");
    CHECK(h->platform == "cisco_ios");  // from access, the parent of ams
    CHECK(h->site == "ams1");           // from ams
    CHECK(h->username == "noc");        // from defaults
    CHECK(h->credential == "ro-key");
    CHECK_FALSE(h->port.has_value());
    CHECK(h->data["tier"] == 2);        // the group's data beats the defaults'
    CHECK(h->data["owner"] == "noc");
    CHECK(h->login() == "noc@192.0.2.11");

    const Host* core = inv.host("mx-core-01");
    REQUIRE(core);
    CHECK(core->port == 830);
    CHECK(core->username == "admin");  // the host's own value wins
    CHECK(core->login() == "admin@[2001:db8::1]:830");

    const Host* bare = inv.host("10.9.9.9");
    REQUIRE(bare);
    CHECK(bare->address == "10.9.9.9");  // Nornir: the name is the address when none is given
}

TEST_CASE("credentials are references, never secrets") {
    auto inv = good();
    auto c = inv.credential_for(*inv.host("sw-ams-02"));
    CHECK(c.method == Credential::Method::password);
    CHECK(c.password_env == "NOC_LEGACY_PASSWORD");
    CHECK(c.enable_secret_env == "NOC_ENABLE");
    auto msg = error_of("credentials:\n  x:\n    method: password\n    password: hunter2\n");
    CHECK(msg.find("inv.yaml:4") == 0);
    CHECK(msg.find("never go in the inventory") != std::string::npos);
    CHECK(msg.find("hunter2") == std::string::npos);  // the error does not repeat the secret
    msg = error_of("hosts:\n  a:\n    hostname: 192.0.2.1\n    password: hunter2\n");
    CHECK(msg.find("inv.yaml:4") == 0);
    CHECK(msg.find("hunter2") == std::string::npos);
    msg = error_of("credentials:\n  x:\n    method: password\n");
    CHECK(msg.find("password_env") != std::string::npos);
}

TEST_CASE("customers, segments and teams are validated and linked") {
    auto inv = good();
    const Customer* c = inv.customer("C-1001");
    REQUIRE(c);
    CHECK(c->access_device == "sw-ams-01");
    CHECK(c->access_port == "GigabitEthernet1/0/3");
    const Segment* s = inv.segment_for(*net::Address::parse("198.51.100.7"));
    REQUIRE(s);
    CHECK(s->name == "ams-customers");  // the longest prefix wins over ams-big
    CHECK(inv.teams.at(s->team).contacts.front().phone == "+31 20 000 0000");
    CHECK(inv.segment_for(*net::Address::parse("203.0.113.1")) == nullptr);
}

TEST_CASE("errors name the file, the line and the key") {
    SUBCASE("unknown platform, with a suggestion") {
        auto msg = error_of("hosts:\n  r1:\n    hostname: 192.0.2.1\n    platform: cisco_iso\n");
        CHECK(msg.find("inv.yaml:4: hosts.r1.platform: unknown platform 'cisco_iso'") == 0);
        CHECK(msg.find("did you mean 'cisco_ios'") != std::string::npos);
    }
    SUBCASE("duplicate host") {
        auto msg = error_of("hosts:\n  r1:\n    hostname: 192.0.2.1\n  r1:\n    hostname: 192.0.2.2\n");
        CHECK(msg.find("inv.yaml:4") == 0);
        CHECK(msg.find("hosts.r1: duplicate host (first defined on line 2)") != std::string::npos);
    }
    SUBCASE("group cycle") {
        auto msg = error_of("groups:\n  a:\n    groups: [b]\n  b:\n    groups: [c]\n  c:\n    groups: [a]\n");
        CHECK(msg.find("group cycle a -> b -> c -> a") != std::string::npos);
        CHECK(msg.find("inv.yaml:7") == 0);
    }
    SUBCASE("address that does not parse") {
        auto msg = error_of("hosts:\n  r1:\n    hostname: 10.0.0.300\n");
        CHECK(msg.find("inv.yaml:3: hosts.r1.hostname: '10.0.0.300' is neither an IP address nor a DNS name") == 0);
        msg = error_of("customers:\n  C1:\n    cpe: 198.51.100.x\n");
        CHECK(msg.find("inv.yaml:3: customers.C1.cpe") == 0);
        msg = error_of("teams:\n  t: {name: T}\nsegments:\n  s:\n    prefixes: [10.1.0.1/22]\n    team: t\n");
        CHECK(msg.find("inv.yaml:5") == 0);
        CHECK(msg.find("did you mean 10.1.0.0/22") != std::string::npos);
    }
    SUBCASE("unknown references") {
        CHECK(error_of("hosts:\n  r1:\n    hostname: 192.0.2.1\n    groups: [acess]\ngroups:\n  access: {}\n").find("unknown group 'acess'") != std::string::npos);
        CHECK(error_of("hosts:\n  r1:\n    hostname: 192.0.2.1\n    credential: nope\n").find("inv.yaml:4: hosts.r1.credential: unknown credential 'nope'") == 0);
        CHECK(error_of("customers:\n  C1:\n    access: {device: r9, port: Gi1}\n").find("inv.yaml:3: customers.C1.access.device: unknown host 'r9'") == 0);
        CHECK(error_of("segments:\n  s:\n    prefixes: [10.0.0.0/8]\n    team: nobody\n").find("inv.yaml:4: segments.s.team: unknown team 'nobody'") == 0);
    }
    SUBCASE("unknown keys and sections") {
        CHECK(error_of("hosts:\n  r1:\n    hostnme: 192.0.2.1\n").find("inv.yaml:3: hosts.r1.hostnme: unknown key") == 0);
        CHECK(error_of("host:\n  r1: {}\n").find("inv.yaml:1: unknown section 'host' (did you mean 'hosts'?)") == 0);
        CHECK(error_of("hosts:\n  r1:\n    hostname: 192.0.2.1\n    port: 70000\n").find("inv.yaml:4") == 0);
    }
    SUBCASE("YAML syntax errors keep their line") {
        CHECK(error_of("hosts:\n  r1: [unclosed\n").find("inv.yaml:") == 0);
    }
}

TEST_CASE("selection by name, group (through parents), site, customer and all") {
    auto inv = good();
    auto names = [](const std::vector<Device>& ds) {
        std::vector<std::string> out;
        for (const auto& d : ds) out.push_back(d.host.name);
        return out;
    };
    CHECK(names(*select(inv, {{"mx-core-01", "sw-ams-01"}, {}, {}, {}, false})) == std::vector<std::string>{"mx-core-01", "sw-ams-01"});
    CHECK(names(*select(inv, {{}, {"access"}, {}, {}, false})) == std::vector<std::string>{"sw-ams-01", "sw-ams-02"});
    CHECK(names(*select(inv, {{}, {}, {"ams1"}, {}, false})).size() == 3);
    auto by_customer = select(inv, {{}, {}, {}, {"C-1001"}, false});
    REQUIRE(by_customer.ok());
    REQUIRE(by_customer->size() == 1);
    CHECK(by_customer->front().customer->id == "C-1001");
    CHECK(by_customer->front().credential.method == Credential::Method::key);
    CHECK(select(inv, {{}, {}, {}, {}, true})->size() == 4);
    // A device named twice is queried once.
    CHECK(select(inv, {{"sw-ams-01"}, {"access"}, {}, {}, false})->size() == 2);

    auto unknown = select(inv, {{"sw-ams-10"}, {}, {}, {}, false});
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().message.find("unknown host 'sw-ams-10'") == 0);
    CHECK(unknown.error().message.find("did you mean 'sw-ams-01'") != std::string::npos);
    CHECK(unknown.error().message.find("--platform") != std::string::npos);
    CHECK_FALSE(select(inv, {{}, {"acces"}, {}, {}, false}).ok());
    CHECK_FALSE(select(inv, {{}, {}, {"lon1"}, {}, false}).ok());
    CHECK_FALSE(select(inv, {{}, {}, {}, {"C-9"}, false}).ok());
}

TEST_CASE("ad-hoc devices: user@host[:port] with a platform") {
    auto h = parse_adhoc("noc@192.0.2.1:2222", "cisco_ios", kPlatforms);
    REQUIRE(h.ok());
    CHECK(h->username == "noc");
    CHECK(h->address == "192.0.2.1");
    CHECK(h->port == 2222);
    h = parse_adhoc("admin@[2001:db8::5]:22", "linux", kPlatforms);
    REQUIRE(h.ok());
    CHECK(h->address == "2001:db8::5");
    h = parse_adhoc("2001:db8::5", "linux", kPlatforms);
    REQUIRE(h.ok());
    CHECK_FALSE(h->port.has_value());
    CHECK(parse_adhoc("r1.example.net", "", kPlatforms).error().message.find("--platform") != std::string::npos);
    CHECK_FALSE(parse_adhoc("noc@192.0.2.1:99999", "cisco_ios", kPlatforms).ok());
    CHECK_FALSE(parse_adhoc("noc@192.0.2.1", "cisco_xr", kPlatforms).ok());
    CHECK_FALSE(parse_adhoc("@192.0.2.1", "cisco_ios", kPlatforms).ok());
}

TEST_CASE("valid_address accepts addresses and DNS names, rejects near misses") {
    for (auto ok : {"192.0.2.1", "2001:db8::1", "sw-01", "sw-01.mgmt.example.net", "sw_01.lab"}) CHECK(valid_address(ok));
    for (auto bad : {"10.0.0.300", "192.168.1", "fe80:::1", "-sw", "sw..x", "sw 1", ""}) CHECK_FALSE(valid_address(bad));
}
