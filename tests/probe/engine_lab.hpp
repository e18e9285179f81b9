// A throwaway namespace lab for the ICMP engine tests: a client, a router and a host behind a small-MTU
// link, all created by the test and deleted by name afterwards. Nothing leaves the machine.
#pragma once

#include <string>
#include <vector>

namespace nockit::test {

/// Why the lab cannot run here (empty when it can): needs root, iproute2 and network namespaces.
std::string lab_unavailable();

/// One network namespace, created on construction and deleted (by name) on destruction.
class Netns {
public:
    explicit Netns(std::string name);
    ~Netns();
    Netns(const Netns&) = delete;
    Netns& operator=(const Netns&) = delete;
    const std::string& name() const { return name_; }
    /// Runs `ip -n NAME args...`; false (with the error kept in last_error()) when it fails.
    bool ip(const std::vector<std::string>& args);
    /// Runs several `ip` commands (one per line, without "ip") in one process: `ip -n NAME -batch -`.
    bool ip_batch(const std::string& commands);
    /// Sets a sysctl inside the namespace (per-namespace sysctls only: the host's are never touched).
    bool sysctl(const std::string& key, const std::string& value);
    const std::string& last_error() const { return error_; }

private:
    std::string name_;
    std::string error_;
};

/// The calling thread works inside a namespace while this lives (sockets opened meanwhile stay there).
class Inside {
public:
    explicit Inside(const Netns& ns);
    ~Inside();
    Inside(const Inside&) = delete;
    Inside& operator=(const Inside&) = delete;
    bool ok() const { return ok_; }

private:
    int home_ = -1;
    bool ok_ = false;
};

/// client (10.200.0.2, fd00:200::2) -- router (10.200.0.1, fd00:200::1) -- far (10.203.0.2, fd00:203::2)
/// The router answers for 10.201.0.0/24 and fd00:201::/64 with "unreachable", for 10.201.1.0/24 and
/// fd00:201:1::/64 with "prohibited", silently drops 10.202.0.0/24 and fd00:202::/64, and the link to
/// "far" has an MTU of 1280.
struct EngineLab {
    EngineLab();
    bool ok = false;
    std::string error;
    Netns client, router, far;
};

}  // namespace nockit::test
