// Parse-time measurement for bench/parse: conformance cases, templates compiled once and input
// already in memory; prints "case<TAB>records<TAB>nanoseconds" (best of repeated runs). Time
// is the CPU time of this thread, so that other work on a busy machine does not count.
#include "conformance_cases.hpp"

#include "textfsm/library.hpp"

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <exception>
#include <string>

int main(int argc, char** argv) {
    using namespace nockit;
    // Each case is repeated until this much time has been spent on it; the best run counts.
    // With --serve, cases are timed on request: each stdin line "LABEL BUDGET_MS" is answered
    // with a line "LABEL<TAB>records<TAB>ns", so that a caller can interleave its own timings.
    const bool serve = argc > 1 && std::string(argv[1]) == "--serve";
    const double default_budget_ms = !serve && argc > 1 ? std::atof(argv[1]) : 20.0;
    const auto now_ns = [] {
        timespec ts{};
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
    };
    std::string looked_at;
    const auto root = test::conformance_root(looked_at);
    if (!root) {
        std::fprintf(stderr, "conformance data not found at %s\n", looked_at.c_str());
        return 3;
    }
    try {
        test::ConformanceTemplates templates(*root);
        const auto cases = test::conformance_cases(*root / "tests");
        const auto time_case = [&](const test::ConformanceCase& c, double budget_ms) {
            const auto picked = templates.for_case(c);
            if (!picked) {
                std::fprintf(stderr, "%s: %s\n", c.label.c_str(), picked.error().message.c_str());
                std::exit(1);
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
            std::fflush(stdout);
        };
        if (!serve) {
            for (const auto& c : cases) time_case(c, default_budget_ms);
            return 0;
        }
        std::map<std::string, const test::ConformanceCase*> by_label;
        for (const auto& c : cases) by_label[c.label] = &c;
        double budget_ms = 0;
        char line[4096];
        while (std::fgets(line, sizeof line, stdin) != nullptr) {
            char name[4096];
            if (std::sscanf(line, "%4095s %lf", name, &budget_ms) != 2) continue;
            const auto found = by_label.find(name);
            if (found == by_label.end()) {
                std::printf("%s\t-1\t-1\n", name);
                std::fflush(stdout);
                continue;
            }
            time_case(*found->second, budget_ms);
        }
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
    return 0;
}
