// noc-query's keys in the shared configuration: inventory, known_hosts and platforms paths, and
// thresholds.query (optical levels, error rise); mistakes named with file, line and key.
#include "config/config.hpp"
#include "query/checks.hpp"

#include <doctest/doctest.h>

using namespace nockit;

namespace {

// The error for `text`, which must be refused; it must start "cfg.yaml:LINE: " and name `key`.
std::string refused(const std::string& text, int line, const std::string& key) {
    auto c = parse_config(text, "/etc/nockit/cfg.yaml");
    REQUIRE_FALSE(c.ok());
    const std::string& m = c.error().message;
    CHECK_MESSAGE(m.rfind("/etc/nockit/cfg.yaml:" + std::to_string(line) + ": ", 0) == 0, m);
    CHECK_MESSAGE(m.find(key) != std::string::npos, m);
    return m;
}

}  // namespace

TEST_CASE("paths and query thresholds are read; relative paths from the file's directory") {
    auto c = parse_config("inventory: inv.yaml\n"
                          "known_hosts: /srv/noc/known_hosts\n"
                          "platforms: drivers/platforms.yaml\n"
                          "thresholds:\n"
                          "  query:\n"
                          "    optical: {rx_low_dbm: -14, rx_very_low_dbm: -19.5, rx_high_dbm: -1, tx_low_dbm: -9, tx_high_dbm: 2}\n"
                          "    errors: {rise_warning: 10}\n",
                          "/etc/nockit/config.yaml");
    REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message));
    CHECK(c->inventory == "/etc/nockit/inv.yaml");
    CHECK(c->known_hosts == "/srv/noc/known_hosts");
    CHECK(c->platforms == "/etc/nockit/drivers/platforms.yaml");
    CHECK(c->query.rx_low_dbm == -14);
    CHECK(c->query.rx_very_low_dbm == -19.5);
    CHECK(c->query.rx_high_dbm == -1);
    CHECK(c->query.tx_low_dbm == -9);
    CHECK(c->query.tx_high_dbm == 2);
    CHECK(c->query.errors_rise_warning == 10);
    // Keys not given keep their defaults, which are what the checks use without a file.
    auto partial = parse_config("thresholds:\n  query:\n    optical: {rx_low_dbm: -12}\n", "c.yaml");
    REQUIRE(partial.ok());
    CHECK(partial->query.rx_high_dbm == query::Thresholds{}.rx_high_dbm);
    CHECK(partial->query.errors_rise_warning == 1);
    CHECK(parse_config("", "c.yaml")->query.rx_low_dbm == -15);
}

TEST_CASE("mistakes in the query keys name the file, the line and the key") {
    refused("thresholds:\n  query:\n    optical:\n      rx_low: -14\n", 4, "'thresholds.query.optical.rx_low' (use rx_low_dbm,");
    refused("thresholds:\n  query:\n    optical:\n      rx_low_dbm: weak\n", 4, "thresholds.query.optical.rx_low_dbm: expected a number");
    refused("thresholds:\n  query:\n    errors:\n      rise_warning: -3\n", 4, "thresholds.query.errors.rise_warning: must not be negative");
    refused("thresholds:\n  query:\n    errors: {rise_warning: 0}\n", 3, "rise_warning: expected a count of 1 or more");
    refused("thresholds:\n  query:\n    optics: {}\n", 3, "'thresholds.query.optics' (use optical or errors)");
    refused("thresholds:\n  query:\n    optical: {rx_low_dbm: 1}\n", 3, "expected rx_very_low_dbm <= rx_low_dbm < rx_high_dbm");
    refused("thresholds:\n  query:\n    optical: {tx_low_dbm: 3, tx_high_dbm: 2}\n", 3, "expected tx_low_dbm < tx_high_dbm");
    refused("\nplatforms: [a, b]\n", 2, "platforms: expected a file path");
    refused("thresholds:\n  querry: {}\n", 2, "'thresholds.querry' (use ping or query)");
}
