// The ways devices write durations, times, numbers, port names and MAC addresses.
#include "query/facts.hpp"

#include <doctest/doctest.h>

using namespace nockit::query;

TEST_CASE("durations in every platform's words") {
    CHECK(parse_duration("12 weeks, 3 days, 4 hours, 5 minutes") == 12 * 604800 + 3 * 86400 + 4 * 3600 + 5 * 60);
    CHECK(parse_duration("1 week, 3 days, 3 hours, 25 minutes") == 604800 + 3 * 86400 + 3 * 3600 + 25 * 60);
    CHECK(parse_duration("85 day(s), 4 hour(s), 5 minute(s), 6 second(s)") == 85 * 86400 + 4 * 3600 + 5 * 60 + 6);
    CHECK(parse_duration("00:37:12") == 37 * 60 + 12);
    CHECK(parse_duration("1d02h") == 86400 + 2 * 3600);
    CHECK(parse_duration("5week(s) 2day(s)") == 5 * 604800 + 2 * 86400);
    CHECK(parse_duration("3w0d 04:42") == 3 * 604800 + 4 * 3600 + 42 * 60);
    CHECK(parse_duration("10 days,  3:25") == 10 * 86400 + 3 * 3600 + 25 * 60);
    CHECK(parse_duration("37 minutes, 12 seconds") == 37 * 60 + 12);
    CHECK(parse_duration("3 weeks, 0 days, 4 hours and 42 minutes") == 3 * 604800 + 4 * 3600 + 42 * 60);
    CHECK_FALSE(parse_duration("never").has_value());
    CHECK_FALSE(parse_duration("").has_value());
    CHECK_FALSE(parse_duration("12 parsecs").has_value());
}

TEST_CASE("timestamps with and without a year") {
    std::time_t now = 1706539331;  // 2024-01-29 14:42:11 UTC
    CHECK(parse_timestamp("2024-01-29 14:02:11 UTC", now) == 1706536931);
    CHECK(parse_timestamp("2024-01-29T15:02:11+0100", now) == 1706536931);
    CHECK(parse_timestamp("Jan 29 14:02:11", now) == 1706536931);
    CHECK(parse_timestamp("*Jan 29 14:02:11.123", now) == 1706536931);
    CHECK(parse_timestamp("Dec 31 23:00:00", now) == 1704063600);  // last year's, not a future date
    CHECK_FALSE(parse_timestamp("yesterday", now).has_value());
}

TEST_CASE("numbers, plain words, ports and MAC addresses") {
    CHECK(to_number("1,234") == 1234);
    CHECK(to_number("-7.10") == doctest::Approx(-7.1));
    CHECK(to_number("5%") == 5);
    CHECK_FALSE(to_number("n/a").has_value());
    CHECK(plain_duration(2220) == "37 minutes");
    CHECK(plain_duration(7500) == "2 hours 5 minutes");
    CHECK(plain_duration(3 * 86400 + 4 * 3600) == "3 days 4 hours");
    CHECK(plain_duration(1) == "1 second");
    CHECK(same_port("Gi1/0/3", "GigabitEthernet1/0/3"));
    CHECK(same_port("gigabitethernet1/0/3", "GigabitEthernet1/0/3"));
    CHECK(same_port("Et3", "Ethernet3"));
    CHECK_FALSE(same_port("Gi1/0/3", "GigabitEthernet1/0/30"));
    CHECK_FALSE(same_port("Te1/0/3", "GigabitEthernet1/0/3"));
    CHECK(same_port("ge-0/0/2", "ge-0/0/2"));
    CHECK(same_port("ge-0/0/2.0", "ge-0/0/2"));  // a logical unit is on its port
    CHECK_FALSE(same_port("ge-0/0/20.0", "ge-0/0/2"));
    CHECK(normal_mac("0050.56AB.cd01") == "00:50:56:ab:cd:01");
    CHECK(normal_mac("00-50-56-ab-cd-01") == "00:50:56:ab:cd:01");
}
