// Reading facts out of parsed records: numbers, durations and timestamps as each platform
// writes them ("1 week, 3 days", "1d02h", "00:37:12", "2024-01-29 14:02:11 UTC", "Jan 29 14:02:11").
#pragma once

#include <nlohmann/json.hpp>

#include <ctime>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nockit::query {

/// One parsed record: lower-case field names to text (or lists of text), ntc-templates' JSON shape.
using Record = nlohmann::json;

/// A lower-case copy (ASCII), for comparing what devices print without regard to case.
std::string lower(std::string_view s);

/// The first non-empty value among `names` in the records, in record order.
std::optional<std::string> field(const std::vector<Record>& records, std::initializer_list<const char*> names);

/// A number as devices print it: "12", "1,234", "-7.10", "5%". nullopt for anything else.
std::optional<double> to_number(std::string_view text);

/// A duration in seconds: "12 weeks, 3 days, 4 hours, 5 minutes", "85 day(s), 4 hour(s)", "1d02h",
/// "3w0d 04:42", "00:37:12", "10 days,  3:25", "37 minutes, 12 seconds", "2 hours and 5 minutes".
std::optional<long long> parse_duration(std::string_view text);

/// A point in time: "2024-01-29 14:02:11 UTC", "2024-01-29T14:02:11+0000", "Jan 29 14:02:11"
/// (no year: the latest such moment not after `now`). Times without a zone are taken as UTC.
std::optional<std::time_t> parse_timestamp(std::string_view text, std::time_t now);

/// "37 minutes", "2 hours 5 minutes", "3 days 4 hours": how long, in plain words.
std::string plain_duration(long long seconds);

/// "14:02" local time, with the date in front when it is not today ("28 Nov 14:02").
std::string plain_time(std::time_t t, std::time_t now);

/// True when `typed` names `port`: same numbers, and the letters of one abbreviate the other
/// ("Gi1/0/3" and "GigabitEthernet1/0/3", "Et3" and "Ethernet3").
bool same_port(std::string_view typed, std::string_view port);

/// MAC address in one spelling (lower-case, colon-separated) whatever the device wrote.
std::string normal_mac(std::string_view mac);

}  // namespace nockit::query
