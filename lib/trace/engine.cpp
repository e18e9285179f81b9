// The rounds of a trace and path-MTU discovery, as drivers of the probe engine.
#include "trace/engine.hpp"

#include "probe/packet.hpp"

#include <algorithm>
#include <array>
#include <set>

namespace nockit::trace {

namespace {

using Clock = probe::PathDriver::Clock;
using namespace std::chrono_literals;

bool is_too_big(const probe::PathAnswer& a, bool v6) {
    if (a.outcome != probe::Outcome::icmp_error) return false;
    return v6 ? a.icmp_type == probe::packet::icmp6_packet_too_big
              : a.icmp_type == probe::packet::icmp_dest_unreachable && a.icmp_code == 4;
}

}  // namespace

Answer classify(const probe::PathAnswer& a, const net::Address& destination) {
    const bool v6 = !destination.is_v4();
    switch (a.outcome) {
        case probe::Outcome::reply:
        case probe::Outcome::refused: return Answer::reply;  // echo reply, SYN-ACK, or a reset: it is there
        case probe::Outcome::timeout:
        case probe::Outcome::send_failed: return Answer::none;
        case probe::Outcome::icmp_error: break;
    }
    if (a.icmp_type == (v6 ? probe::packet::icmp6_time_exceeded : probe::packet::icmp_time_exceeded))
        return Answer::time_exceeded;
    if (a.from == destination && a.icmp_type == (v6 ? probe::packet::icmp6_dest_unreachable : probe::packet::icmp_dest_unreachable)) {
        // Port unreachable (and for IPv4 protocol unreachable) comes from the destination's own stack.
        if (v6 ? a.icmp_code == 4 : (a.icmp_code == 3 || a.icmp_code == 2)) return Answer::reply;
    }
    return Answer::unreachable;
}

// --- RoundScheduler

RoundScheduler::RoundScheduler(const Schedule& schedule, const net::Address& destination)
    : s_(schedule), destination_(destination) {
    ttls_ = std::max(0, s_.max_ttl - s_.first_ttl + 1);
    s_.rounds = std::max(0, s_.rounds);
    s_.flows = std::max(1, s_.flows);
    entries_.resize(static_cast<std::size_t>(s_.rounds) * static_cast<std::size_t>(ttls_) * static_cast<std::size_t>(s_.flows));
    for (int r = 0; r < s_.rounds; ++r)
        for (int t = 0; t < ttls_; ++t)
            for (int f = 0; f < s_.flows; ++f) {
                auto& rec = entries_[id_of(r, s_.first_ttl + t, f)].record;
                rec.round = r;
                rec.ttl = s_.first_ttl + t;
                rec.flow = f;
            }
    answered_sent_.assign(256, std::nullopt);
    planned_ = entries_.size();
}

std::size_t RoundScheduler::id_of(int round, int ttl, int flow) const {
    return (static_cast<std::size_t>(round) * static_cast<std::size_t>(ttls_) + static_cast<std::size_t>(ttl - s_.first_ttl)) *
               static_cast<std::size_t>(s_.flows) +
           static_cast<std::size_t>(flow);
}

int RoundScheduler::limit_ttl() const {
    int limit = s_.max_ttl;
    if (destination_ttl_ > 0) limit = std::min(limit, destination_ttl_);
    if (unreachable_ttl_ > 0) limit = std::min(limit, unreachable_ttl_);
    return limit;
}

std::chrono::nanoseconds RoundScheduler::grace() const {
    auto g = std::chrono::duration_cast<std::chrono::nanoseconds>(max_rtt_ * s_.grace_rtts);
    return std::min(std::max(g, s_.grace_min), s_.wait);
}

void RoundScheduler::progress() {
    if (on_progress) on_progress(resolved_, planned_);
}

void RoundScheduler::resolve(Entry& e, State state) {
    if (state == State::skipped) {
        --planned_;
    } else {
        ++resolved_;
    }
    e.state = state;
    progress();
}

std::optional<probe::PathProbe> RoundScheduler::due(Clock::time_point now) {
    if (!start_) start_ = now;
    const int limit = limit_ttl();
    while (cursor_ < entries_.size()) {
        Entry& e = entries_[cursor_];
        if (e.state != State::pending) {
            ++cursor_;
            continue;
        }
        if (e.record.ttl > limit) {  // past the destination, or past where the path ends
            resolve(e, State::skipped);
            ++cursor_;
            continue;
        }
        if (*start_ + s_.interval * e.record.round > now) return std::nullopt;
        return probe::PathProbe{static_cast<uint32_t>(cursor_), e.record.ttl, e.record.flow, 0};
    }
    return std::nullopt;
}

void RoundScheduler::sent(const probe::PathProbe& probe, Clock::time_point now) {
    if (probe.id >= entries_.size()) return;
    Entry& e = entries_[probe.id];
    e.state = State::in_flight;
    e.sent_at = now;
    in_flight_.push_back(probe.id);
    ++sent_;
    if (probe.id == cursor_) ++cursor_;
}

void RoundScheduler::answered(const probe::PathAnswer& a) {
    if (a.id >= entries_.size()) return;
    Entry& e = entries_[a.id];
    if (a.outcome == probe::Outcome::send_failed) {
        if (e.state != State::pending && e.state != State::in_flight) return;
        if (send_failures_++ == 0) first_send_error_ = a.detail;
        resolve(e, State::failed);
        if (a.id == cursor_) ++cursor_;
        return;
    }
    // Answers to probes given up early still count while the trace runs; answers later than the
    // wait count as none, whatever the loop was doing meanwhile.
    if (e.state != State::in_flight && e.state != State::given_up) return;
    if (a.rtt > s_.wait) return;
    Answer answer = classify(a, destination_);
    if (answer == Answer::none) return;
    ProbeRecord& r = e.record;
    r.answer = answer;
    r.rtt = a.rtt;
    r.from = a.from;
    r.icmp_type = a.icmp_type;
    r.icmp_code = a.icmp_code;
    r.next_hop_mtu = a.next_hop_mtu;
    r.mpls.clear();
    for (const auto& m : a.mpls) r.mpls.push_back(MplsLabel{m.label, m.traffic_class, m.bottom, m.ttl});
    max_rtt_ = std::max(max_rtt_, a.rtt);
    auto& latest = answered_sent_[static_cast<std::size_t>(std::clamp(r.ttl, 0, 255))];
    if (!latest || e.sent_at > *latest) latest = e.sent_at;
    if (answer == Answer::reply && (destination_ttl_ == 0 || r.ttl < destination_ttl_)) destination_ttl_ = r.ttl;
    if (answer == Answer::unreachable && (unreachable_ttl_ == 0 || r.ttl < unreachable_ttl_)) unreachable_ttl_ = r.ttl;
    if (std::find(seen_.begin(), seen_.end(), a.from) == seen_.end()) {
        seen_.push_back(a.from);
        if (on_new_address) on_new_address(a.from);
    }
    if (e.state == State::in_flight) {
        resolve(e, State::answered);
    } else {
        e.state = State::answered;  // already counted as resolved when it was given up
    }
}

std::optional<Clock::time_point> RoundScheduler::wake(Clock::time_point now) {
    if (!start_) start_ = now;
    const int limit = limit_ttl();
    const auto g = grace();
    std::optional<Clock::time_point> next;
    auto consider = [&](Clock::time_point t) {
        if (!next || t < *next) next = t;
    };
    // For each TTL: the latest send time of an answered probe at that TTL or beyond.
    std::array<std::optional<Clock::time_point>, 257> beyond{};
    for (int t = 255; t >= 0; --t) {
        const auto& here = answered_sent_[static_cast<std::size_t>(t)];
        const auto& farther = beyond[static_cast<std::size_t>(t) + 1];
        beyond[static_cast<std::size_t>(t)] = !here ? farther : !farther ? here : std::max(*here, *farther);
    }
    bool open = false;
    std::size_t kept = 0;
    for (uint32_t id : in_flight_) {
        Entry& e = entries_[id];
        if (e.state != State::in_flight) continue;
        // An answer from the same TTL or a farther one, to a probe sent no earlier than this one.
        const auto& after = beyond[static_cast<std::size_t>(std::clamp(e.record.ttl, 0, 255))];
        const bool later_answered = after && *after >= e.sent_at;
        if (e.record.ttl > limit || now >= e.sent_at + s_.wait || (later_answered && now >= e.sent_at + g)) {
            resolve(e, State::given_up);
            continue;
        }
        in_flight_[kept++] = id;
        open = true;
        consider(e.sent_at + s_.wait);
        if (later_answered) consider(e.sent_at + g);
    }
    in_flight_.resize(kept);
    while (cursor_ < entries_.size()) {
        Entry& e = entries_[cursor_];
        if (e.state != State::pending) {
            ++cursor_;
            continue;
        }
        if (e.record.ttl > limit) {
            resolve(e, State::skipped);
            ++cursor_;
            continue;
        }
        open = true;
        auto at = *start_ + s_.interval * e.record.round;
        if (at > now) consider(at);
        break;
    }
    if (!open) return std::nullopt;
    // Probes due now are the engine's to send; it wakes by itself when its pacing allows.
    if (!next) next = now + std::min<std::chrono::nanoseconds>(s_.wait, 100ms);
    return next;
}

std::vector<ProbeRecord> RoundScheduler::records() const {
    std::vector<ProbeRecord> out;
    for (const auto& e : entries_)
        if (e.state == State::answered || e.state == State::given_up || e.state == State::failed) out.push_back(e.record);
    return out;
}

// --- ProbeBatch

ProbeBatch::ProbeBatch(std::vector<Item> items)
    : items_(std::move(items)), results_(items_.size()), deadlines_(items_.size()), done_(items_.size(), false) {}

std::optional<probe::PathProbe> ProbeBatch::due(Clock::time_point) {
    while (cursor_ < items_.size() && done_[cursor_]) ++cursor_;
    if (cursor_ >= items_.size()) return std::nullopt;
    return probe::PathProbe{static_cast<uint32_t>(cursor_), items_[cursor_].ttl, 0, items_[cursor_].size};
}

void ProbeBatch::sent(const probe::PathProbe& probe, Clock::time_point now) {
    if (probe.id >= items_.size()) return;
    deadlines_[probe.id] = now + items_[probe.id].patience;
    ++open_;
    if (probe.id == cursor_) ++cursor_;
}

void ProbeBatch::answered(const probe::PathAnswer& a) {
    if (a.id >= items_.size() || done_[a.id]) return;
    done_[a.id] = true;
    if (a.outcome == probe::Outcome::send_failed) {
        results_[a.id].answer = a;
        if (a.id == cursor_) ++cursor_;
        return;
    }
    results_[a.id] = Result{true, a};
    if (deadlines_[a.id]) --open_;
}

std::optional<Clock::time_point> ProbeBatch::wake(Clock::time_point now) {
    std::optional<Clock::time_point> next;
    for (std::size_t i = 0; i < items_.size(); ++i) {
        if (done_[i] || !deadlines_[i]) continue;
        if (now >= *deadlines_[i]) {
            done_[i] = true;
            --open_;
        } else if (!next || *deadlines_[i] < *next) {
            next = *deadlines_[i];
        }
    }
    while (cursor_ < items_.size() && done_[cursor_]) ++cursor_;
    if (cursor_ >= items_.size() && open_ == 0) return std::nullopt;
    if (!next) next = now + 100ms;
    return next;
}

// --- Path MTU

MtuResult discover_mtu(const MtuPlan& plan, const BatchRunner& run) {
    MtuResult r;
    const int dest_ttl = plan.destination_ttl;
    if (dest_ttl < 1 || plan.local_mtu <= static_cast<int>(plan.known_good)) return r;
    const bool v6 = !plan.destination.is_v4();
    auto patience = [&](int ttl) {
        if (plan.patience.empty()) return std::chrono::nanoseconds(1s);
        std::size_t i = static_cast<std::size_t>(std::max(ttl, 1) - 1);
        return plan.patience[std::min(i, plan.patience.size() - 1)];
    };
    auto reached = [&](const ProbeBatch::Result& x) { return x.answered && classify(x.answer, plan.destination) == Answer::reply; };
    int batches = 0;
    auto send = [&](const std::vector<ProbeBatch::Item>& items) {
        ++batches;
        return run(items);
    };

    // Large probes to every hop at once: who answers, who refuses, where they vanish.
    int size = plan.local_mtu;
    int from_ttl = 1;
    int bound = 0;  // when set: the largest size is below it, found by trying sizes at the destination
    while (batches < plan.max_batches) {
        std::vector<ProbeBatch::Item> items;
        for (int t = from_ttl; t <= dest_ttl; ++t)
            for (int copy = 0; copy < 2; ++copy)  // two of each: one lost probe is not a black hole
                items.push_back({t, static_cast<std::size_t>(size), patience(t)});
        auto results = send(items);
        for (std::size_t i = 0; i < results.size(); ++i)
            if (reached(results[i])) {
                r.path_mtu = size;
                return r;
            }
        // Probes this host could not send say nothing about the path: no conclusion.
        if (std::all_of(results.begin(), results.end(), [](const ProbeBatch::Result& x) {
                return x.answer.outcome == probe::Outcome::send_failed;
            }))
            return r;
        int refused_ttl = 0;
        uint32_t reported = 0;
        net::Address reporter;
        for (std::size_t i = 0; i < results.size(); ++i)
            if (results[i].answered && is_too_big(results[i].answer, v6) && (refused_ttl == 0 || items[i].ttl < refused_ttl)) {
                refused_ttl = items[i].ttl;
                reported = results[i].answer.next_hop_mtu;
                reporter = results[i].answer.from;
            }
        if (refused_ttl > 0) {
            // The router that refused: where its address answers in the hop list, else the hop before
            // the first probe it refused (routers check the TTL before the MTU).
            int at = std::max(refused_ttl - 1, 1);
            for (std::size_t t = 0; t < plan.hops.size(); ++t)
                if (plan.hops[t] && *plan.hops[t] == reporter) at = static_cast<int>(t) + 1;
            r.drop_ttl = at;
            r.reported = static_cast<int>(reported);
            const int minimum = v6 ? 1280 : 68;
            if (static_cast<int>(reported) >= minimum && static_cast<int>(reported) < size) {
                size = static_cast<int>(reported);
                from_ttl = refused_ttl;
                continue;
            }
            bound = size;  // a router that reports no usable MTU: find it by trying
            break;
        }
        // Nobody said a word: the last hop that answered the large probes is where they vanish after.
        int last = from_ttl - 1;
        for (std::size_t i = 0; i < results.size(); ++i)
            if (results[i].answered && classify(results[i].answer, plan.destination) == Answer::time_exceeded)
                last = std::max(last, items[i].ttl);
        r.blackhole = true;
        r.blackhole_size = size;
        if (last > 0) r.drop_ttl = last;
        bound = size;
        break;
    }
    if (bound == 0) return r;

    // The largest size that passes: common MTUs first, then evenly spread sizes between the largest
    // that passed and the smallest that did not, until they meet.
    static const int common[] = {9000, 4470, 4352, 2002, 1500, 1492, 1480, 1476, 1472, 1460, 1454, 1450, 1440,
                                 1420, 1400, 1380, 1360, 1350, 1300, 1280, 1200, 1024, 1006, 1000, 576, 552, 512, 296};
    int good = static_cast<int>(plan.known_good), bad = bound;
    bool first = true;
    while (bad - good > 1 && batches < plan.max_batches) {
        std::set<int> sizes;
        if (first) {
            for (int c : common)
                if (c > good && c < bad) sizes.insert(c);
            first = false;
        }
        if (sizes.empty()) {
            int gap = bad - good - 1;
            int n = std::min(gap, 32);
            for (int k = 1; k <= n; ++k) sizes.insert(good + static_cast<int>((static_cast<int64_t>(gap + 1) * k) / (n + 1)));
        }
        std::vector<ProbeBatch::Item> items;
        for (int s : sizes)
            for (int copy = 0; copy < 2; ++copy) items.push_back({dest_ttl, static_cast<std::size_t>(s), patience(dest_ttl)});
        auto results = send(items);
        std::set<int> passed;
        for (std::size_t i = 0; i < results.size(); ++i)
            if (reached(results[i])) passed.insert(static_cast<int>(items[i].size));
        for (int s : passed) good = std::max(good, s);
        for (int s : sizes)
            if (s > good && !passed.count(s)) bad = std::min(bad, s);
    }
    if (good > static_cast<int>(plan.known_good) || bad - good <= 1) r.path_mtu = good;
    return r;
}

}  // namespace nockit::trace
