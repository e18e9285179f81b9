// Parse-time measurement for bench/parse: every conformance case, templates compiled once and
// input already in memory; prints "case<TAB>records<TAB>nanoseconds" (best of repeated runs).
// Time is the CPU time of this thread, so that other work on a busy machine does not count.
#include "conformance_cases.hpp"

#include "textfsm/library.hpp"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstdlib>
#include <exception>
#include <string>

int main(int argc, char** argv) {
    using namespace nockit;
    const auto now_ns = [] {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
    };
    // Each case is repeated until this much time has been spent on it; the best run counts.
    const double budget_ms = argc > 1 ? std::atof(argv[1]) : 20.0;
    std::string looked_at;
    const auto root = test::conformance_root(looked_at);
    if (!root) {
        std::fprintf(stderr, "conformance data not found at %s\n", looked_at.c_str());
        return 3;
    }
    try {
        test::ConformanceTemplates templates(*root);
        for (const auto& c : test::conformance_cases(*root / "tests")) {
            const auto picked = templates.for_case(c);
            if (!picked) {
                std::fprintf(stderr, "%s: %s\n", c.label.c_str(), picked.error().message.c_str());
                return 1;
            }
            const std::string input = test::read_file(c.raw);
            // Runs are timed in batches long enough that reading the clock costs nothing.
            const auto batch = [&](int runs, std::size_t& records) -> double {
                const double start = now_ns();
                for (int r = 0; r < runs; ++r) {
                    const auto table = textfsm::parse_with(*picked, input);
                    if (!table) {
                        std::fprintf(stderr, "%s: %s\n", c.label.c_str(), table.error().message.c_str());
                        std::exit(1);
                    }
                    records = table->rows.size();
                }
                return (now_ns() - start) / runs;
            };
            std::size_t records = 0;
            const double first = batch(1, records);
            const int runs = static_cast<int>(std::clamp(200e3 / std::max(first, 1.0), 1.0, 10000.0));
            double best = first, spent = first;
            for (int b = 0; b < 3 || spent < budget_ms * 1e6; ++b) {
                const double each = batch(runs, records);
                best = std::min(best, each);
                spent += each * runs;
            }
            std::printf("%s\t%zu\t%.0f\n", c.label.c_str(), records, best);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}
