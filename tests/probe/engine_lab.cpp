// The namespace lab: iproute2 commands run without a shell, namespaces named after this process.
#include "engine_lab.hpp"

#include "process.hpp"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <unistd.h>

#include <sstream>

namespace nockit::test {

namespace {

const std::string prefix = "nkprobe-";

// Namespaces left behind by an earlier run of this test that was killed: their owner process is gone.
void remove_stale() {
    auto r = run({"ip", "netns", "list"}, {}, 10);
    std::istringstream lines(r.out);
    std::string line;
    while (std::getline(lines, line)) {
        std::string name = line.substr(0, line.find(' '));
        if (name.rfind(prefix, 0) != 0) continue;
        auto rest = name.substr(prefix.size());
        pid_t pid = static_cast<pid_t>(std::atoi(rest.substr(0, rest.find('-')).c_str()));
        if (pid > 0 && kill(pid, 0) != 0 && errno == ESRCH) run({"ip", "netns", "del", name}, {}, 10);
    }
}

}  // namespace

std::string lab_unavailable() {
    if (!is_root()) return "needs root for raw sockets and network namespaces";
    if (access("/usr/sbin/ip", X_OK) != 0 && access("/sbin/ip", X_OK) != 0 && access("/usr/bin/ip", X_OK) != 0)
        return "needs iproute2 (ip)";
    return {};
}

Netns::Netns(std::string name) : name_(std::move(name)) {
    auto r = run({"ip", "netns", "add", name_}, {}, 10);
    if (r.status != 0) error_ = "ip netns add " + name_ + ": " + r.err;
    ip({"link", "set", "lo", "up"});
}

Netns::~Netns() { run({"ip", "netns", "del", name_}, {}, 10); }

bool Netns::ip(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"ip", "-n", name_};
    argv.insert(argv.end(), args.begin(), args.end());
    auto r = run(argv, {}, 10);
    if (r.status != 0) {
        error_ = "ip";
        for (auto& a : argv) error_ += " " + a;
        error_ += ": " + r.err;
        return false;
    }
    return true;
}

bool Netns::ip_batch(const std::string& commands) {
    auto r = run({"ip", "-n", name_, "-batch", "-"}, commands, 10);
    if (r.status != 0) {
        error_ = "ip -n " + name_ + " -batch: " + r.err;
        return false;
    }
    return true;
}

bool Netns::sysctl(const std::string& key, const std::string& value) {
    // /proc/sys/net shows the namespace of whoever opens it: open it from inside.
    std::string path = "/proc/sys/" + key;
    for (auto& c : path)
        if (c == '.') c = '/';
    bool written = false;
    {
        Inside in(*this);
        if (in.ok()) {
            int fd = open(path.c_str(), O_WRONLY | O_CLOEXEC);
            if (fd >= 0) {
                written = write(fd, value.data(), value.size()) == static_cast<ssize_t>(value.size());
                close(fd);
            }
        }
    }
    if (!written) error_ = "sysctl " + key + "=" + value + " in " + name_ + " failed";
    return written;
}

Inside::Inside(const Netns& ns) {
    home_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    int target = open(("/var/run/netns/" + ns.name()).c_str(), O_RDONLY | O_CLOEXEC);
    ok_ = home_ >= 0 && target >= 0 && setns(target, CLONE_NEWNET) == 0;
    if (target >= 0) close(target);
}

Inside::~Inside() {
    if (home_ >= 0) {
        if (setns(home_, CLONE_NEWNET) != 0) std::abort();  // carrying on in the lab would be worse
        close(home_);
    }
}

namespace {
std::string lab_name(const char* role) { return prefix + std::to_string(getpid()) + "-" + role; }
}  // namespace

EngineLab::EngineLab() : client((remove_stale(), lab_name("c"))), router(lab_name("r")), far(lab_name("f")) {
    for (auto* ns : {&client, &router, &far})
        if (error.empty() && !ns->last_error().empty()) error = ns->last_error();
    auto batch = [&](Netns& ns, const std::string& commands) {
        if (error.empty() && !ns.ip_batch(commands)) error = ns.last_error();
    };
    auto set = [&](Netns& ns, const std::string& key, const std::string& value) {
        if (error.empty() && !ns.sysctl(key, value)) error = ns.last_error();
    };
    // Fixed MAC addresses and permanent neighbour entries: the first IPv6 probes would otherwise wait a
    // second for neighbour discovery on freshly created links.
    const std::string c0 = "02:00:00:00:c0:02", r0 = "02:00:00:00:c0:01";
    const std::string r1 = "02:00:00:00:f0:01", f0 = "02:00:00:00:f0:02";

    batch(client, "link add c0 address " + c0 + " type veth peer name r0 address " + r0 + " netns " + router.name() +
                      "\n"
                      "addr add 10.200.0.2/24 dev c0\n"
                      "addr add fd00:200::2/64 dev c0 nodad\n"
                      "link set c0 up\n"
                      "route add default via 10.200.0.1\n"
                      "route add default via fd00:200::1\n"
                      "neigh replace 10.200.0.1 lladdr " + r0 + " dev c0 nud permanent\n"
                      "neigh replace fd00:200::1 lladdr " + r0 + " dev c0 nud permanent\n");
    // The router answers for some ranges with errors and drops another; its link to "far" is small.
    batch(router, "addr add 10.200.0.1/24 dev r0\n"
                  "addr add fd00:200::1/64 dev r0 nodad\n"
                  "link set r0 up\n"
                  "neigh replace 10.200.0.2 lladdr " + c0 + " dev r0 nud permanent\n"
                  "neigh replace fd00:200::2 lladdr " + c0 + " dev r0 nud permanent\n"
                  "link add r1 address " + r1 + " mtu 1280 type veth peer name f0 address " + f0 +
                      " mtu 1280 netns " + far.name() + "\n"
                  "addr add 10.203.0.1/24 dev r1\n"
                  "addr add fd00:203::1/64 dev r1 nodad\n"
                  "link set r1 up\n"
                  "neigh replace 10.203.0.2 lladdr " + f0 + " dev r1 nud permanent\n"
                  "neigh replace fd00:203::2 lladdr " + f0 + " dev r1 nud permanent\n"
                  "route add unreachable 10.201.0.0/24\n"
                  "route add prohibit 10.201.1.0/24\n"
                  "route add blackhole 10.202.0.0/24\n"
                  "route add unreachable fd00:201::/64\n"
                  "route add prohibit fd00:201:1::/64\n"
                  "route add blackhole fd00:202::/64\n");
    batch(far, "addr add 10.203.0.2/24 dev f0\n"
               "addr add fd00:203::2/64 dev f0 nodad\n"
               "link set f0 up\n"
               "route add default via 10.203.0.1\n"
               "route add default via fd00:203::1\n"
               "neigh replace 10.203.0.1 lladdr " + r1 + " dev f0 nud permanent\n"
               "neigh replace fd00:203::1 lladdr " + r1 + " dev f0 nud permanent\n");
    set(router, "net.ipv4.ip_forward", "1");
    set(router, "net.ipv6.conf.all.forwarding", "1");
    // The router's ICMP rate limits would otherwise swallow errors for quick successive probes.
    set(router, "net.ipv4.icmp_ratelimit", "0");
    set(router, "net.ipv6.icmp.ratelimit", "0");
    ok = error.empty();
}

}  // namespace nockit::test
