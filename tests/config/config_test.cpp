// Configuration: thresholds and paths are read; mistakes are named with file, line and key.
#include "config/config.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <fstream>

using namespace nockit;

TEST_CASE("thresholds and paths are read, relative paths resolved against the file") {
    auto c = parse_config(
        "thresholds:\n  ping:\n    warning: {rtt_ms: 80, loss_pct: 2}\n    critical: {rtt_ms: 250, loss_pct: 30}\n"
        "catalogue: wording.yaml\ninventory: /srv/inv.yaml\n",
        "/etc/nockit/config.yaml");
    REQUIRE(c.ok());
    CHECK(c->ping.warn_rtt_ms == 80);
    CHECK(c->ping.warn_loss_pct == 2);
    CHECK(c->ping.crit_rtt_ms == 250);
    CHECK(c->ping.crit_loss_pct == 30);
    CHECK(c->catalogue == "/etc/nockit/wording.yaml");
    CHECK(c->inventory == "/srv/inv.yaml");
}

TEST_CASE("an empty file means defaults") {
    auto c = parse_config("", "empty.yaml");
    REQUIRE(c.ok());
    CHECK(c->ping.crit_loss_pct == PingThresholds{}.crit_loss_pct);
}

TEST_CASE("malformed files name file, line and key") {
    SUBCASE("unknown key") {
        auto c = parse_config("thresholds:\n  ping:\n    warning: {rtt_ms: 80}\ncatalog: x.yaml\n", "cfg.yaml");
        REQUIRE_FALSE(c.ok());
        CHECK(c.error().message.find("cfg.yaml:4") == 0);
        CHECK(c.error().message.find("'catalog'") != std::string::npos);
    }
    SUBCASE("not a number") {
        auto c = parse_config("thresholds:\n  ping:\n    critical:\n      rtt_ms: fast\n", "cfg.yaml");
        REQUIRE_FALSE(c.ok());
        CHECK(c.error().message.find("cfg.yaml:4") == 0);
        CHECK(c.error().message.find("thresholds.ping.critical.rtt_ms") != std::string::npos);
    }
    SUBCASE("broken YAML") {
        auto c = parse_config("thresholds: [1, 2\n", "cfg.yaml");
        REQUIRE_FALSE(c.ok());
        CHECK(c.error().message.find("cfg.yaml:") == 0);
    }
}

TEST_CASE("NOCKIT_CONFIG names the file; a missing one is an error, not silent defaults") {
    setenv("NOCKIT_CONFIG", "/nonexistent/nockit.yaml", 1);
    auto c = load_config();
    unsetenv("NOCKIT_CONFIG");
    REQUIRE_FALSE(c.ok());
    CHECK(c.error().message.find("/nonexistent/nockit.yaml") == 0);
}

TEST_CASE("-w/-C threshold syntax") {
    auto v = parse_rtt_loss("150,5%", "-w");
    REQUIRE(v.ok());
    CHECK(v->first == 150);
    CHECK(v->second == 5);
    CHECK(parse_rtt_loss("80,10", "-w").ok());
    CHECK_FALSE(parse_rtt_loss("80", "-w").ok());
    CHECK_FALSE(parse_rtt_loss("80,200%", "-C").ok());
    CHECK(parse_rtt_loss("x,1", "-C").error().message.find("-C 'x,1'") == 0);
}
