// Renderers: the same report as terminal text, JSON and a Monitoring Plugins line.
#include "output/render.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <sstream>

using namespace nockit;

namespace {

Report sample() {
    Report r;
    r.program = "noc-ping";
    r.schema = "nockit.ping/1";
    r.service = "PING";
    Finding down;
    down.code = "ping.down";
    down.severity = Severity::critical;
    down.subject = "10.0.0.1";
    down.customer = "Your router does not answer at all.";
    down.agent = "The router does not answer: none of 5 came back.";
    down.engineer = "10.0.0.1: 0/5 replies, 100% loss";
    down.metrics.push_back({"pl", 100, "%", 5.0, 25.0, 0.0, 100.0});
    Finding ok;
    ok.code = "ping.up";
    ok.severity = Severity::ok;
    ok.subject = "10.0.0.2";
    ok.customer = "The other one answers normally.";
    ok.agent = "Answers normally.";
    ok.engineer = "10.0.0.2: 5/5";
    ok.metrics.push_back({"rta", 12.5, "ms", 150.0, 500.0, 0.0, std::nullopt});
    r.findings = {down, ok};
    r.table.columns = {"TARGET", "LOSS"};
    r.table.rows = {{"10.0.0.1", "100%"}, {"10.0.0.2", "0%"}};
    r.data["targets"] = nlohmann::json::array({{{"target", "10.0.0.1"}, {"loss_pct", 100}}});
    r.data["summary"] = {{"alive", 1}};
    return r;
}

}  // namespace

TEST_CASE("the roll-up is the worst severity: critical > warning > unknown > ok") {
    Report r = sample();
    CHECK(r.severity() == Severity::critical);
    r.findings[0].severity = Severity::unknown;
    CHECK(r.severity() == Severity::unknown);
    r.findings[1].severity = Severity::warning;
    CHECK(r.severity() == Severity::warning);
    CHECK(Report{}.severity() == Severity::ok);
}

TEST_CASE("JSON: versioned schema, numbers as numbers, findings with all audiences, program fields") {
    auto j = output::to_json(sample());
    CHECK(j["schema"] == "nockit.ping/1");
    CHECK(j["exit_code"] == 2);
    CHECK(j["severity"] == "critical");
    CHECK(j["summary"]["alive"] == 1);
    CHECK(j["summary"]["text"]["customer"] == "Your router does not answer at all.");
    REQUIRE(j["findings"].size() == 2);
    CHECK(j["findings"][0]["code"] == "ping.down");
    CHECK(j["findings"][0]["metrics"][0]["value"].is_number());
    CHECK(j["findings"][1]["text"]["engineer"] == "10.0.0.2: 5/5");
    CHECK(j["targets"][0]["loss_pct"] == 100);
}

TEST_CASE("Nagios: status line, perfdata after a pipe, further findings as long output") {
    auto s = output::render_nagios(sample());
    CHECK(s.rfind("PING CRITICAL - 10.0.0.1: 0/5 replies, 100% loss | pl=100%;5;25;0;100 rta=12.5ms;150;500;0\n", 0) == 0);
    CHECK(s.find("\nOK: 10.0.0.2: 5/5\n") != std::string::npos);
    Metric m{"my label", 1, "", std::nullopt, std::nullopt, std::nullopt, std::nullopt};
    CHECK(output::perfdata(m) == "'my label'=1");
}

TEST_CASE("terminal: plain summary first, then the agent's and the technical section") {
    std::ostringstream out;
    output::render_text(out, sample(), {});
    auto s = out.str();
    auto plain = s.find("Your router does not answer at all.");
    auto tech = s.find("10.0.0.1: 0/5 replies");
    REQUIRE(plain != std::string::npos);
    REQUIRE(tech != std::string::npos);
    CHECK(plain < tech);
    CHECK(s.rfind("PING CRITICAL", 0) == 0);
    CHECK(s.find("\033[") == std::string::npos);  // no colour unless asked
}

TEST_CASE("terminal: --audience shows one audience only") {
    std::ostringstream out;
    output::TextStyle style;
    style.audience = Audience::customer;
    output::render_text(out, sample(), style);
    CHECK(out.str() == "Your router does not answer at all.\nThe other one answers normally.\n");
}

TEST_CASE("colour only on a TTY and never with NO_COLOR") {
    setenv("NO_COLOR", "1", 1);
    CHECK_FALSE(output::want_color(1, false));
    unsetenv("NO_COLOR");
    CHECK_FALSE(output::want_color(1, true));
    std::ostringstream out;
    output::TextStyle style;
    style.color = true;
    output::render_text(out, sample(), style);
    CHECK(out.str().find("\033[") != std::string::npos);
}

TEST_CASE("numbers read as engineers expect") {
    CHECK(output::format_number(12.345) == "12.3");
    CHECK(output::format_number(0.4123) == "0.412");
    CHECK(output::format_number(1500) == "1500");
    CHECK(output::format_number(3.14159) == "3.14");
}
