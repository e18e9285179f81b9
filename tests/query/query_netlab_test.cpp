// noc-query in a scripts/netlab lab (tests/lab/devices/netlab.yaml): devices on routed links in
// their own namespaces, run from the NOC host's namespace; the switch only through the bastion.
#include "device_lab.hpp"
#include "lab.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <fstream>
#include <sstream>

using namespace nockit::test;
using nlohmann::json;

namespace {

std::string public_key(const std::string& file) {
    std::istringstream in(read_text(file));
    std::string type, key;
    in >> type >> key;
    return type + " " + key;
}

}  // namespace

TEST_CASE("netlab devices: routed, from the NOC host, the switch only through the bastion") {
    NOCKIT_REQUIRE_LAB();
    require_device_lab();
    setenv("NOCKIT_DEVCLI", (std::string(NOCKIT_BINARY_DIR) + "/tests/lab/devices/nockit-devcli").c_str(), 1);
    Lab lab(std::string(NOCKIT_SOURCE_DIR) + "/tests/lab/devices/netlab.yaml");
    std::string devices = lab.status()["state_dir"].get<std::string>() + "/devices";
    std::string known = devices + "/known_hosts", inventory = devices + "/inventory.yaml";
    std::ofstream(known) << "10.31.1.2 " << public_key(devices + "/bastion/host_key.pub") << "\n"
                         << "10.31.2.2 " << public_key(devices + "/sw1/host_key.pub") << "\n"
                         << "10.31.3.2 " << public_key(devices + "/mx1/host_key.pub") << "\n";
    std::ofstream(inventory) << "defaults: {username: root, credential: lab}\n"
                             << "credentials:\n  lab: {method: key, key_file: " << devices << "/id_lab}\n"
                             << "hosts:\n"
                             << "  sw1: {hostname: 10.31.2.2, platform: cisco_ios, jump: bastion}\n"
                             << "  mx1: {hostname: 10.31.3.2, platform: juniper_junos}\n"
                             << "  bastion: {hostname: 10.31.1.2, platform: linux}\n"
                             << "customers:\n  C-7: {cpe: 198.51.100.9, access: {device: sw1, port: GigabitEthernet1/0/3}}\n";
    auto query = [&](std::vector<std::string> args) {
        std::vector<std::string> argv{program("noc-query"), "--inventory", inventory, "--known-hosts", known, "--ssh-config", "none"};
        argv.insert(argv.end(), args.begin(), args.end());
        return lab.exec("noc", argv, 60);
    };
    auto r = query({"sw1", "mx1", "--check", "health", "--json"});
    INFO(r.err);
    CHECK(r.status == 0);
    auto doc = json::parse(r.out);
    CHECK(doc["summary"]["answered"] == 2);
    r = query({"--customer", "C-7", "--check", "interface", "--check", "mac", "--json"});
    CHECK(r.status == 0);
    CHECK(json::parse(r.out)["findings"].dump().find("query.interface.up") != std::string::npos);
    // Straight from the NOC host the switch does not answer (its filter drops us): bounded, clear.
    r = query({"--platform", "cisco_ios", "-i", devices + "/id_lab", "root@10.31.2.2", "-x", "show version", "--connect-timeout", "2",
               "--json"});
    CHECK(r.status == 3);
    auto failure = json::parse(r.out)["devices"][0]["failure"];
    CHECK(failure["kind"] == "connect");
    CHECK(failure["message"].get<std::string>().find("no answer from 10.31.2.2 port 22 within 2 s") != std::string::npos);
}
