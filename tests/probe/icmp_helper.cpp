// Test helper run as an unprivileged user: opens the ICMP engine for the given addresses, probes them
// once each, and prints "mode raw|datagram" then one line per result; on error prints it and exits 3.
#include "probe/engine.hpp"

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace nockit::probe;

int main(int argc, char** argv) {
    std::vector<nockit::net::Address> targets;
    bool v4 = false, v6 = false;
    for (int i = 1; i < argc; ++i) {
        auto a = nockit::net::Address::parse(argv[i]);
        if (!a) {
            std::fprintf(stderr, "not an address: %s\n", argv[i]);
            return 3;
        }
        targets.push_back(*a);
        (a->is_v4() ? v4 : v6) = true;
    }
    Options o;
    o.timeout = std::chrono::milliseconds(500);
    auto engine = Engine::open(o, v4, v6);
    if (!engine.ok()) {
        std::fprintf(stderr, "%s\n", engine.error().message.c_str());
        return 3;
    }
    std::printf("mode %s\n", (*engine)->unprivileged() ? "datagram" : "raw");
    auto ran = (*engine)->run(targets, [&](const ProbeResult& r) {
        std::printf("%s %s %s %d %d %lld%s\n", targets[r.target].to_string().c_str(),
                    std::string(to_string(r.outcome)).c_str(), r.from.to_string().c_str(), r.icmp_type, r.icmp_code,
                    static_cast<long long>(r.rtt.count() / 1000), r.duplicate ? " duplicate" : "");
    });
    if (!ran.ok()) {
        std::fprintf(stderr, "%s\n", ran.error().message.c_str());
        return 3;
    }
    return 0;
}
