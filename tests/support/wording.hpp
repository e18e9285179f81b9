// Checks every finding of a report against the built-in catalogue, as the programs word them:
// a missing code or placeholder fails the test, and customer text must be free of jargon.
#pragma once

#include "explain/catalogue.hpp"

#include <doctest/doctest.h>

namespace nockit::test {

inline void word_all(Report& report) {
    for (auto& f : report.findings) {
        CAPTURE(f.code);
        auto r = explain::Catalogue::builtin().explain(f);
        if (!r.ok()) FAIL(r.error().message);
        CHECK(explain::jargon_in(f.customer).empty());
    }
}

}  // namespace nockit::test
