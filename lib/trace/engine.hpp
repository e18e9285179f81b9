// Scheduling a path measurement on the probe engine: every TTL of a round in flight at once, rounds
// paced by the interval, nothing probed past the destination, no waiting for answers that can no
// longer come; and path-MTU discovery. Pure logic over the clock the engine hands in: tested
// without a network.
#pragma once

#include "probe/engine.hpp"
#include "trace/model.hpp"

#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace nockit::trace {

/// When probes go out and how long answers are waited for.
struct Schedule {
    int first_ttl = 1;
    int max_ttl = 30;
    int rounds = 3;
    int flows = 1;
    std::chrono::nanoseconds interval{50'000'000};  ///< between the starts of two rounds
    std::chrono::nanoseconds wait{1'000'000'000};   ///< the longest any answer is waited for
    /// Once a probe sent at the same time or later to this hop or a farther one has answered (a later
    /// hop of the same round, or this hop in a later round), the path worked when this probe passed:
    /// its own answer is then waited for only this many times the largest round trip seen so far
    /// (and at least grace_min), never the whole wait.
    double grace_rtts = 3;
    std::chrono::nanoseconds grace_min{30'000'000};
};

/// How an answer reads for the path: an ICMP error from the destination itself saying the port or
/// protocol is unreachable means the probe arrived (traceroute's UDP probes end that way).
Answer classify(const probe::PathAnswer& answer, const net::Address& destination);

/// The rounds of a trace as a probe::PathDriver.
class RoundScheduler final : public probe::PathDriver {
public:
    RoundScheduler(const Schedule& schedule, const net::Address& destination);

    std::optional<probe::PathProbe> due(Clock::time_point now) override;
    void sent(const probe::PathProbe& probe, Clock::time_point now) override;
    void answered(const probe::PathAnswer& answer) override;
    std::optional<Clock::time_point> wake(Clock::time_point now) override;

    /// Every probe sent so far, answered or not (those never sent, past the destination, are left out).
    std::vector<ProbeRecord> records() const;
    /// Probes planned (shrinks once the destination answers) and resolved so far.
    std::size_t planned() const { return planned_; }
    std::size_t resolved() const { return resolved_; }
    /// Probes that could not be sent, and why the first one could not.
    std::size_t send_failures() const { return send_failures_; }
    std::size_t sent_count() const { return sent_; }
    const std::string& first_send_error() const { return first_send_error_; }

    /// Called once for each responding address, when it is first seen (reverse DNS starts there).
    std::function<void(const net::Address&)> on_new_address;
    /// Called with (resolved, planned) whenever either changes.
    std::function<void(std::size_t, std::size_t)> on_progress;

private:
    enum class State : uint8_t { pending, in_flight, answered, given_up, skipped, failed };
    struct Entry {
        State state = State::pending;
        Clock::time_point sent_at{};
        ProbeRecord record;
    };
    std::size_t id_of(int round, int ttl, int flow) const;
    int limit_ttl() const;
    std::chrono::nanoseconds grace() const;
    void resolve(Entry& e, State state);
    void progress();

    Schedule s_;
    net::Address destination_;
    int ttls_ = 0;
    std::vector<Entry> entries_;            // by probe id: round, then TTL, then flow
    std::vector<uint32_t> in_flight_;       // ids sent and not yet resolved (some may have resolved since)
    std::vector<std::optional<Clock::time_point>> answered_sent_;  // per TTL: the latest send time of an answered probe
    std::vector<net::Address> seen_;
    std::optional<Clock::time_point> start_;
    std::size_t cursor_ = 0;                // the next probe to send, in id order
    std::size_t planned_ = 0, resolved_ = 0, sent_ = 0, send_failures_ = 0;
    std::string first_send_error_;
    int destination_ttl_ = 0;               // smallest TTL the destination answered at
    int unreachable_ttl_ = 0;               // smallest TTL that drew "unreachable"
    std::chrono::nanoseconds max_rtt_{0};
};

/// A fixed set of probes sent together, each waited for as long as its own patience (--mtu).
class ProbeBatch final : public probe::PathDriver {
public:
    struct Item {
        int ttl = 1;
        std::size_t size = 0;
        std::chrono::nanoseconds patience{1'000'000'000};
    };
    /// What one item got: nothing (`answered` false), or the answer.
    struct Result {
        bool answered = false;
        probe::PathAnswer answer;
    };
    explicit ProbeBatch(std::vector<Item> items);

    std::optional<probe::PathProbe> due(Clock::time_point now) override;
    void sent(const probe::PathProbe& probe, Clock::time_point now) override;
    void answered(const probe::PathAnswer& answer) override;
    std::optional<Clock::time_point> wake(Clock::time_point now) override;

    const std::vector<Item>& items() const { return items_; }
    const std::vector<Result>& results() const { return results_; }

private:
    std::vector<Item> items_;
    std::vector<Result> results_;
    std::vector<std::optional<Clock::time_point>> deadlines_;
    std::vector<bool> done_;
    std::size_t cursor_ = 0, open_ = 0;
};

/// Sends a batch and returns what each item got (the probe engine, or a simulated path in tests).
using BatchRunner = std::function<std::vector<ProbeBatch::Result>(const std::vector<ProbeBatch::Item>&)>;

/// What path-MTU discovery needs to know about the path already measured.
struct MtuPlan {
    net::Address destination;
    int destination_ttl = 0;          ///< where the destination answered
    int local_mtu = 1500;             ///< the largest probe this host can send
    std::size_t known_good = 60;      ///< a size known to reach the destination
    std::vector<std::chrono::nanoseconds> patience;  ///< per TTL - 1: how long a hop's answer may take
    std::vector<std::optional<net::Address>> hops;   ///< per TTL - 1: the hop's usual responder
    int max_batches = 12;
};

/// What path-MTU discovery found (the --mtu fields of Path).
struct MtuResult {
    std::optional<int> path_mtu;      ///< the largest size that reached the destination
    std::optional<int> drop_ttl;      ///< the hop after which the MTU drops (it said so, or large probes vanished after it)
    int reported = 0;                 ///< the next-hop MTU it reported
    bool blackhole = false;           ///< large probes vanished with no "fragmentation needed"
    int blackhole_size = 0;
};

/// Path-MTU discovery: don't-fragment probes of the local MTU to every hop at once, then to the
/// reported next-hop MTU; when large probes vanish without a word, the last hop they reached
/// locates the black hole and a few batches of sizes find the largest that passes.
MtuResult discover_mtu(const MtuPlan& plan, const BatchRunner& run);

}  // namespace nockit::trace
