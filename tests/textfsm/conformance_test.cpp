// Conformance with the reference TextFSM: every ntc-templates test case, parsed with the
// template(s) the index picks, must give exactly the expected records.
#include "conformance_cases.hpp"

#include "textfsm/library.hpp"

#include "textfsm/table.hpp"

#include <cstdio>
#include <exception>
#include <string>

namespace {

// The first difference between two record lists, in words.
std::string first_difference(const nlohmann::json& got, const nlohmann::json& want) {
    if (got.size() != want.size())
        return "got " + std::to_string(got.size()) + " records, expected " + std::to_string(want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        if (got[i] == want[i]) continue;
        for (const auto& [key, value] : want[i].items()) {
            if (!got[i].contains(key)) return "record " + std::to_string(i) + ": missing key '" + key + "'";
            if (got[i][key] != value)
                return "record " + std::to_string(i) + " key '" + key + "': got " + got[i][key].dump() +
                       ", expected " + value.dump();
        }
        return "record " + std::to_string(i) + ": extra keys, got " + got[i].dump();
    }
    return "equal";
}

}  // namespace

int main() {
    using namespace nockit;
    std::string looked_at;
    const auto root = test::conformance_root(looked_at);
    if (!root) {
        std::printf("conformance data not found at %s; skipping (set NOCKIT_TEXTFSM_CONFORMANCE to its folder)\n",
                    looked_at.c_str());
        return 77;
    }
    try {
        test::ConformanceTemplates templates(*root);
        const auto cases = test::conformance_cases(*root / "tests");
        std::size_t passed = 0;
        for (const auto& c : cases) {
            const auto picked = templates.for_case(c);
            if (!picked) {
                std::printf("FAIL %s: %s\n", c.label.c_str(), picked.error().message.c_str());
                continue;
            }
            const auto table = textfsm::parse_with(*picked, test::read_file(c.raw));
            if (!table) {
                std::printf("FAIL %s: %s\n", c.label.c_str(), table.error().message.c_str());
                continue;
            }
            const nlohmann::json got = textfsm::to_json(*table);
            const nlohmann::json want = test::expected_records(c.expected);
            if (got == want) {
                ++passed;
            } else {
                std::printf("FAIL %s: %s\n", c.label.c_str(), first_difference(got, want).c_str());
            }
        }
        std::printf("textfsm conformance: %zu of %zu cases pass (data: %s)\n", passed, cases.size(),
                    root->string().c_str());
        return passed == cases.size() && !cases.empty() ? 0 : 1;
    } catch (const std::exception& e) {
        std::printf("conformance run failed: %s\n", e.what());
        return 1;
    }
}
