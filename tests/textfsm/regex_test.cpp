// Python's regex dialect on PCRE2: each row gives what Python's re.match gives for the pattern
// and subject (the groups, or no match, or a pattern error).
#include "textfsm/regex.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <string>

using nockit::textfsm::Captures;
using nockit::textfsm::Regex;

namespace {

struct Row {
    const char* pattern;
    const char* subject;
    const char* expected;  // JSON list of groups 1..n (null when unset), "nomatch" or "error"
};

// Each row agrees with CPython 3.11's re module.
const Row rows[] = {
    {R"((?P<a>\d+)-(?P<b>\d+))", "12-34 x", R"(["12","34"])"},
    {R"((?P<a>x)(?P=a))", "xx", R"(["x"])"},
    {R"((?P<a>x)(?P=a))", "xy", "nomatch"},
    {R"((a)|(b))", "b", R"([null,"b"])"},
    {R"((\w+)\s(\w+))", "ab cd", R"(["ab","cd"])"},
    {R"(x{,2}$)", "xx", "[]"},
    {R"(x{,2}$)", "xxx", "nomatch"},
    {R"(x{,}y)", "xxxy", "[]"},
    {R"(x{2}y)", "xxy", "[]"},
    {R"(x{}y)", "x{}y", "[]"},
    {R"(x{a}y)", "x{a}y", "[]"},
    {R"(x{1,2)", "x{1,2", "[]"},
    {R"(a\Z)", "a", "[]"},
    {R"(a$)", "a", "[]"},
    {R"(\d+)", "\xd9\xa1\xd9\xa2", "[]"},
    {R"((\s))", "\xc2\xa0", R"(["\u00a0"])"},
    {R"(\s)", "\x1f", "[]"},
    {R"(\s)", "\xe1\xa0\x8e", "nomatch"},
    {R"([\s]x)", "\xe3\x80\x80x", "[]"},
    {R"([^\S]x)", "\tx", "[]"},
    {R"([^\S]x)", "ax", "nomatch"},
    {R"([\Sa]x)", "bx", "[]"},
    {R"([\Sa]x)", " x", "nomatch"},
    {R"(\w+$)", "\xe6\x97\xa5\xe6\x9c\xac", "[]"},
    {R"(\bfoo\b)", "foo", "[]"},
    {R"(.*\bfoo\b)", "\xc3\xa9" "foo", "nomatch"},
    {R"([[:alpha:]]+)", "h]]", "[]"},
    {R"([]a]+)", "]a]", "[]"},
    {R"([a-]+$)", "a-a", "[]"},
    {R"(\v)", "\x0b", "[]"},
    {R"(\x41\u00e9\U0001F600)", "A\xc3\xa9\xf0\x9f\x98\x80", "[]"},
    {R"(\101)", "A", "[]"},
    {R"(\0)", "", "[]"},  // the subject is one NUL, set below
    {R"((a)\1)", "aa", R"(["a"])"},
    {R"(\(\))", "()", "[]"},
    {R"(a\-b\:c\ d)", "a-b:c d", "[]"},
    {R"((?i)abc)", "ABC", "[]"},
    {R"((?i:a)b)", "Ab", "[]"},
    {R"((?i:a)b)", "AB", "nomatch"},
    {R"((?x) a b  # comment)", "ab", "[]"},
    {R"((?s).)", "\n", "[]"},
    {R"(.)", "\n", "nomatch"},
    {R"((?a)\w+$)", "\xc3\xa9", "nomatch"},
    {R"((?a:\w)\w)", "a\xc3\xa9", "[]"},
    {R"((?a:\w)\w)", "\xc3\xa9" "a", "nomatch"},
    {R"((?=ab)a)", "ab", "[]"},
    {R"(a(?!b))", "ab", "nomatch"},
    {R"(.(?<=b)c)", "bc", "[]"},
    {R"((a)?(?(1)b|c))", "ab", R"(["a"])"},
    {R"((a)?(?(1)b|c))", "c", R"([null])"},
    {R"(a*+a)", "aaa", "nomatch"},
    {R"((?>a*)b)", "aab", "[]"},
    {R"(a(?#note)*)", "aaa", "[]"},
    {R"(a|b|)", "c", "[]"},
    {R"(x)", "ax", "nomatch"},
    // Leading blanks before the first other item (the first-character filter must agree).
    {R"(\s+x)", "  \tx", "[]"},
    {R"(\s+x)", "x", "nomatch"},
    {R"(\s*x)", "x", "[]"},
    {R"(\s{2}x)", " x", "nomatch"},
    {R"( \s x)", " \t x", "[]"},
    {R"(\s+x)", "\xc2\xa0x", "[]"},
    {R"(\s+\S+)", "   ab", "[]"},
    {R"(\s+\S)", "   ", "nomatch"},
    {R"(\s+\d)", " \xd9\xa1", "[]"},
    {R"(\s+(x))", " x", R"(["x"])"},
    {R"(\s+x?y)", " y", "[]"},
    {R"(\s+\bx)", " x", "[]"},
    {R"(\s+X|y)", "y", "[]"},
    // Patterns Python rejects.
    {R"(\e)", "", "error"},
    {R"(\h)", "", "error"},
    {R"(\1)", "", "error"},
    {R"((?<n>x))", "", "error"},
    {R"((?R))", "", "error"},
    {R"(a**)", "", "error"},
    {R"(*a)", "", "error"},
    {R"(^*)", "", "error"},
    {R"(\b+)", "", "error"},
    {R"(x{2,1})", "", "error"},
    {R"((?P<1a>x))", "", "error"},
    {R"((?P<a>x)(?P<a>y))", "", "error"},
    {R"((?P=b))", "", "error"},
    {R"([z-a])", "", "error"},
    {R"([\d-z])", "", "error"},
    {R"((x)", "", "error"},
    {R"(x))", "", "error"},
    {R"([x)", "", "error"},
    {R"(x(?i))", "", "error"},
    {R"((?L)x)", "", "error"},
    {R"(\x4)", "", "error"},
    {R"(x\)", "", "error"},
    {R"((?<=a+)b)", "", "error"},
};

}  // namespace

TEST_CASE("regexes match as Python's re.match does") {
    Captures captures(8);
    for (const Row& row : rows) {
        CAPTURE(row.pattern);
        CAPTURE(row.subject);
        const auto regex = Regex::compile(row.pattern);
        const std::string expected = row.expected;
        if (expected == "error") {
            CHECK_FALSE(regex.ok());
            continue;
        }
        REQUIRE_MESSAGE(regex.ok(), regex.error().message);
        const std::string subject = std::string(row.pattern) == R"(\0)" ? std::string("\0", 1) : row.subject;
        const bool matched = regex->match(subject, captures);
        if (expected == "nomatch") {
            CHECK_FALSE(matched);
            continue;
        }
        REQUIRE(matched);
        nlohmann::json groups = nlohmann::json::array();
        for (std::uint32_t g = 1; g <= regex->capture_count(); ++g) {
            const auto text = captures.group(g);
            groups.push_back(text ? nlohmann::json(std::string(*text)) : nlohmann::json());
        }
        CHECK(groups == nlohmann::json::parse(expected));
    }
}

TEST_CASE("group names keep their pattern order and any length") {
    const auto regex = Regex::compile(R"((?P<z>a)(x)(?P<a_name_longer_than_thirty_two_characters>b))");
    REQUIRE(regex.ok());
    REQUIRE(regex->names().size() == 2);
    CHECK(regex->names()[0] == std::pair<std::string, std::uint32_t>{"z", 1});
    CHECK(regex->names()[1] == std::pair<std::string, std::uint32_t>{"a_name_longer_than_thirty_two_characters", 3});
}

TEST_CASE("errors read like Python's") {
    CHECK(Regex::compile(R"(ab\e)").error().message == "bad escape \\e at position 2");
    CHECK(Regex::compile("a**").error().message == "multiple repeat at position 2");
    CHECK(Regex::compile("(x").error().message == "missing ), unterminated subpattern at position 0");
}

TEST_CASE("deeply nested groups are an error, not a stack overflow") {
    const auto nest = [](int depth) { return std::string(static_cast<std::size_t>(depth), '(') + "a" + std::string(static_cast<std::size_t>(depth), ')'); };
    const auto fine = Regex::compile(nest(200));
    REQUIRE(fine.ok());
    const auto deep = Regex::compile(nest(5000));
    REQUIRE_FALSE(deep.ok());
    CHECK(deep.error().message.find("more than 250 nested groups") == 0);
}

TEST_CASE("a long line that needs deep backtracking still matches") {
    const auto regex = Regex::compile(R"((.*)\s+(\S+)\s+(\S+)\s*$)");
    REQUIRE(regex.ok());
    std::string line;
    for (int i = 0; i < 2000; ++i) line += "word ";
    line += "last1 last2";
    Captures captures;
    REQUIRE(regex->match(line, captures));
    CHECK(*captures.group(3) == "last2");
}
