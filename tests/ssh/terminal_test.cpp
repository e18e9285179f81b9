// Device output as a terminal would show it: escape sequences, pager erasure, echo.
#include "ssh/terminal.hpp"

#include <doctest/doctest.h>

using namespace nockit::ssh;

TEST_CASE("render_terminal turns device output into plain lines") {
    SUBCASE("CRLF becomes LF and trailing blanks go") {
        CHECK(render_terminal("a  \r\nb\r\n") == "a\nb\n");
    }
    SUBCASE("colour codes and other escape sequences are dropped") {
        CHECK(render_terminal("\x1b[1;32mup\x1b[0m and \x1b]0;title\x07ok\x1b(B") == "up and ok");
    }
    SUBCASE("an IOS --More-- prompt erased with backspaces leaves nothing behind") {
        std::string more = " --More-- ";
        std::string erase = std::string(more.size(), '\b') + std::string(more.size(), ' ') + std::string(more.size(), '\b');
        CHECK(render_terminal("line 1\r\n" + more + erase + "line 2\r\n") == "line 1\nline 2\n");
    }
    SUBCASE("a Junos pager prompt erased with carriage returns leaves nothing behind") {
        CHECK(render_terminal("a\r\n---(more)---\r            \rb\r\n") == "a\nb\n");
    }
    SUBCASE("erase to end of line after a carriage return clears the line") {
        CHECK(render_terminal("--More--\r\x1b[Kvalue\n") == "value\n");
    }
    SUBCASE("bells, NULs and XON/XOFF are not text") {
        CHECK(render_terminal(std::string_view("a\x07\x00\x11\x13z", 6)) == "az");
    }
    SUBCASE("tabs expand to the next multiple of eight") {
        CHECK(render_terminal("\tx") == "        x");
    }
}

TEST_CASE("strip_echo removes the device's echo of the command") {
    CHECK(strip_echo("show version\nCisco IOS\n", "show version") == "Cisco IOS\n");
    CHECK(strip_echo("sw1#show version\nCisco IOS", "show version") == "Cisco IOS");
    CHECK(strip_echo("Cisco IOS\n", "show version") == "Cisco IOS\n");
    CHECK(strip_echo("show version", "show version") == "");
}

TEST_CASE("printable escapes control bytes and invalid UTF-8 but keeps real text") {
    CHECK(printable("a\x1b[0mb") == "a\\x1b[0mb");
    CHECK(printable("caf\xc3\xa9") == "caf\xc3\xa9");
    CHECK(printable("bad\xff") == "bad\\xff");
    CHECK(printable("line\n") == "line\n");
}
