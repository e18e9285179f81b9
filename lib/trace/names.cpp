// Reverse DNS for hops: one worker thread per address, results gathered under a deadline.
#include "trace/names.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>

namespace nockit::trace {

std::string system_reverse_lookup(const net::Address& address) {
    sockaddr_storage ss{};
    socklen_t len = address.to_sockaddr(ss);
    char host[NI_MAXHOST] = {};
    if (getnameinfo(reinterpret_cast<const sockaddr*>(&ss), len, host, sizeof host, nullptr, 0, NI_NAMEREQD) != 0) return {};
    return host;
}

struct HopNames::Shared {
    std::mutex mutex;
    std::condition_variable changed;
    std::map<net::Address, std::string> names;  // finished lookups that found a name
    std::map<net::Address, std::chrono::steady_clock::time_point> running;  // address -> deadline
    std::size_t started = 0;
};

HopNames::HopNames(std::chrono::milliseconds timeout, ReverseLookup lookup, std::size_t max_lookups)
    : timeout_(timeout), lookup_(std::move(lookup)), max_lookups_(max_lookups), shared_(std::make_shared<Shared>()) {}

HopNames::~HopNames() = default;

void HopNames::start(const net::Address& address) {
    {
        std::lock_guard lock(shared_->mutex);
        if (shared_->started >= max_lookups_ || shared_->running.count(address) || shared_->names.count(address)) return;
        ++shared_->started;
        shared_->running[address] = std::chrono::steady_clock::now() + timeout_;
    }
    // Detached: a lookup the resolver never answers must not keep the program from finishing.
    std::thread([shared = shared_, lookup = lookup_, address] {
        std::string name;
        try {
            name = lookup(address);
        } catch (...) {
            name.clear();
        }
        std::lock_guard lock(shared->mutex);
        shared->running.erase(address);
        if (!name.empty()) shared->names[address] = std::move(name);
        shared->changed.notify_all();
    }).detach();
}

std::map<net::Address, std::string> HopNames::collect() {
    std::unique_lock lock(shared_->mutex);
    for (;;) {
        auto now = std::chrono::steady_clock::now();
        std::optional<std::chrono::steady_clock::time_point> latest;
        for (const auto& [address, deadline] : shared_->running)
            if (deadline > now && (!latest || deadline > *latest)) latest = deadline;
        if (!latest) break;
        shared_->changed.wait_until(lock, *latest);
    }
    return shared_->names;
}

}  // namespace nockit::trace
