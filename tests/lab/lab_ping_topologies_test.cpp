// The noc-ping labs do what their `expect:` says: the sweep target answers on exactly its listed
// addresses and stays silent (no ICMP error) on the rest; the demo's three targets are healthy,
// lossy and dead.
#include "lab.hpp"
#include "tool_output.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <future>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using nockit::test::Lab;
using nockit::test::parse_ping;

namespace {

/// Addresses on the node's loopback (where the lab puts answering addresses), one family.
std::set<std::string> loopback_addresses(const Lab& lab, const std::string& node, int family) {
    const auto r = lab.exec(node, {"ip", "-o", family == 6 ? "-6" : "-4", "addr", "show", "dev", "lo"});
    std::set<std::string> found;
    std::istringstream in(r.out);
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream words(line);
        std::string w, prev;
        while (words >> w) {
            if (prev == "inet" || prev == "inet6") {
                const std::string a = w.substr(0, w.find('/'));
                if (a != "127.0.0.1" && a != "::1") found.insert(a);
            }
            prev = w;
        }
    }
    return found;
}

}  // namespace

TEST_CASE("sweep: exactly the listed addresses answer, the rest are silent") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("sweep");
    const auto answers = lab.answers("target");
    std::set<std::string> v4, v6;
    for (const auto& a : answers) (a.find(':') == std::string::npos ? v4 : v6).insert(a);
    CHECK(loopback_addresses(lab, "target", 4) == v4);
    CHECK(loopback_addresses(lab, "target", 6) == v6);

    // A sample, probed all at once: answering addresses reply, silent ones produce nothing at all.
    const std::vector<std::string> answering{"10.1.0.1", "10.1.1.100", "10.1.3.254", "fd00:1:1::1", "fd00:1:1::100"};
    const std::vector<std::string> silent{"10.1.0.2", "10.1.2.1", "10.1.3.255", "fd00:1:1::2", "fd00:1:1::3ff"};
    std::vector<std::future<nockit::test::Run>> probes;
    for (const auto& list : {answering, silent})
        for (const auto& a : list)
            probes.push_back(std::async(std::launch::async, [&lab, a] {
                return lab.exec("client", {"ping", "-n", "-c", "2", "-i", "0.2", "-W", "1", a});
            }));
    std::size_t i = 0;
    for (const auto& list : {answering, silent})
        for (const auto& a : list) {
            CAPTURE(a);
            const auto ping = parse_ping(probes[i++].get().out);
            REQUIRE(ping);
            const bool answers_expected = std::find(answering.begin(), answering.end(), a) != answering.end();
            CHECK(ping->received == (answers_expected ? 2 : 0));
            CHECK(ping->errors == 0);
            if (answers_expected) CHECK(ping->min_ms == doctest::Approx(10).epsilon(0.02 + 1.0 / 10));
        }
    for (const auto& a : answering) CHECK(v4.count(a) + v6.count(a) == 1);
    for (const auto& a : silent) CHECK(v4.count(a) + v6.count(a) == 0);
}

TEST_CASE("demo: one healthy, one lossy and one dead target") {
    NOCKIT_REQUIRE_LAB();
    Lab lab("demo");
    const auto& targets = lab.expect().at("targets");
    std::vector<std::future<nockit::test::Run>> probes;
    for (const auto& t : targets) {
        const std::string a = t.at("ipv4").get<std::string>();
        probes.push_back(std::async(std::launch::async, [&lab, a] {
            return lab.exec("client", {"ping", "-n", "-q", "-c", "100", "-i", "0.02", "-W", "1", a});
        }));
    }
    for (std::size_t i = 0; i < targets.size(); ++i) {
        const auto& t = targets[i];
        CAPTURE(t.dump());
        const auto ping = parse_ping(probes[i].get().out);
        REQUIRE(ping);
        const double loss = t.at("loss_pct").get<double>();
        // ±4 standard deviations of 100 samples around the configured loss.
        const double band = loss > 0 && loss < 100 ? 18 : 0;
        CHECK(ping->loss_pct() >= loss - band);
        CHECK(ping->loss_pct() <= loss + band);
        CHECK(ping->errors == 0);
        if (t.contains("rtt_ms")) {
            const double rtt = t.at("rtt_ms").get<double>();
            CHECK(ping->avg_ms == doctest::Approx(rtt).epsilon(0.02 + 1.0 / rtt));  // 1 ms + 2 %
        }
    }
    // The healthy target has a web server; the dead one answers nothing, not even a TCP reset.
    const auto web = lab.exec("client", {"/usr/bin/python3", "-c",
                                         "import socket,sys\n"
                                         "for a in sys.argv[1:]:\n"
                                         "  s=socket.socket(); s.settimeout(1)\n"
                                         "  try: s.connect((a,80)); print(a,'open')\n"
                                         "  except socket.timeout: print(a,'silent')\n"
                                         "  except OSError as e: print(a,'refused')\n",
                                         "10.20.1.2", "10.20.3.2"});
    CHECK(web.out == "10.20.1.2 open\n10.20.3.2 silent\n");
}
