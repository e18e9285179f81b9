// What an engineer types is checked before any socket opens: each mistake is one line naming the
// option and what is allowed.
#include "trace/trace.hpp"

#include <doctest/doctest.h>
#include <sys/socket.h>

#include <cmath>
#include <functional>

using namespace nockit;
using namespace nockit::trace;

namespace {

std::string error_of(const std::function<void(TraceOptions&)>& change) {
    TraceOptions o;
    o.target = "192.0.2.1";
    change(o);
    auto r = validate(o);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find('\n') == std::string::npos);
    return r.error().message;
}

}  // namespace

TEST_CASE("the defaults are valid") {
    TraceOptions o;
    o.target = "192.0.2.1";
    CHECK(validate(o).ok());
    o.first_ttl = 5;
    o.max_ttl = 5;
    o.rounds = 1000;
    o.interval_s = 0;
    o.flows = 2;
    CHECK(validate(o).ok());
}

TEST_CASE("out-of-range options name themselves and the allowed range") {
    CHECK(error_of([](auto& o) { o.target.clear(); }).find("destination") != std::string::npos);
    CHECK(error_of([](auto& o) { o.max_ttl = 0; }).find("--max-ttl 0 is out of range: use 1 to 255") != std::string::npos);
    CHECK(error_of([](auto& o) { o.max_ttl = 256; }).find("--max-ttl 256") != std::string::npos);
    CHECK(error_of([](auto& o) { o.first_ttl = 0; }).find("--first-ttl 0") != std::string::npos);
    CHECK(error_of([](auto& o) { o.first_ttl = 10, o.max_ttl = 5; }).find("--first-ttl 10 is beyond -m/--max-ttl 5") != std::string::npos);
    CHECK(error_of([](auto& o) { o.rounds = 0; }).find("-c/-q 0 rounds") != std::string::npos);
    CHECK(error_of([](auto& o) { o.wait_s = 0; }).find("-w/--wait 0") != std::string::npos);
    CHECK(error_of([](auto& o) { o.wait_s = std::nan(""); }).find("--wait") != std::string::npos);
    CHECK(error_of([](auto& o) { o.interval_s = -0.5; }).find("--interval -0.5 is out of range") != std::string::npos);
    CHECK(error_of([](auto& o) { o.interval_s = 61; }).find("--interval 61") != std::string::npos);
    CHECK(error_of([](auto& o) { o.rate_pps = 0.5; }).find("--rate") != std::string::npos);
    CHECK(error_of([](auto& o) { o.flows = 65; }).find("--flows 65 is out of range: use 1 to 64") != std::string::npos);
    CHECK(error_of([](auto& o) { o.family = AF_UNIX; }).find("-4") != std::string::npos);
    CHECK(error_of([](auto& o) { o.method = Method::tcp, o.mtu = true; }).find("--mtu") != std::string::npos);
}

TEST_CASE("a trace that would need more probe numbers than there are is refused up front") {
    auto msg = error_of([](auto& o) { o.rounds = 1000, o.flows = 64; });
    CHECK(msg.find("1000 rounds x 64 flows x 30 TTLs") == 0);
    CHECK(msg.find("lower -c, --flows or -m") != std::string::npos);
}
