// TextFSM semantics, one rule at a time, each with a small template of our own. Expected
// records are what the reference implementation (python3-textfsm) gives for the same input.
#include "textfsm/table.hpp"
#include "textfsm/template.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

using nockit::textfsm::Template;

namespace {

// Records of `input` parsed with `tpl`, as JSON (lower-case keys, lists as arrays).
nlohmann::json records(std::string_view tpl, std::string_view input) {
    const auto compiled = Template::compile(tpl, "t.textfsm");
    REQUIRE_MESSAGE(compiled.ok(), (compiled.ok() ? "" : compiled.error().message));
    const auto table = (*compiled)->parse(input);
    REQUIRE_MESSAGE(table.ok(), (table.ok() ? "" : table.error().message));
    return nockit::textfsm::to_json(*table);
}

void check_parse(std::string_view tpl, std::string_view input, std::string_view expected) {
    CHECK(records(tpl, input) == nlohmann::json::parse(expected));
}

// The error a broken template gives.
std::string compile_error(std::string_view tpl) {
    const auto compiled = Template::compile(tpl, "t.textfsm");
    REQUIRE_FALSE(compiled.ok());
    CHECK(compiled.error().code == nockit::ExitCode::unknown);
    return compiled.error().message;
}

}  // namespace

TEST_CASE("a rule records the values its line assigned") {
    check_parse(R"(Value NAME (\S+)
Value MTU (\d+)

Start
  ^interface ${NAME}
  ^ mtu ${MTU} -> Record
)",
                "interface ge-0/0/1\n mtu 1500\ninterface ge-0/0/2\n mtu 9000\n",
                R"([{"name":"ge-0/0/1","mtu":"1500"},{"name":"ge-0/0/2","mtu":"9000"}])");
}

TEST_CASE("Filldown keeps a value for the following records, also in the implicit EOF record") {
    check_parse(R"(Value Filldown CHASSIS (\S+)
Value SLOT (\d+)

Start
  ^chassis ${CHASSIS}
  ^slot ${SLOT} -> Record
)",
                "chassis A\nslot 1\nslot 2\nchassis B\nslot 3\n",
                R"([{"chassis":"A","slot":"1"},{"chassis":"A","slot":"2"},{"chassis":"B","slot":"3"},
                    {"chassis":"B","slot":""}])");
}

TEST_CASE("Required drops a record whose value is empty") {
    check_parse(R"(Value Required PORT (\S+)
Value VLAN (\d+)

Start
  ^port ${PORT}
  ^vlan ${VLAN} -> Record
)",
                "vlan 5\nport p1\nvlan 6\n", R"([{"port":"p1","vlan":"6"}])");
}

TEST_CASE("Key marks the columns that join tables; it does not change parsing") {
    const auto t = Template::compile("Value Key A (\\S+)\nValue B (\\S+)\n\nStart\n  ^${A} ${B} -> Record\n", "k");
    REQUIRE(t.ok());
    CHECK((*t)->keys() == std::vector<std::string>{"A"});
    CHECK((*t)->header() == std::vector<std::string>{"A", "B"});
    CHECK(nockit::textfsm::to_json(*(*t)->parse("x y\n")) == nlohmann::json::parse(R"([{"a":"x","b":"y"}])"));
}

TEST_CASE("List collects every match until the record is written") {
    check_parse(R"(Value NAME (\S+)
Value List MEMBERS (\S+)

Start
  ^group ${NAME}
  ^  member ${MEMBERS}
  ^end -> Record
)",
                "group g1\n  member a\n  member b\nend\ngroup g2\nend\n",
                R"([{"name":"g1","members":["a","b"]},{"name":"g2","members":[]}])");
}

TEST_CASE("List with nested named groups gives a list of dictionaries") {
    check_parse(R"(Value List PEERS ((?P<ip>\d+\.\d+\.\d+\.\d+)\s+(?P<as>\d+))

Start
  ^peer ${PEERS}
)",
                "peer 10.0.0.1 65001\npeer 10.0.0.2 65002\n",
                R"([{"peers":[{"ip":"10.0.0.1","as":"65001"},{"ip":"10.0.0.2","as":"65002"}]}])");
}

TEST_CASE("Filldown List keeps its items across records") {
    check_parse(R"(Value Filldown,List TAGS (\w+)
Value ID (\d+)

Start
  ^tag ${TAGS}
  ^id ${ID} -> Record
)",
                "tag a\nid 1\ntag b\nid 2\n",
                R"([{"tags":["a"],"id":"1"},{"tags":["a","b"],"id":"2"},{"tags":["a","b"],"id":""}])");
}

TEST_CASE("Fillup writes a value back into earlier records until one already has it") {
    check_parse(R"(Value PORT (\S+)
Value Fillup SPEED (\d+)

Start
  ^port ${PORT} -> Record
  ^speed ${SPEED} -> Record
)",
                "port a\nport b\nspeed 10\nport c\nspeed 100\n",
                R"([{"port":"a","speed":"10"},{"port":"b","speed":"10"},{"port":"","speed":"10"},
                    {"port":"c","speed":"100"},{"port":"","speed":"100"}])");
}

TEST_CASE("a Value that took part in no match is the empty string") {
    check_parse("Value A (\\S+)\nValue B (\\S+)\n\nStart\n  ^a ${A} -> Record\n", "a 1\n",
                R"([{"a":"1","b":""}])");
}

TEST_CASE("a named group that did not take part unsets its Value, even a Filldown one") {
    check_parse(R"(Value Filldown SITE (\S+)
Value HOST (\S+)

Start
  ^site ${SITE}
  ^host ${HOST}(\s+site\s+${SITE})? -> Record
)",
                "site paris\nhost a site lyon\nhost b\nhost c\n",
                R"([{"site":"lyon","host":"a"},{"site":"","host":"b"},{"site":"","host":"c"}])");
}

TEST_CASE("a record of nothing but unset Values is not written; an empty match is a value") {
    check_parse("Value A (\\d*)\n\nStart\n  ^x -> Record\n  ^a=${A} -> Record\n", "x\na=\nx\n",
                R"([{"a":""}])");
}

TEST_CASE("Continue goes on with the next rule of the same state on the same line") {
    check_parse(R"(Value PORT (\S+)
Value STATE (up|down)

Start
  ^${PORT}\s -> Continue
  ^\S+\s+${STATE} -> Record
)",
                "eth0 up\neth1 down\n", R"([{"port":"eth0","state":"up"},{"port":"eth1","state":"down"}])");
}

TEST_CASE("Continue.Record writes the record and keeps matching the line") {
    check_parse(R"(Value A (\d+)

Start
  ^${A} -> Continue.Record
  ^\d+ ${A}
)",
                "1 2\n3 4\n", R"([{"a":"1"},{"a":"3"},{"a":"4"}])");
}

TEST_CASE("the record is written before the state changes; Next is the default line action") {
    check_parse(R"(Value SECTION (\w+)
Value ITEM (\w+)

Start
  ^section ${SECTION} -> Record Items

Items
  ^item ${ITEM} -> Next.Record
  ^end -> Start
)",
                "section a\nitem x\nitem y\nend\nsection b\n",
                R"([{"section":"a","item":""},{"section":"","item":"x"},{"section":"","item":"y"},
                    {"section":"b","item":""}])");
}

TEST_CASE("NoRecord is the default record action") {
    check_parse("Value A (\\d+)\n\nStart\n  ^${A} -> Next.NoRecord\n  ^end -> Record\n", "1\n2\nend\n",
                R"([{"a":"2"}])");
}

TEST_CASE("Clear empties the record but keeps Filldown values; Clearall empties those too") {
    const char* tpl = R"(Value Filldown F (\w+)
Value V (\w+)

Start
  ^f ${F}
  ^v ${V}
  ^clear -> Clear
  ^wipe -> Clearall
  ^rec -> Record
)";
    check_parse(tpl, "f a\nv 1\nclear\nrec\n", R"([{"f":"a","v":""},{"f":"a","v":""}])");
    check_parse(tpl, "f a\nv 1\nwipe\nrec\n", "[]");
}

TEST_CASE("the implicit EOF state writes the pending record") {
    check_parse("Value A (\\d+)\n\nStart\n  ^${A}\n", "1\n2\n", R"([{"a":"2"}])");
}

TEST_CASE("an empty EOF state turns the implicit record off") {
    check_parse("Value A (\\d+)\n\nStart\n  ^${A}\n\nEOF\n", "1\n2\n", "[]");
}

TEST_CASE("-> End stops and discards the pending record; -> EOF stops and keeps it") {
    check_parse("Value A (\\d+)\n\nStart\n  ^${A}\n  ^stop -> End\n", "1\nstop\n2\n", "[]");
    check_parse("Value A (\\d+)\n\nStart\n  ^${A}\n  ^stop -> EOF\n", "1\nstop\n2\n", R"([{"a":"1"}])");
}

TEST_CASE("an Error action stops with its message and exit code critical") {
    const auto t = Template::compile(R"(Value A (\d+)

Start
  ^${A} -> Record
  ^. -> Error "unexpected line"
)",
                                     "strict.textfsm");
    REQUIRE(t.ok());
    CHECK((*t)->parse("1\n2\n").ok());
    const auto failed = (*t)->parse("1\nbogus\n");
    REQUIRE_FALSE(failed.ok());
    CHECK(failed.error().code == nockit::ExitCode::critical);
    CHECK(failed.error().message.find("unexpected line") != std::string::npos);
    CHECK(failed.error().message.find("input line 2") != std::string::npos);
    CHECK(failed.error().message.find("bogus") != std::string::npos);

    const auto bare = Template::compile("Value A (x)\n\nStart\n  ^. -> Error\n", "bare");
    REQUIRE(bare.ok());
    CHECK((*bare)->parse("z").error().code == nockit::ExitCode::critical);
}

TEST_CASE("a rule matches at the start of a line, not necessarily to its end; $$ anchors the end") {
    check_parse("Value A (\\d+)\n\nStart\n  ^a${A} -> Record\n", "a12 trailing\nxa3\n", R"([{"a":"12"}])");
    check_parse("Value A (\\d+)\n\nStart\n  ^a${A}$$ -> Record\n", "a12 trailing\na4\n", R"([{"a":"4"}])");
}

TEST_CASE("$VALUE without braces is substituted too") {
    check_parse("Value A (\\d+)\n\nStart\n  ^n=$A -> Record\n", "n=7\n", R"([{"a":"7"}])");
}

TEST_CASE("input lines split like Python's splitlines") {
    const char* tpl = "Value A (.*)\n\nStart\n  ^${A} -> Record\n";
    check_parse(tpl, "a\r\nb\rc\nd", R"([{"a":"a"},{"a":"b"},{"a":"c"},{"a":"d"}])");
    check_parse(tpl, "a\vb\fc\x1c" "d\xe2\x80\xa8" "e\xc2\x85" "f\n\n",
                R"([{"a":"a"},{"a":"b"},{"a":"c"},{"a":"d"},{"a":"e"},{"a":"f"},{"a":""}])");
    check_parse(tpl, "", "[]");
}

TEST_CASE("regexes are Python's dialect") {
    SUBCASE("(?P<name>...) and (?P=name)") {
        check_parse("Value A (\\w+)\n\nStart\n  ^(?P<w>\\w) ${A} (?P=w)$$ -> Record\n", "x abc x\ny abc z\n",
                    R"([{"a":"abc"}])");
    }
    SUBCASE("{,n} means {0,n}") {
        check_parse("Value A (x{,2})\n\nStart\n  ^${A}$$ -> Record\n", "xx\nxxx\n\n", R"([{"a":"xx"},{"a":""}])");
    }
    SUBCASE("\\Z is the end of the line") {
        check_parse("Value A (\\d+)\n\nStart\n  ^${A}\\Z -> Record\n", "12\n12 \n", R"([{"a":"12"}])");
    }
    SUBCASE("\\s matches a no-break space and \\x1f as in Python; \\d and \\w are Unicode-aware") {
        check_parse("Value A (\\S+)\n\nStart\n  ^x\\s${A} -> Record\n", "x\xc2\xa0y\nx\x1fz\n",
                    R"([{"a":"y"},{"a":"z"}])");
        check_parse("Value A (\\d+)\nValue B (\\w+)\n\nStart\n  ^${A} ${B} -> Record\n",
                    "\xd9\xa1\xd9\xa2 \xe6\x97\xa5\xe6\x9c\xac\n", R"([{"a":"١٢","b":"日本"}])");
    }
    SUBCASE("Value names longer than PCRE2's 32-character group names") {
        check_parse("Value A_VERY_LONG_VALUE_NAME_THAT_PCRE2_WOULD_REJECT (\\d+)\n\nStart\n"
                    "  ^${A_VERY_LONG_VALUE_NAME_THAT_PCRE2_WOULD_REJECT} -> Record\n",
                    "5\n", R"([{"a_very_long_value_name_that_pcre2_would_reject":"5"}])");
    }
    SUBCASE("[[:alpha:]] is a plain set in Python, not a POSIX class") {
        check_parse("Value A ([[:alph]+)\n\nStart\n  ^${A}\\] -> Record\n", "ph:]\nxyz]\n", R"([{"a":"ph:"}])");
    }
    SUBCASE("a '{' that starts no quantifier is a literal") {
        check_parse("Value A (\\d+)\n\nStart\n  ^{${A}} -> Record\n", "{12}\n", R"([{"a":"12"}])");
    }
    SUBCASE("inline flags at the start and scoped flags") {
        check_parse("Value A (\\w+)\n\nStart\n  ^(?i:name) ${A} -> Record\n", "NAME x\n", R"([{"a":"x"}])");
    }
}

TEST_CASE("a pathological regex ends as no match instead of hanging") {
    const auto start = std::chrono::steady_clock::now();
    check_parse("Value A ((a+)+)\n\nStart\n  ^${A}$$ -> Record\n", std::string(40, 'a') + "b\n", "[]");
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
}

TEST_CASE("input that is not UTF-8 reads each invalid sequence as U+FFFD; NUL is a character") {
    check_parse("Value A (.+)\n\nStart\n  ^${A} -> Record\n", std::string("a\xff" "b\n", 4),
                R"([{"a":"a\ufffdb"}])");
    check_parse("Value A (.+)\n\nStart\n  ^${A} -> Record\n", std::string("a\0b\n", 4), R"([{"a":"a\u0000b"}])");
}

TEST_CASE("template lines end with \\n, \\r\\n or \\r") {
    check_parse("Value A (\\d+)\r\n\r\nStart\r  ^${A} -> Record\r\n", "3\n", R"([{"a":"3"}])");
}

TEST_CASE("comments are allowed among Values and rules") {
    check_parse("# header\nValue A (\\d+)\n  # c\n\n# states\nStart\n  # c\n  ^${A} -> Record\n", "4\n",
                R"([{"a":"4"}])");
}

TEST_CASE("a broken template names the line and what is wrong") {
    CHECK(compile_error("Value Filldow A (x)\n\nStart\n  ^x\n").find("t.textfsm:1: unknown option 'Filldow'") == 0);
    CHECK(compile_error("Value Filldown,Filldown A (x)\n\nStart\n").find(":1: duplicate option") != std::string::npos);
    CHECK(compile_error("Value A (x)\nValue A (y)\n\nStart\n").find("t.textfsm:2: duplicate Value 'A'") == 0);
    CHECK(compile_error("Value Key A x\n\nStart\n").find(":1: the regex of Value 'A' must be one group") !=
          std::string::npos);
    CHECK(compile_error("Value A ((x)\n\nStart\n").find(":1:") != std::string::npos);
    CHECK(compile_error("Value A (x)\n\nStart\n  ^x -> Next Nowhere\n")
              .find("t.textfsm:4: state 'Nowhere' is not defined") == 0);
    CHECK(compile_error("Value A (x)\n\nStart\n  ^x(\n").find("t.textfsm:4: bad regex") == 0);
    CHECK(compile_error("Value A (x)\n\nStart\n  ^\\e\n").find("bad escape \\e") != std::string::npos);
    CHECK(compile_error("Value A (x)\n\nStart\n  ^x -> Jump.Record\n").find("t.textfsm:4: invalid action") == 0);
    CHECK(compile_error("Value A (x)\n\nStart\n  ^x -> Continue Other\n\nOther\n").find(":4: 'Continue' cannot") !=
          std::string::npos);
    CHECK(compile_error("Value A (x)\n\nBegin\n  ^x\n").find("no 'Start' state") != std::string::npos);
    CHECK(compile_error("Value A (x)\n\nStart\n  ^x\n\nEnd\n  ^y\n").find(":6: the 'End' state must be empty") !=
          std::string::npos);
    CHECK(compile_error("Value A (x)\n\nStart\n   ^x\n").find(":4: a rule starts with") != std::string::npos);
    CHECK(compile_error("Value A (x)\n\nStart\n  ^x$\n").find(":4: a '$' must start") != std::string::npos);
    CHECK(compile_error("Value A (x)\n\nStart\n  ^${B}\n").find(":4: '${B}' names no Value") != std::string::npos);
    CHECK(compile_error("Value A (x)\nStart\n").find(":2: expected a blank line") != std::string::npos);
    CHECK(compile_error("Start\n  ^x\n").find(":1: expected 'Value") != std::string::npos);
    CHECK(compile_error("Value A (x)\n\nStart\n  ^x\n\nStart\n").find(":6: duplicate state 'Start'") !=
          std::string::npos);
    CHECK(compile_error("Value A (x)\n\nRecord\n").find(":3: invalid state name 'Record'") != std::string::npos);
    CHECK(compile_error("Value " + std::string(49, 'N') + " (x)\n\nStart\n").find("longer than 48") !=
          std::string::npos);
    CHECK(compile_error("Value A (x)\n\nStart\n  ^(?P<A>x)${A}\n").find("redefinition of group name") !=
          std::string::npos);
    CHECK(compile_error("Value A (x)\n\nStart\n  ^x(?i)\n").find("global flags not at the start") !=
          std::string::npos);
    CHECK(compile_error("Value A (\xff)\n\nStart\n").find("not valid UTF-8") != std::string::npos);
}

TEST_CASE("a template with no Values parses and writes nothing") {
    check_parse("\nStart\n  ^x\n", "x\n", "[]");
}
