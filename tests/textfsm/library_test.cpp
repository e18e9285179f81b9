// Choosing templates: the ntc-style index, merging several templates' records on their Keys,
// and the library that searches the shipped templates before the user's directories.
#include "textfsm/index.hpp"
#include "textfsm/library.hpp"
#include "textfsm/table.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using namespace nockit::textfsm;

namespace {

// A directory under /tmp, removed with everything in it when the test ends.
struct ScratchDirectory {
    fs::path path;
    ScratchDirectory() {
        std::string pattern = (fs::temp_directory_path() / "nockit-textfsm-XXXXXX").string();
        REQUIRE(mkdtemp(pattern.data()) != nullptr);
        path = pattern;
    }
    ~ScratchDirectory() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
    void write(const std::string& name, const std::string& text) const { std::ofstream(path / name) << text; }
};

Table parse(const char* tpl, const char* input) {
    const auto t = Template::compile(tpl, "t");
    REQUIRE(t.ok());
    auto table = (*t)->parse(input);
    REQUIRE(table.ok());
    return std::move(table).value();
}

}  // namespace

TEST_CASE("sh[[ow]] completions expand as clitable expands them") {
    CHECK(expand_completions("sh[[ow]] ip int[[erface]] br[[ief]]") ==
          "sh(o(w)?)? ip int(e(r(f(a(c(e)?)?)?)?)?)? br(i(e(f)?)?)?");
    CHECK(expand_completions("a[[b]]c[[]]") == "a(b)?c[[]]");
    CHECK(expand_completions("x[[[y]]") == "x([(y)?)?");
}

TEST_CASE("the first index row whose Platform and Command match at the start wins") {
    const char* text = R"(# comment
Template, Hostname, Platform, Command   # header comment

long.textfsm, .*, cisco_ios, sh[[ow]] ip int[[erface]] br[[ief]]
short.textfsm, .*, cisco_ios, sh[[ow]] ip int[[erface]]
a.textfsm:b.textfsm, .*, cisco_(asa|ftd), sh[[ow]] mod[[ule]]
#skipped.textfsm, .*, cisco_ios, show version
malformed line without enough fields
any.textfsm, , , show version
)";
    const auto index = Index::parse(text, "index");
    REQUIRE_MESSAGE(index.ok(), index.error().message);
    CHECK(index->size() == 4);
    CHECK(index->find("cisco_ios", "sh ip int br") == std::vector<std::string>{"long.textfsm"});
    CHECK(index->find("cisco_ios", "show ip interface") == std::vector<std::string>{"short.textfsm"});
    CHECK(index->find("cisco_ios", "show ip int brief | include up") == std::vector<std::string>{"long.textfsm"});
    CHECK(index->find("cisco_ftd", "show module") == std::vector<std::string>{"a.textfsm", "b.textfsm"});
    CHECK(index->find("juniper_junos", "show version") == std::vector<std::string>{"any.textfsm"});
    CHECK_FALSE(index->find("cisco_ios", "show running-config"));
    CHECK_FALSE(index->find("cisco_ios", "  show ip int br"));
}

TEST_CASE("a broken index is an error naming the file and line") {
    CHECK(Index::parse("Template, Platform, Command\nx, cisco_ios, show (\n", "idx").error().message.find(
              "idx:2: bad regex") == 0);
    CHECK(Index::parse("Hostname, Platform, Command\n", "idx").error().message.find("no 'Template' column") !=
          std::string::npos);
    CHECK(Index::parse("# only comments\n", "idx").error().message.find("no header line") != std::string::npos);
}

TEST_CASE("several templates merge on the first template's Key values") {
    Table slots = parse("Value Key SLOT (\\d+)\nValue MODEL (\\S+)\n\nStart\n  ^slot ${SLOT} model ${MODEL} -> Record\n",
                        "slot 1 model A\nslot 2 model B\nslot 3 model C\n");
    Table status = parse("Value SLOT (\\d+)\nValue STATUS (\\S+)\nValue MODEL (\\S+)\n\nStart\n"
                         "  ^status ${SLOT} ${STATUS} -> Record\n",
                         "status 2 ok\nstatus 9 failed\nstatus 1 booting\n");
    const auto merged = merge({slots, status});
    REQUIRE(merged.ok());
    CHECK(merged->header == std::vector<std::string>{"SLOT", "MODEL", "STATUS"});
    CHECK(to_json(*merged) == nlohmann::json::parse(R"([{"slot":"1","model":"A","status":"booting"},
        {"slot":"2","model":"B","status":"ok"},{"slot":"3","model":"C","status":""}])"));
}

TEST_CASE("without Key values the tables merge by position") {
    Table a = parse("Value A (\\d+)\n\nStart\n  ^a${A} -> Record\n", "a1\na2\na3\n");
    Table b = parse("Value B (\\d+)\n\nStart\n  ^b${B} -> Record\n", "b7\nb8\n");
    const auto merged = merge({a, b});
    REQUIRE(merged.ok());
    CHECK(to_json(*merged) ==
          nlohmann::json::parse(R"([{"a":"1","b":"7"},{"a":"2","b":"8"},{"a":"3","b":""}])"));
}

TEST_CASE("a Key that the first table lacks cannot join the tables") {
    Table a = parse("Value A (\\d+)\n\nStart\n  ^a${A} -> Record\n", "a1\n");
    Table b = parse("Value Key B (\\d+)\n\nStart\n  ^b${B} -> Record\n", "b1\n");
    const auto merged = merge({a, b});
    REQUIRE_FALSE(merged.ok());
    CHECK(merged.error().message.find("Key 'B'") != std::string::npos);
}

TEST_CASE("JSON keys are the Value names in lower case; lists are arrays, nested groups objects") {
    Table t = parse("Value List PEER ((?P<ip>\\S+) (?P<as>\\d+)?)\nValue NAME (\\S+)\n\nStart\n"
                    "  ^peer ${PEER}\n  ^name ${NAME}\n",
                    "peer 192.0.2.1 65001\npeer 192.0.2.2 \nname R1\n");
    CHECK(to_json(t) == nlohmann::json::parse(
                            R"([{"peer":[{"ip":"192.0.2.1","as":"65001"},{"ip":"192.0.2.2","as":null}],"name":"R1"}])"));
}

TEST_CASE("the user's directories are searched after the shipped templates") {
    ScratchDirectory dir;
    dir.write("index",
              "Template, Hostname, Platform, Command\n\n"
              "mine_version.textfsm, .*, cisco_ios, show version\n"
              "mine_bgp.textfsm, .*, cisco_ios, sh[[ow]] ip bgp sum[[mary]]\n");
    dir.write("mine_bgp.textfsm", "Value NEIGHBOR (\\S+)\n\nStart\n  ^${NEIGHBOR}\\s+4 -> Record\n");
    dir.write("mine_version.textfsm", "Value X (\\S+)\n\nStart\n  ^${X} -> Record\n");
    TemplateLibrary library({dir.path});

    const auto bgp = library.find("cisco_ios", "sh ip bgp summary");
    REQUIRE_MESSAGE(bgp.ok(), bgp.error().message);
    CHECK(bgp->source == dir.path.string());
    const auto table = library.parse("cisco_ios", "show ip bgp sum", "192.0.2.2 4 65002\n");
    REQUIRE(table.ok());
    CHECK(to_json(*table) == nlohmann::json::parse(R"([{"neighbor":"192.0.2.2"}])"));

    const auto version = library.find("cisco_ios", "show version");
    REQUIRE(version.ok());
    CHECK(version->source == "built-in");
    CHECK(version->templates[0]->name() == "cisco_ios_show_version.textfsm");

    // The same template object comes back: compiled once.
    CHECK(library.find("cisco_ios", "sh ip bgp summary")->templates[0] == bgp->templates[0]);
}

TEST_CASE("a template by path, by shipped name, or by name in a directory") {
    ScratchDirectory dir;
    dir.write("own.textfsm", "Value A (\\d+)\n\nStart\n  ^${A} -> Record\n");
    dir.write("broken.textfsm", "Value A (\\d+)\n\nStart\n  ^${A} -> Jump.Record\n");
    TemplateLibrary library({dir.path});
    const auto by_path = library.load((dir.path / "own.textfsm").string());
    REQUIRE(by_path.ok());
    CHECK((*by_path)->header() == std::vector<std::string>{"A"});
    CHECK(library.load("own.textfsm").ok());
    const auto shipped = library.load("linux_uptime.textfsm");
    REQUIRE(shipped.ok());
    CHECK((*shipped)->header().front() == "TIME");
    const auto missing = library.load("nope.textfsm");
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find("template 'nope.textfsm' not found") == 0);
    const auto broken = library.load((dir.path / "broken.textfsm").string());
    REQUIRE_FALSE(broken.ok());
    CHECK(broken.error().message.find("broken.textfsm:4: invalid action") != std::string::npos);
}

TEST_CASE("a directory without an index is reported when nothing matches") {
    ScratchDirectory dir;
    TemplateLibrary library({dir.path});
    const auto found = library.find("vendor_x", "show stuff");
    REQUIRE_FALSE(found.ok());
    CHECK(found.error().message.find(dir.path.string() + " (no index file)") != std::string::npos);
}

TEST_CASE("NOCKIT_TEMPLATES names directories separated by ':'") {
    setenv("NOCKIT_TEMPLATES", "/opt/ntc/templates::/home/noc/templates", 1);
    CHECK(TemplateLibrary::directories_from_environment() ==
          std::vector<fs::path>{"/opt/ntc/templates", "/home/noc/templates"});
    unsetenv("NOCKIT_TEMPLATES");
    CHECK(TemplateLibrary::directories_from_environment().empty());
}
