// Fuzz target: the translation of Python regular expressions to PCRE2, and matching with
// the result on ASCII, Unicode and empty subjects.
#include "textfsm/regex.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string_view pattern(reinterpret_cast<const char*>(data), size);
    const auto regex = nockit::textfsm::Regex::compile(pattern);
    if (!regex) return 0;
    static const std::string_view subjects[] = {
        "", "GigabitEthernet0/1 is up, line protocol is up", "  12 input errors, 9 CRC",
        "caf\xc3\xa9\xc2\xa0\xe6\x97\xa5\xe6\x9c\xac 42", "\x1f\x09 x", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaab",
    };
    nockit::textfsm::Captures captures;
    for (const auto subject : subjects) {
        if (!regex->match(subject, captures)) continue;
        for (std::uint32_t g = 0; g <= regex->capture_count(); ++g) {
            const auto text = captures.group(g);
            if (text && (text->data() < subject.data() || text->data() + text->size() > subject.data() + subject.size()))
                std::abort();
        }
    }
    return 0;
}
