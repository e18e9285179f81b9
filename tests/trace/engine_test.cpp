// The round scheduler and path-MTU discovery against simulated paths (no network, a simulated clock):
// how long a trace takes, what it sends, when it stops waiting; and what --mtu concludes.
#include "trace/engine.hpp"
#include "trace/names.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <thread>

using namespace nockit;
using namespace nockit::trace;
using namespace std::chrono_literals;
using Clock = probe::PathDriver::Clock;

namespace {

const auto kDest = *net::Address::parse("10.9.0.2");
net::Address router(int ttl) { return *net::Address::parse("10.0." + std::to_string(ttl) + ".1"); }

/// What a simulated path answers to a probe (ttl, how many were sent before it, flow): nothing, or an
/// answer after a delay.
struct SimAnswer {
    probe::PathAnswer answer;
    std::chrono::nanoseconds after;
};
using SimPath = std::function<std::optional<SimAnswer>(int ttl, int round, int flow)>;

/// A chain of `hops` routers (the last one the destination), `per_hop` of round trip each.
SimPath chain(int hops, std::chrono::nanoseconds per_hop) {
    return [=](int ttl, int, int) -> std::optional<SimAnswer> {
        SimAnswer a;
        a.after = per_hop * std::min(ttl, hops);
        if (ttl >= hops) {
            a.answer.outcome = probe::Outcome::reply;
            a.answer.from = kDest;
        } else {
            a.answer.outcome = probe::Outcome::icmp_error;
            a.answer.icmp_type = 11;
            a.answer.from = router(ttl);
        }
        return a;
    };
}

struct SimRun {
    std::chrono::nanoseconds elapsed{0};
    std::size_t sent = 0;
    std::vector<int> sent_ttls;
};

/// Drives `driver` like the probe engine would, with unlimited pacing and a simulated clock.
SimRun simulate(RoundScheduler& driver, const SimPath& path, std::chrono::nanoseconds wait) {
    const Clock::time_point start{std::chrono::seconds(1000)};
    Clock::time_point now = start;
    std::vector<std::pair<Clock::time_point, probe::PathAnswer>> coming;
    SimRun run;
    for (int step = 0; step < 100000; ++step) {
        // Deliver what has arrived.
        std::stable_sort(coming.begin(), coming.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
        while (!coming.empty() && coming.front().first <= now) {
            driver.answered(coming.front().second);
            coming.erase(coming.begin());
        }
        auto wake = driver.wake(now);
        if (!wake) break;
        while (auto p = driver.due(now)) {
            driver.sent(*p, now);
            ++run.sent;
            run.sent_ttls.push_back(p->ttl);
            auto a = path(p->ttl, static_cast<int>(run.sent - 1), p->flow);
            if (a) {
                a->answer.id = p->id;
                a->answer.rtt = a->after;
                coming.emplace_back(now + a->after, a->answer);
            }
        }
        Clock::time_point next = *wake;
        for (const auto& c : coming) next = std::min(next, c.first);
        REQUIRE(next >= now);
        if (next == now) next = now + 1us;
        now = next;
        if (now - start > 10 * wait + 100s) FAIL("the trace never finished");
    }
    run.elapsed = now - start;
    return run;
}

Schedule schedule(int rounds, std::chrono::nanoseconds interval = 50ms, std::chrono::nanoseconds wait = 1s) {
    Schedule s;
    s.rounds = rounds;
    s.interval = interval;
    s.wait = wait;
    return s;
}

std::size_t answered_at(const std::vector<ProbeRecord>& rs, int ttl) {
    return static_cast<std::size_t>(std::count_if(rs.begin(), rs.end(), [&](const ProbeRecord& r) {
        return r.ttl == ttl && r.answer != Answer::none;
    }));
}

}  // namespace

TEST_CASE("all TTLs in flight at once: a complete hop list costs one round trip") {
    auto s = schedule(1);
    RoundScheduler rounds(s, kDest);
    auto run = simulate(rounds, chain(9, 6667us), s.wait);
    CHECK(run.sent == 30);                    // every TTL went out together...
    CHECK(run.elapsed <= 61ms);               // ...and the last answer (the destination, ~60 ms) ends it
    Path p = build_path("d", kDest, Method::icmp, 0, 1, rounds.records(), 30);
    CHECK(p.destination_reached);
    CHECK(p.hops.size() == 9);
    CHECK(rounds.resolved() == rounds.planned());
}

TEST_CASE("later rounds stop at the destination; 10 rounds take 9 intervals and a round trip") {
    auto s = schedule(10);
    RoundScheduler rounds(s, kDest);
    auto run = simulate(rounds, chain(9, 6667us), s.wait);
    // Rounds 1 and 2 start before the destination's first answer (60 ms) and probe every TTL; the
    // other eight stop at TTL 9.
    CHECK(run.sent == 2 * 30 + 8 * 9);
    CHECK(run.elapsed <= 9 * 50ms + 61ms);
    auto rs = rounds.records();
    for (int ttl = 1; ttl <= 9; ++ttl) CHECK(answered_at(rs, ttl) == 10);
    CHECK(std::count_if(rs.begin(), rs.end(), [](const ProbeRecord& r) { return r.ttl > 9; }) == 2 * 21);
}

TEST_CASE("a silent router is given up on once the hops after it answer, long before the wait") {
    auto s = schedule(1);
    RoundScheduler rounds(s, kDest);
    auto base = chain(5, 2ms);
    auto run = simulate(rounds, [&](int ttl, int r, int f) -> std::optional<SimAnswer> {
        if (ttl == 2) return std::nullopt;
        return base(ttl, r, f);
    }, s.wait);
    // Answers within 10 ms; the silent hop gets the grace (at least 30 ms, 3 x 10 ms), not the 1 s wait.
    CHECK(run.elapsed >= 30ms);
    CHECK(run.elapsed <= 45ms);
    Path p = build_path("d", kDest, Method::icmp, 0, 1, rounds.records(), 30);
    REQUIRE(p.hops.size() == 5);
    CHECK(p.hops[1].received == 0);
    CHECK(p.hops[1].sent == 1);
}

TEST_CASE("a destination that never answers costs the rounds and one wait, no more") {
    auto s = schedule(3);
    RoundScheduler rounds(s, kDest);
    auto base = chain(30, 6667us);
    auto run = simulate(rounds, [&](int ttl, int r, int f) -> std::optional<SimAnswer> {
        if (ttl > 8) return std::nullopt;
        return base(ttl, r, f);
    }, s.wait);
    CHECK(run.elapsed == 2 * 50ms + 1s);
    CHECK(run.sent == 90);
    Path p = build_path("d", kDest, Method::icmp, 0, 3, rounds.records(), 30);
    CHECK_FALSE(p.destination_reached);
    CHECK(p.hops.size() == 9);  // the eight routers and one silent hop that shows where it ends
}

TEST_CASE("a lost probe at the destination is given up once a later round's probe came back") {
    auto s = schedule(5, 10ms, 1s);
    RoundScheduler rounds(s, kDest);
    auto base = chain(3, 2ms);
    int dest_probes = 0;
    auto run = simulate(rounds, [&](int ttl, int r, int f) -> std::optional<SimAnswer> {
        if (ttl >= 3 && dest_probes++ == 0) return std::nullopt;  // the first destination probe is lost
        return base(ttl, r, f);
    }, s.wait);
    CHECK(run.elapsed < 100ms);
    CHECK(answered_at(rounds.records(), 3) == 4);
}

TEST_CASE("an answer later than the wait counts as none") {
    auto s = schedule(1, 50ms, 100ms);
    RoundScheduler rounds(s, kDest);
    auto base = chain(3, 2ms);
    simulate(rounds, [&](int ttl, int r, int f) -> std::optional<SimAnswer> {
        auto a = base(ttl, r, f);
        if (ttl == 3) a->after = 150ms;
        return a;
    }, s.wait);
    CHECK(answered_at(rounds.records(), 3) == 0);
}

TEST_CASE("an unreachable answer ends the path: later rounds do not probe past it") {
    auto s = schedule(3);
    RoundScheduler rounds(s, kDest);
    auto run = simulate(rounds, [&](int ttl, int, int) -> std::optional<SimAnswer> {
        SimAnswer a;
        a.after = 1ms * ttl;
        a.answer.outcome = probe::Outcome::icmp_error;
        a.answer.from = router(std::min(ttl, 3));
        a.answer.icmp_type = ttl >= 3 ? 3 : 11;
        a.answer.icmp_code = 13;
        return a;
    }, s.wait);
    CHECK(run.sent == 30 + 2 * 3);
    Path p = build_path("d", kDest, Method::icmp, 0, 3, rounds.records(), 30);
    REQUIRE(p.hops.size() == 3);
    CHECK(p.hops[2].unreachable);
}

TEST_CASE("probes that cannot be sent end the trace instead of hanging it") {
    auto s = schedule(2);
    RoundScheduler rounds(s, kDest);
    const Clock::time_point now{std::chrono::seconds(5)};
    int failures = 0;
    for (int i = 0; i < 1000; ++i) {
        auto w = rounds.wake(now + 50ms * (i / 100));
        if (!w) break;
        while (auto p = rounds.due(now + 50ms * (i / 100))) {
            probe::PathAnswer a;
            a.id = p->id;
            a.outcome = probe::Outcome::send_failed;
            a.detail = "Network is unreachable";
            rounds.answered(a);
            ++failures;
        }
    }
    CHECK_FALSE(rounds.wake(now + 1s));
    CHECK(failures == 60);
    CHECK(rounds.sent_count() == 0);
    CHECK(rounds.send_failures() == 60);
    CHECK(rounds.first_send_error() == "Network is unreachable");
}

TEST_CASE("flows: every TTL once per flow per round; ports of UDP answers classify as reached") {
    auto s = schedule(1);
    s.flows = 4;
    s.max_ttl = 5;
    RoundScheduler rounds(s, kDest);
    auto run = simulate(rounds, chain(3, 1ms), s.wait);
    CHECK(run.sent == 20);
    probe::PathAnswer port;
    port.outcome = probe::Outcome::icmp_error;
    port.from = kDest;
    port.icmp_type = 3;
    port.icmp_code = 3;
    CHECK(classify(port, kDest) == Answer::reply);
    port.from = router(2);  // the same code from a router is not the destination
    CHECK(classify(port, kDest) == Answer::unreachable);
    port.icmp_code = 13;
    CHECK(classify(port, kDest) == Answer::unreachable);
    port.icmp_type = 11;
    CHECK(classify(port, kDest) == Answer::time_exceeded);
    auto v6 = *net::Address::parse("2001:db8::9");
    probe::PathAnswer p6;
    p6.outcome = probe::Outcome::icmp_error;
    p6.from = v6;
    p6.icmp_type = 1;
    p6.icmp_code = 4;
    CHECK(classify(p6, v6) == Answer::reply);
    p6.outcome = probe::Outcome::refused;  // a TCP reset: the host is there
    CHECK(classify(p6, v6) == Answer::reply);
}

namespace {

// A path for MTU discovery: link i (1-based) leads to hop i and carries at most mtu[i-1] bytes;
// router i-1 refuses larger packets with "fragmentation needed" unless it is in `silent`.
struct MtuPath {
    std::vector<int> mtu;
    std::vector<int> silent;  // routers whose "fragmentation needed" is filtered
    std::vector<ProbeBatch::Result> operator()(const std::vector<ProbeBatch::Item>& items) const {
        std::vector<ProbeBatch::Result> out(items.size());
        const int dest = static_cast<int>(mtu.size());
        for (std::size_t k = 0; k < items.size(); ++k) {
            const int ttl = std::min(items[k].ttl, dest);
            const int size = static_cast<int>(items[k].size);
            auto& r = out[k];
            int blocked = 0;
            for (int link = 1; link <= ttl && !blocked; ++link)
                if (size > mtu[static_cast<std::size_t>(link - 1)]) blocked = link;
            if (blocked) {
                int refuser = blocked - 1;
                if (refuser == 0 || std::count(silent.begin(), silent.end(), refuser)) continue;
                r.answered = true;
                r.answer.outcome = probe::Outcome::icmp_error;
                r.answer.icmp_type = 3;
                r.answer.icmp_code = 4;
                r.answer.next_hop_mtu = static_cast<uint32_t>(mtu[static_cast<std::size_t>(blocked - 1)]);
                r.answer.from = router(refuser);
                continue;
            }
            r.answered = true;
            if (ttl >= dest) {
                r.answer.outcome = probe::Outcome::reply;
                r.answer.from = kDest;
            } else {
                r.answer.outcome = probe::Outcome::icmp_error;
                r.answer.icmp_type = 11;
                r.answer.from = router(ttl);
            }
        }
        return out;
    }
};

MtuPlan plan_for(const MtuPath& path) {
    MtuPlan plan;
    plan.destination = kDest;
    plan.destination_ttl = static_cast<int>(path.mtu.size());
    plan.local_mtu = path.mtu.front();
    for (int t = 1; t <= plan.destination_ttl; ++t) {
        plan.patience.push_back(100ms);
        plan.hops.push_back(t == plan.destination_ttl ? kDest : router(t));
    }
    return plan;
}

}  // namespace

TEST_CASE("--mtu: a clean path carries the local MTU all the way") {
    MtuPath path{{1500, 1500, 1500, 1500}, {}};
    int batches = 0;
    auto r = discover_mtu(plan_for(path), [&](const auto& items) { ++batches; return path(items); });
    CHECK(r.path_mtu == 1500);
    CHECK_FALSE(r.drop_ttl);
    CHECK_FALSE(r.blackhole);
    CHECK(batches == 1);
}

TEST_CASE("--mtu: a router that reports the smaller MTU is the drop, and the path MTU is what it said") {
    MtuPath path{{1500, 1500, 1400, 1500}, {}};
    auto r = discover_mtu(plan_for(path), path);
    CHECK(r.path_mtu == 1400);
    CHECK(r.drop_ttl == 2);
    CHECK(r.reported == 1400);
    CHECK_FALSE(r.blackhole);
}

TEST_CASE("--mtu: large probes vanishing after a hop are a black hole there; the size that passes is found") {
    MtuPath path{{1500, 1500, 1400, 1500}, {2}};
    int batches = 0;
    auto r = discover_mtu(plan_for(path), [&](const auto& items) { ++batches; return path(items); });
    CHECK(r.blackhole);
    CHECK(r.blackhole_size == 1500);
    CHECK(r.drop_ttl == 2);
    CHECK(r.path_mtu == 1400);
    CHECK(batches <= 4);

    MtuPath odd{{1500, 1500, 1234, 1500}, {2}};  // not a common size: found by narrowing down
    r = discover_mtu(plan_for(odd), odd);
    CHECK(r.path_mtu == 1234);
}

TEST_CASE("--mtu: a reported drop followed by a black hole further on") {
    MtuPath path{{1500, 1480, 1480, 1400, 1500}, {3}};
    auto r = discover_mtu(plan_for(path), path);
    CHECK(r.path_mtu == 1400);
    CHECK(r.blackhole);
    CHECK(r.blackhole_size == 1480);
    CHECK(r.drop_ttl == 3);
}

TEST_CASE("hop names: looked up together, and a resolver that never answers is left behind") {
    std::atomic<int> calls{0};
    HopNames names(200ms, [&](const net::Address& a) -> std::string {
        ++calls;
        if (a == router(9)) std::this_thread::sleep_for(5s);  // a resolver that hangs
        std::this_thread::sleep_for(50ms);
        return a == router(2) ? std::string() : "r" + a.to_string() + ".example.net";
    });
    auto start = std::chrono::steady_clock::now();
    for (int t = 1; t <= 9; ++t) names.start(router(t));
    names.start(router(1));  // already asked: not asked again
    auto found = names.collect();
    auto took = std::chrono::steady_clock::now() - start;
    CHECK(took < 400ms);     // nine lookups of 50 ms at once, and the hanging one dropped at 200 ms
    CHECK(took >= 150ms);
    CHECK(calls == 9);
    CHECK(found.size() == 7);  // router 2 has no name, router 9 never answered
    CHECK(found.at(router(1)) == "r10.0.1.1.example.net");
    CHECK_FALSE(found.count(router(9)));
}

TEST_CASE("--mtu: probes this host cannot send are no black hole") {
    MtuPath path{{1500, 1500, 1500}, {}};
    auto r = discover_mtu(plan_for(path), [](const std::vector<ProbeBatch::Item>& items) {
        std::vector<ProbeBatch::Result> out(items.size());
        for (auto& x : out) x.answer.outcome = probe::Outcome::send_failed;
        return out;
    });
    CHECK_FALSE(r.blackhole);
    CHECK_FALSE(r.path_mtu);
}
