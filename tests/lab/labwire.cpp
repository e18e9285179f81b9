// nockit-labwire: the lab's layer-2 delay element. Bridges two veth ends with AF_PACKET sockets and
// holds each frame for the link's one-way delay (counted from the kernel receive timestamp), with loss.
//
// Kernels without the netem qdisc need this: it sits in a namespace of its own in the middle of a
// link, owns no addresses, adds no hop and changes no TTL. scripts/netlab starts one per wired link.
#include <CLI/CLI.hpp>

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace {

using Nanos = std::int64_t;
constexpr Nanos kMs = 1'000'000;
constexpr std::size_t kFrameMax = 65536;
constexpr Nanos kLeadMax = 400'000;

Nanos clock_ns(clockid_t id) {
    timespec ts{};
    clock_gettime(id, &ts);
    return Nanos{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec;
}

/// Closes a descriptor when it goes out of scope.
class Fd {
public:
    Fd() = default;
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd(Fd&& o) noexcept : fd_(std::exchange(o.fd_, -1)) {}
    Fd& operator=(Fd&& o) noexcept {
        if (this != &o) {
            reset();
            fd_ = std::exchange(o.fd_, -1);
        }
        return *this;
    }
    ~Fd() { reset(); }
    int get() const { return fd_; }
    bool valid() const { return fd_ >= 0; }

private:
    void reset() {
        if (fd_ >= 0) close(fd_);
        fd_ = -1;
    }
    int fd_ = -1;
};

/// Delay, jitter and loss of one direction of the link.
struct Shape {
    double delay_ms = 0;
    double jitter_ms = 0;
    double loss_pct = 0;
};

/// One held frame and the monotonic time it leaves the wire.
struct HeldFrame {
    Nanos release = 0;
    Nanos received = 0;
    std::vector<unsigned char> bytes;
};

/// What one direction has done, for `netlab status` and for checking the wire's accuracy.
struct Counters {
    std::uint64_t received = 0;
    std::uint64_t forwarded = 0;
    std::uint64_t lost = 0;        ///< dropped on purpose (configured loss)
    std::uint64_t send_errors = 0;  ///< the far veth refused the frame
    std::uint64_t overflow = 0;     ///< queue full: frame dropped
    Nanos late_total = 0;           ///< sum of (actual send - planned release)
    Nanos late_max = 0;
    /// Releases by lateness: <20 µs, <100 µs, <500 µs, <1 ms, <5 ms, later.
    std::array<std::uint64_t, 6> late_buckets{};
};

constexpr std::array<Nanos, 5> kLateBounds{20'000, 100'000, 500'000, 1'000'000, 5'000'000};
constexpr std::array<const char*, 6> kLateNames{"20us", "100us", "500us", "1ms", "5ms", "more"};

/// One direction: frames received on `in` leave on `out` after the configured delay, in order.
struct Direction {
    std::string name;  // "ab" or "ba"
    int in = -1;
    int out = -1;
    Shape shape;
    std::deque<HeldFrame> queue;
    Nanos last_release = 0;
    Counters counters;
};

std::string fmt_counters(const Direction& d) {
    std::ostringstream s;
    const double late_avg_us =
        d.counters.forwarded ? static_cast<double>(d.counters.late_total) / 1e3 / static_cast<double>(d.counters.forwarded) : 0.0;
    s << d.name << "_received=" << d.counters.received << '\n'
      << d.name << "_forwarded=" << d.counters.forwarded << '\n'
      << d.name << "_lost=" << d.counters.lost << '\n'
      << d.name << "_send_errors=" << d.counters.send_errors << '\n'
      << d.name << "_overflow=" << d.counters.overflow << '\n'
      << d.name << "_late_avg_us=" << late_avg_us << '\n'
      << d.name << "_late_max_us=" << static_cast<double>(d.counters.late_max) / 1e3 << '\n'
      << d.name << "_late_buckets=";
    for (std::size_t i = 0; i < kLateNames.size(); ++i)
        s << (i ? "," : "") << kLateNames[i] << ':' << d.counters.late_buckets[i];
    s << '\n'
      << d.name << "_delay_ms=" << d.shape.delay_ms << '\n'
      << d.name << "_jitter_ms=" << d.shape.jitter_ms << '\n'
      << d.name << "_loss_pct=" << d.shape.loss_pct << '\n';
    return s.str();
}

/// Parses "X" or "X/Y" (a→b / b→a) into two non-negative numbers.
bool parse_pair(const std::string& text, double& ab, double& ba) {
    try {
        const auto slash = text.find('/');
        std::size_t used = 0;
        ab = std::stod(text.substr(0, slash), &used);
        if (used != text.substr(0, slash).size()) return false;
        if (slash == std::string::npos) {
            ba = ab;
        } else {
            const std::string rest = text.substr(slash + 1);
            ba = std::stod(rest, &used);
            if (used != rest.size()) return false;
        }
    } catch (const std::exception&) {
        return false;
    }
    return ab >= 0 && ba >= 0;
}

bool valid_shape(const Shape& s) {
    return s.delay_ms >= 0 && s.delay_ms <= 60'000 && s.jitter_ms >= 0 && s.jitter_ms <= 60'000 && s.loss_pct >= 0 &&
           s.loss_pct <= 100;
}

/// Reads the key=value file netlab writes for `wire set`; keys it does not know are an error.
bool read_config(const std::string& path, Shape& ab, Shape& ba, std::string& problem) {
    std::ifstream in(path);
    if (!in) {
        problem = "cannot read " + path;
        return false;
    }
    Shape nab = ab, nba = ba;
    std::string line;
    int lineno = 0;
    while (std::getline(in, line)) {
        ++lineno;
        if (line.empty() || line[0] == '#') continue;
        const auto eq = line.find('=');
        if (eq == std::string::npos) {
            problem = path + ":" + std::to_string(lineno) + ": expected key=value";
            return false;
        }
        const std::string key = line.substr(0, eq);
        double v = 0;
        try {
            v = std::stod(line.substr(eq + 1));
        } catch (const std::exception&) {
            problem = path + ":" + std::to_string(lineno) + ": '" + line.substr(eq + 1) + "' is not a number";
            return false;
        }
        if (key == "delay_ab") nab.delay_ms = v;
        else if (key == "delay_ba") nba.delay_ms = v;
        else if (key == "jitter_ab") nab.jitter_ms = v;
        else if (key == "jitter_ba") nba.jitter_ms = v;
        else if (key == "loss_ab") nab.loss_pct = v;
        else if (key == "loss_ba") nba.loss_pct = v;
        else {
            problem = path + ":" + std::to_string(lineno) + ": unknown key '" + key + "'";
            return false;
        }
    }
    if (!valid_shape(nab) || !valid_shape(nba)) {
        problem = path + ": delay/jitter must be 0..60000 ms and loss 0..100 %";
        return false;
    }
    ab = nab;
    ba = nba;
    return true;
}

/// Opens a raw packet socket on `ifname` that sees every frame the far node sends.
Fd open_port(const std::string& ifname, std::string& problem) {
    const unsigned index = if_nametoindex(ifname.c_str());
    if (index == 0) {
        problem = "no interface '" + ifname + "' in this namespace";
        return Fd{};
    }
    Fd fd(socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL)));
    if (!fd.valid()) {
        problem = std::string("packet socket: ") + std::strerror(errno) + " (needs root or CAP_NET_RAW)";
        return Fd{};
    }
    sockaddr_ll addr{};
    addr.sll_family = AF_PACKET;
    addr.sll_protocol = htons(ETH_P_ALL);
    addr.sll_ifindex = static_cast<int>(index);
    if (bind(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
        problem = "bind to " + ifname + ": " + std::strerror(errno);
        return Fd{};
    }
    const int one = 1;
    // Frames this wire sends out of the port would otherwise come back to it.
    setsockopt(fd.get(), SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one);
    // The wire is the link: nothing should queue in front of the far veth but the wire itself.
    setsockopt(fd.get(), SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
    if (setsockopt(fd.get(), SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) != 0) {
        problem = std::string("SO_TIMESTAMPNS: ") + std::strerror(errno);
        return Fd{};
    }
    packet_mreq mreq{};
    mreq.mr_ifindex = static_cast<int>(index);
    mreq.mr_type = PACKET_MR_PROMISC;
    setsockopt(fd.get(), SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mreq, sizeof mreq);
    // Room for a second of 1000 pps bursts while the wire is busy releasing.
    const int buf = 8 << 20;
    if (setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf) != 0)
        setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
    if (setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf) != 0)
        setsockopt(fd.get(), SOL_SOCKET, SO_SNDBUF, &buf, sizeof buf);
    return fd;
}

/// The signals the wire handles through its event loop (stop, reload settings, write counters).
sigset_t handled_signals() {
    sigset_t set;
    sigemptyset(&set);
    for (int s : {SIGTERM, SIGINT, SIGHUP, SIGUSR1}) sigaddset(&set, s);
    return set;
}

class Wire {
public:
    Wire(std::string label, Shape ab, Shape ba, std::uint64_t seed, Nanos spin, std::size_t queue_max)
        : label_(std::move(label)), rng_(seed), spin_(spin), queue_max_(queue_max) {
        dirs_[0].name = "ab";
        dirs_[0].shape = ab;
        dirs_[1].name = "ba";
        dirs_[1].shape = ba;
    }

    bool open(const std::string& if_a, const std::string& if_b, std::string& problem) {
        a_ = open_port(if_a, problem);
        if (!a_.valid()) return false;
        b_ = open_port(if_b, problem);
        if (!b_.valid()) return false;
        dirs_[0].in = a_.get();
        dirs_[0].out = b_.get();
        dirs_[1].in = b_.get();
        dirs_[1].out = a_.get();
        timer_ = Fd(timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
        epoll_ = Fd(epoll_create1(EPOLL_CLOEXEC));
        if (!timer_.valid() || !epoll_.valid()) {
            problem = std::string("timerfd/epoll: ") + std::strerror(errno);
            return false;
        }
        const sigset_t set = handled_signals();
        signals_ = Fd(signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC));
        for (int fd : {a_.get(), b_.get(), timer_.get(), signals_.get()}) {
            epoll_event ev{};
            ev.events = EPOLLIN;
            ev.data.fd = fd;
            if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
                problem = std::string("epoll_ctl: ") + std::strerror(errno);
                return false;
            }
        }
        return true;
    }

    void set_files(std::string config, std::string stats) {
        config_ = std::move(config);
        stats_ = std::move(stats);
    }

    /// Runs until SIGTERM/SIGINT. Returns the process exit code.
    int run() {
        std::array<epoll_event, 8> events{};
        while (!stop_) {
            release_due();
            const Nanos next = next_release();
            int timeout_ms = -1;
            if (next != 0) {
                // Timer wakeups arrive late by a varying amount (tens to hundreds of µs in a VM): wake
                // early by what lateness has recently been, then busy-wait the rest to the deadline.
                const Nanos window = spin_ + lead_;
                const Nanos wait = next - clock_ns(CLOCK_MONOTONIC);
                if (wait <= window) {
                    timeout_ms = 0;
                    while (clock_ns(CLOCK_MONOTONIC) < next) {
                    }
                } else {
                    arm_timer(next - window);
                }
            }
            const int n = epoll_wait(epoll_.get(), events.data(), static_cast<int>(events.size()), timeout_ms);
            if (n < 0) {
                if (errno == EINTR) continue;
                std::fprintf(stderr, "%s: epoll_wait: %s\n", label_.c_str(), std::strerror(errno));
                return 1;
            }
            for (int i = 0; i < n; ++i) {
                const int fd = events[static_cast<std::size_t>(i)].data.fd;
                if (fd == a_.get()) receive(dirs_[0]);
                else if (fd == b_.get()) receive(dirs_[1]);
                else if (fd == timer_.get()) timer_fired();
                else if (fd == signals_.get()) handle_signals();
            }
        }
        write_stats();
        return 0;
    }

private:
    void arm_timer(Nanos when) {
        armed_at_ = when;
        itimerspec its{};
        its.it_value.tv_sec = when / 1'000'000'000;
        its.it_value.tv_nsec = when % 1'000'000'000;
        timerfd_settime(timer_.get(), TFD_TIMER_ABSTIME, &its, nullptr);
    }

    void timer_fired() {
        std::uint64_t expirations = 0;
        if (read(timer_.get(), &expirations, sizeof expirations) <= 0 || armed_at_ == 0) return;
        // Learn how late wakeups are; an occasional long stall (a busy host) must not make every
        // later release spin for milliseconds, so one sample moves the estimate by an eighth, capped.
        const Nanos late = std::clamp<Nanos>(clock_ns(CLOCK_MONOTONIC) - armed_at_, 0, kLeadMax);
        lead_ += (late - lead_) / 8;
        armed_at_ = 0;
    }

    Nanos next_release() const {
        Nanos next = 0;
        for (const auto& d : dirs_)
            if (!d.queue.empty() && (next == 0 || d.queue.front().release < next)) next = d.queue.front().release;
        return next;
    }

    void receive(Direction& d) {
        // Drain everything waiting: one wakeup can carry a burst.
        for (;;) {
            sockaddr_ll from{};
            iovec iov{rxbuf_.data(), rxbuf_.size()};
            alignas(cmsghdr) std::array<char, 256> control{};
            msghdr msg{};
            msg.msg_name = &from;
            msg.msg_namelen = sizeof from;
            msg.msg_iov = &iov;
            msg.msg_iovlen = 1;
            msg.msg_control = control.data();
            msg.msg_controllen = control.size();
            const ssize_t len = recvmsg(d.in, &msg, MSG_DONTWAIT);
            if (len < 0) {
                if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
                    std::fprintf(stderr, "%s: recv: %s\n", label_.c_str(), std::strerror(errno));
                return;
            }
            if (from.sll_pkttype == PACKET_OUTGOING) continue;  // our own transmissions
            if (msg.msg_flags & MSG_TRUNC) continue;              // larger than any lab MTU: not ours to carry
            const Nanos now_mono = clock_ns(CLOCK_MONOTONIC);
            const Nanos now_real = clock_ns(CLOCK_REALTIME);
            Nanos age = 0;
            for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
                if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
                    timespec ts{};
                    std::memcpy(&ts, CMSG_DATA(c), sizeof ts);
                    age = now_real - (Nanos{ts.tv_sec} * 1'000'000'000 + ts.tv_nsec);
                }
            }
            // A clock step or a missing stamp must not hold a frame for minutes or release it early.
            age = std::clamp<Nanos>(age, 0, 1000 * kMs);
            ++d.counters.received;
            if (d.shape.loss_pct > 0 && uniform_(rng_) * 100.0 < d.shape.loss_pct) {
                ++d.counters.lost;
                continue;
            }
            if (d.queue.size() >= queue_max_) {
                ++d.counters.overflow;
                continue;
            }
            HeldFrame frame;
            frame.bytes.assign(rxbuf_.begin(), rxbuf_.begin() + len);
            frame.received = now_mono - age;
            double hold_ms = d.shape.delay_ms;
            if (d.shape.jitter_ms > 0) hold_ms += uniform_(rng_) * d.shape.jitter_ms;
            // A link never reorders: a frame leaves no earlier than the one before it.
            frame.release = std::max(frame.received + static_cast<Nanos>(hold_ms * static_cast<double>(kMs)), d.last_release);
            d.last_release = frame.release;
            d.queue.push_back(std::move(frame));
        }
    }

    void release_due() {
        const Nanos now = clock_ns(CLOCK_MONOTONIC);
        for (auto& d : dirs_) {
            while (!d.queue.empty() && d.queue.front().release <= now) {
                HeldFrame& f = d.queue.front();
                // Lateness is taken as the frame starts out: the send itself may run the far
                // namespace's receive path inline, which is the link's far end, not the wire.
                const Nanos late = clock_ns(CLOCK_MONOTONIC) - f.release;
                const ssize_t sent = send(d.out, f.bytes.data(), f.bytes.size(), MSG_DONTWAIT);
                if (sent < 0) {
                    ++d.counters.send_errors;
                } else {
                    ++d.counters.forwarded;
                    d.counters.late_total += late;
                    d.counters.late_max = std::max(d.counters.late_max, late);
                    std::size_t bucket = 0;
                    while (bucket < kLateBounds.size() && late >= kLateBounds[bucket]) ++bucket;
                    ++d.counters.late_buckets[bucket];
                }
                d.queue.pop_front();
            }
        }
    }

    void handle_signals() {
        signalfd_siginfo info{};
        while (read(signals_.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
            switch (info.ssi_signo) {
                case SIGTERM:
                case SIGINT:
                    stop_ = true;
                    break;
                case SIGHUP:
                    reload();
                    break;
                case SIGUSR1:
                    write_stats();
                    break;
                default:
                    break;
            }
        }
    }

    void reload() {
        if (config_.empty()) return;
        std::string problem;
        if (!read_config(config_, dirs_[0].shape, dirs_[1].shape, problem)) {
            std::fprintf(stderr, "%s: keeping the old settings: %s\n", label_.c_str(), problem.c_str());
            return;
        }
        std::fprintf(stderr, "%s: now a->b %.3f ms %.3f%% loss, b->a %.3f ms %.3f%% loss\n", label_.c_str(),
                     dirs_[0].shape.delay_ms, dirs_[0].shape.loss_pct, dirs_[1].shape.delay_ms, dirs_[1].shape.loss_pct);
        // The counters file names the settings in force: netlab waits for it to confirm the change.
        write_stats();
    }

    void write_stats() const {
        if (stats_.empty()) return;
        // Write then rename, so a reader never sees half a file.
        const std::string tmp = stats_ + ".tmp";
        {
            std::ofstream out(tmp, std::ios::trunc);
            out << "label=" << label_ << "\nwake_lead_us=" << static_cast<double>(lead_) / 1e3 << '\n' << fmt_counters(dirs_[0])
                << fmt_counters(dirs_[1]);
        }
        std::rename(tmp.c_str(), stats_.c_str());
    }

    std::string label_;
    std::mt19937_64 rng_;
    std::uniform_real_distribution<double> uniform_{0.0, 1.0};
    Nanos spin_;
    Nanos lead_ = 50'000;  // estimated timer wakeup lateness, learnt as the wire runs
    Nanos armed_at_ = 0;
    std::size_t queue_max_;
    std::array<Direction, 2> dirs_;
    Fd a_, b_, timer_, epoll_, signals_;
    std::string config_, stats_;
    std::vector<unsigned char> rxbuf_ = std::vector<unsigned char>(kFrameMax);
    bool stop_ = false;
};

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"nockit-labwire: a layer-2 delay and loss element between two veth ends (used by scripts/netlab)"};
    std::string if_a, if_b, label = "labwire", delay = "0", loss = "0", jitter = "0", config, stats;
    std::uint64_t seed = 0;
    double spin_us = 20;
    std::size_t queue_max = 100000;
    bool no_realtime = false;
    app.add_option("IFACE_A", if_a, "interface facing endpoint a")->required();
    app.add_option("IFACE_B", if_b, "interface facing endpoint b")->required();
    app.add_option("--label", label, "name used in messages (netlab passes the link's namespace)");
    app.add_option("--delay", delay, "one-way delay in ms, X or a->b/b->a as X/Y")->capture_default_str();
    app.add_option("--jitter", jitter, "extra random delay 0..X ms (never reorders), X or X/Y")->capture_default_str();
    app.add_option("--loss", loss, "random loss in percent, X or X/Y")->capture_default_str();
    app.add_option("--config", config, "key=value file (delay_ab, delay_ba, jitter_ab, jitter_ba, loss_ab, loss_ba) read at start and on SIGHUP");
    app.add_option("--stats", stats, "file the counters are written to on SIGUSR1 and at exit");
    app.add_option("--seed", seed, "random seed for loss and jitter (0: random)");
    app.add_option("--spin-us", spin_us, "busy-wait at least this long before a release, besides the learnt timer lateness")->capture_default_str()->check(CLI::Range(0.0, 1000.0));
    app.add_option("--queue-max", queue_max, "frames held per direction before dropping")->capture_default_str()->check(CLI::Range(1, 10000000));
    app.add_flag("--no-realtime", no_realtime, "do not ask for SCHED_FIFO");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int rc = app.exit(e);
        return rc == 0 ? 0 : 3;
    }

    // Held from the start, so a `wire set` or `status --counters` racing the start-up cannot kill
    // the wire; the event loop reads them once it runs.
    const sigset_t signals = handled_signals();
    sigprocmask(SIG_BLOCK, &signals, nullptr);

    Shape ab, ba;
    if (!parse_pair(delay, ab.delay_ms, ba.delay_ms) || !parse_pair(loss, ab.loss_pct, ba.loss_pct) ||
        !parse_pair(jitter, ab.jitter_ms, ba.jitter_ms) || !valid_shape(ab) || !valid_shape(ba)) {
        std::fprintf(stderr, "%s: bad --delay/--jitter/--loss: give X or X/Y with delay 0..60000 ms and loss 0..100 %%\n",
                     label.c_str());
        return 3;
    }
    if (!config.empty()) {
        std::string problem;
        if (access(config.c_str(), F_OK) == 0 && !read_config(config, ab, ba, problem)) {
            std::fprintf(stderr, "%s: %s\n", label.c_str(), problem.c_str());
            return 3;
        }
    }
    if (seed == 0) seed = std::random_device{}();

    // Timer wakeups are the wire's accuracy: no slack, and ahead of other work when the CPUs are busy.
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    if (!no_realtime) {
        sched_param sp{};
        sp.sched_priority = 10;
        if (sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
            std::fprintf(stderr, "%s: running without SCHED_FIFO (%s); timing may suffer under load\n", label.c_str(),
                         std::strerror(errno));
    }

    Wire wire(label, ab, ba, seed, static_cast<Nanos>(spin_us * 1000.0), queue_max);
    wire.set_files(config, stats);
    std::string problem;
    if (!wire.open(if_a, if_b, problem)) {
        std::fprintf(stderr, "%s: %s\n", label.c_str(), problem.c_str());
        return 3;
    }
    // netlab waits for this line before it reports the lab up.
    std::fputs("ready\n", stdout);
    std::fflush(stdout);
    return wire.run();
}
