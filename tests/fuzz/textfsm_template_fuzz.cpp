// Fuzz target: the template parser (Values, states, rules, actions, embedded regexes).
// Whatever compiles is also run over a small sample of device output.
#include "fuzz_checks.hpp"
#include "textfsm/template.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

constexpr std::string_view kSample =
    "Interface              IP-Address      OK? Method Status                Protocol\r\n"
    "GigabitEthernet0/0     192.0.2.1       YES NVRAM  up                    up\n"
    "  Description: caf\xc3\xa9 \xe2\x80\x94 uplink\xc2\xa0" "A\n"
    "\n"
    "Vlan100 is up, line protocol is up\x0b" "x 1 2 3\n"
    "  5 minute input rate 2000 bits/sec, 3 packets/sec\n"
    "\xff\xfe invalid\x00nul\n"
    "end";

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto compiled = nockit::textfsm::Template::compile(text, "fuzz.textfsm");
    if (!compiled) return 0;
    const auto table = (*compiled)->parse(kSample);
    if (table) nockit::fuzz::check_table(*table);
    return 0;
}
