// The message catalogue: placeholders, overrides, and the promise that customers never hear jargon.
#include "explain/catalogue.hpp"

#include <doctest/doctest.h>

using namespace nockit;
using explain::Catalogue;

TEST_CASE("placeholders are filled from facts, {Name} capitalises, braces can be escaped") {
    auto r = explain::fill("{What} answers in {avg_ms} ms {{really}}", {{"what", "the router"}, {"avg_ms", "12"}});
    REQUIRE(r.ok());
    CHECK(*r == "The router answers in 12 ms {really}");
}

TEST_CASE("a missing placeholder is an error that names it, never a blank") {
    auto r = explain::fill("replies in {avg_ms} ms", {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find("{avg_ms}") != std::string::npos);
}

TEST_CASE("every built-in entry has all three audiences and customer text free of jargon") {
    const auto& cat = Catalogue::builtin();
    REQUIRE(cat.entries().size() > 10);
    for (const auto& [code, entry] : cat.entries()) {
        CAPTURE(code);
        for (const auto& text : entry.text) CHECK_FALSE(text.empty());
        auto jargon = explain::jargon_in(entry.text[0]);
        CHECK_MESSAGE(jargon.empty(), "customer text of ", code, " uses: ", jargon.empty() ? "" : jargon.front());
        // Placeholders that would put an address or a number with a unit in front of a customer.
        for (const auto& name : explain::placeholders(entry.text[0])) {
            CAPTURE(name);
            CHECK(name.find("address") == std::string::npos);
            CHECK(name.find("_ms") == std::string::npos);
            CHECK(name.find("router") == std::string::npos);
            CHECK(name.find("interface") == std::string::npos);
        }
    }
}

TEST_CASE("jargon detection catches the words and shapes a customer must not hear") {
    CHECK_FALSE(explain::jargon_in("Your router answers normally.").empty() == false);
    CHECK_FALSE(explain::jargon_in("Packet loss at hop 3").empty());
    CHECK_FALSE(explain::jargon_in("replies in 12 ms").empty());
    CHECK_FALSE(explain::jargon_in("the device at 10.0.0.1").empty());
    CHECK_FALSE(explain::jargon_in("port GigabitEthernet1/0/3 is down").empty());
    CHECK_FALSE(explain::jargon_in("address 2001:db8::1").empty());
    CHECK(explain::jargon_in("Web pages will load slowly and calls will break up.").empty());
}

TEST_CASE("an override file replaces wording audience by audience and keeps the rest") {
    auto over = Catalogue::parse("ping.up:\n  customer: \"All good with {what}.\"\n", "override.yaml");
    REQUIRE(over.ok());
    Catalogue cat = Catalogue::builtin();
    cat.merge(*over);
    Finding f;
    f.code = "ping.up";
    f.facts = {{"what", "your router"}, {"agent_what", "your router"}, {"who", "cpe (192.0.2.1)"}, {"avg_ms", "3"},
               {"lost_phrase", "none lost"}, {"received", "5"}, {"sent", "5"}, {"loss_pct", "0"},
               {"min_ms", "1"}, {"max_ms", "4"}, {"mdev_ms", "1"}};
    REQUIRE(cat.explain(f).ok());
    CHECK(f.customer == "All good with your router.");
    CHECK(f.agent.find("Your router answers normally") == 0);
}

TEST_CASE("a malformed catalogue names file, line and key") {
    auto bad = Catalogue::parse("ping.up:\n  customer: ok\n  enginer: typo\n", "wording.yaml");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("wording.yaml:3") == 0);
    CHECK(bad.error().message.find("enginer") != std::string::npos);
    auto broken = Catalogue::parse("ping.up: [unclosed\n", "w.yaml");
    REQUIRE_FALSE(broken.ok());
    CHECK(broken.error().message.find("w.yaml:") == 0);
}

TEST_CASE("an unknown code is reported; the fallback still gives every audience a sentence") {
    Finding f;
    f.code = "no.such.code";
    auto r = Catalogue::builtin().explain_or_fallback(f);
    CHECK_FALSE(r.ok());
    CHECK_FALSE(f.customer.empty());
    CHECK_FALSE(f.agent.empty());
    CHECK(f.engineer.find("no.such.code") != std::string::npos);
}

TEST_CASE("counts read with thousands separators") {
    CHECK(explain::with_commas(1024) == "1,024");
    CHECK(explain::with_commas(65536) == "65,536");
    CHECK(explain::with_commas(312) == "312");
    CHECK(explain::with_commas(0) == "0");
}
