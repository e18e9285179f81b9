// Target expansion: what the engineer types becomes addresses, or a one-line error with the fix.
#include "ping/targets.hpp"

#include <doctest/doctest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

using namespace nockit;
using namespace nockit::ping;

namespace {
Result<std::vector<Target>> expand(std::vector<std::string> specs, bool force = false, int family = 0) {
    TargetRequest r;
    r.specs = std::move(specs);
    r.force = force;
    r.family = family;
    return expand_targets(r);
}
}  // namespace

TEST_CASE("addresses, ranges and names in the order given") {
    auto t = expand({"127.0.0.1", "10.1.0.0/30", "::1", "localhost"});
    REQUIRE(t.ok());
    REQUIRE(t->size() == 7);
    CHECK((*t)[0].address.to_string() == "127.0.0.1");
    CHECK((*t)[1].address.to_string() == "10.1.0.0");
    CHECK((*t)[4].address.to_string() == "10.1.0.3");
    CHECK((*t)[1].from_range);
    CHECK_FALSE((*t)[0].from_range);
    CHECK((*t)[5].address.to_string() == "::1");
    CHECK((*t)[6].given == "localhost");
    CHECK((*t)[6].address.is_loopback());
}

TEST_CASE("a /22 is 1,024 targets; a /8 needs --force") {
    auto t = expand({"10.1.0.0/22"});
    REQUIRE(t.ok());
    CHECK(t->size() == 1024);
    auto big = expand({"10.0.0.0/8"});
    REQUIRE_FALSE(big.ok());
    CHECK(big.error().message.find("10.0.0.0/8") == 0);
    CHECK(big.error().message.find("--force") != std::string::npos);
    CHECK(big.error().code == Severity::unknown);
}

TEST_CASE("bad input is a one-line error naming the input") {
    for (const char* bad : {"10.1.0.0/33", "10.1.0.1/22", "300.1.2.3/24", "a b"}) {
        CAPTURE(bad);
        auto t = expand({bad});
        REQUIRE_FALSE(t.ok());
        CHECK(t.error().message.find(bad) != std::string::npos);
        CHECK(t.error().message.find('\n') == std::string::npos);
    }
    auto name = expand({"no-such-host.invalid"});
    REQUIRE_FALSE(name.ok());
    CHECK(name.error().message.find("no-such-host.invalid") != std::string::npos);
}

TEST_CASE("@file: one target per line, comments and blanks ignored; unreadable file named") {
    std::string path = "/tmp/nockit-targets-" + std::to_string(::getpid());
    {
        std::ofstream f(path);
        f << "# customer routers\n127.0.0.1\n\n127.0.0.2  # second\n";
    }
    auto t = expand({"@" + path});
    std::remove(path.c_str());
    REQUIRE(t.ok());
    REQUIRE(t->size() == 2);
    CHECK((*t)[1].address.to_string() == "127.0.0.2");
    auto missing = expand({"@/nonexistent/targets.txt"});
    REQUIRE_FALSE(missing.ok());
    CHECK(missing.error().message.find("@/nonexistent/targets.txt") == 0);
}

TEST_CASE("-4 / -6 filter what names resolve to and reject the other family") {
    auto v6 = expand({"127.0.0.1"}, false, AF_INET6);
    REQUIRE_FALSE(v6.ok());
    CHECK(v6.error().message.find("-6") != std::string::npos);
    auto v4 = expand({"localhost"}, false, AF_INET);
    REQUIRE(v4.ok());
    CHECK((*v4)[0].address.is_v4());
}
