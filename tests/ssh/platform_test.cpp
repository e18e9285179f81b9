// Platform drivers as data: the embedded definitions, overlays, and errors with file and line.
#include "ssh/platform.hpp"

#include <doctest/doctest.h>

using namespace nockit::ssh;

TEST_CASE("the embedded platforms cover the five supported CLIs") {
    const auto& p = Platforms::builtin();
    for (auto name : {"cisco_ios", "cisco_nxos", "juniper_junos", "arista_eos", "linux"}) {
        CAPTURE(name);
        REQUIRE(p.find(name) != nullptr);
        CHECK(!p.find(name)->checks.empty());
    }
    CHECK(p.find("linux")->transport == Transport::exec);
    CHECK(p.find("cisco_ios")->pager_disable.front() == "terminal length 0");
    CHECK(p.find("juniper_junos")->pager_disable.front() == "set cli screen-length 0");
}

TEST_CASE("prompt patterns recognise each platform's prompts and nothing else") {
    const auto& p = Platforms::builtin();
    const auto& ios = *p.find("cisco_ios");
    CHECK(ios.prompt.search("sw-ams-01>"));
    CHECK(ios.prompt.search("sw-ams-01#"));
    CHECK(ios.prompt.search("sw-ams-01(config-if)#"));
    CHECK_FALSE(ios.prompt.search("  5 minute input rate 2000 bits/sec, 3 packets/sec"));
    CHECK_FALSE(ios.prompt.search("Password:"));
    CHECK(ios.privileged.search("sw-ams-01#"));
    CHECK_FALSE(ios.privileged.search("sw-ams-01>"));
    CHECK(ios.more.search(" --More-- "));
    const auto& junos = *p.find("juniper_junos");
    CHECK(junos.prompt.search("noc@mx-ams-01> "));
    CHECK(junos.more.search("---(more)---"));
    CHECK(junos.more.search("---(more 45%)---"));
    CHECK_FALSE(junos.prompt.search("mx-ams-01>"));
}

TEST_CASE("error patterns find the refused command's line") {
    const auto& ios = *Platforms::builtin().find("cisco_ios");
    CHECK(ios.error_line("               ^\n% Invalid input detected at '^' marker.\n") ==
          "% Invalid input detected at '^' marker.");
    CHECK(ios.error_line("GigabitEthernet1/0/3 is up, line protocol is up").empty());
    CHECK(Platforms::builtin().find("juniper_junos")->error_line("          ^\nsyntax error, expecting <command>.") != "");
}

TEST_CASE("an organisation's file overlays the built-in platforms key by key") {
    auto r = Platforms::parse("cisco_ios:\n  pager_disable: [\"terminal length 0\"]\n"
                              "my_os:\n  inherit: cisco_ios\n  description: Our own OS\n",
                              "org.yaml", &Platforms::builtin());
    REQUIRE(r.ok());
    CHECK(r->find("cisco_ios")->pager_disable.size() == 1);
    CHECK(r->find("cisco_ios")->enable_command == "enable");  // untouched keys stay
    REQUIRE(r->find("my_os") != nullptr);
    CHECK(r->find("my_os")->prompt.search("r1#"));
    CHECK(r->find("my_os")->description == "Our own OS");
}

TEST_CASE("bad platform files are errors naming file, line and key") {
    SUBCASE("unknown key") {
        auto r = Platforms::parse("x:\n  prompt: '#$'\n  promt: '>'\n", "p.yaml");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message.find("p.yaml:3") == 0);
        CHECK(r.error().message.find("x.promt") != std::string::npos);
    }
    SUBCASE("bad regex") {
        auto r = Platforms::parse("x:\n  prompt: '(unclosed'\n", "p.yaml");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message.find("p.yaml:2") == 0);
    }
    SUBCASE("unknown transport") {
        auto r = Platforms::parse("x:\n  transport: telnet\n  prompt: '#'\n", "p.yaml");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message.find("telnet") != std::string::npos);
    }
    SUBCASE("a shell platform without a prompt") {
        auto r = Platforms::parse("x:\n  description: nothing\n", "p.yaml");
        REQUIRE_FALSE(r.ok());
        CHECK(r.error().message.find("prompt") != std::string::npos);
    }
}
