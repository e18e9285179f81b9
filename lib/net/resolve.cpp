// Concurrent, time-bounded name resolution: a small pool of threads calling getaddrinfo, because the
// system resolver is blocking and a NOC target list can name hundreds of hosts.
#include "net/resolve.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>

#include <fmt/format.h>

namespace nockit::net {

namespace {

// getaddrinfo cannot be cancelled, so workers that are still blocked when the deadline passes are
// detached; they share this state (not the caller's stack) and drop their answer on the floor.
struct Work {
    std::mutex mutex;
    std::condition_variable done;
    std::vector<std::string> names;
    std::vector<std::size_t> pending;  // indexes of names that need the resolver
    std::size_t next = 0;              // next entry of `pending` to hand out
    std::size_t finished = 0;
    std::vector<Resolution> results;
    int family = AF_UNSPEC;
    Lookup lookup;
};

std::string family_words(int family) {
    if (family == AF_INET) return " (IPv4 only: drop -4 if it has only IPv6 addresses)";
    if (family == AF_INET6) return " (IPv6 only: drop -6 if it has only IPv4 addresses)";
    return "";
}

}  // namespace

Resolution system_lookup(const std::string& name, int family) {
    Resolution r{name, {}, {}};
    addrinfo hints{};
    hints.ai_family = family;
    hints.ai_socktype = SOCK_DGRAM;  // one entry per address instead of one per socket type
    hints.ai_flags = AI_ADDRCONFIG;
    addrinfo* list = nullptr;
    int rc = getaddrinfo(name.c_str(), nullptr, &hints, &list);
    if (rc == EAI_ADDRFAMILY || rc == EAI_NONAME || rc == EAI_NODATA) {
        // AI_ADDRCONFIG hides IPv6 names on hosts with only loopback IPv6; ask once more without it.
        hints.ai_flags = 0;
        rc = getaddrinfo(name.c_str(), nullptr, &hints, &list);
    }
    if (rc != 0) {
        r.error = fmt::format("cannot resolve '{}': {}{}; check the spelling or use an IP address", name,
                              gai_strerror(rc), family_words(family));
        return r;
    }
    std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(list, &freeaddrinfo);
    for (auto* ai = list; ai != nullptr; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6) continue;
        auto a = Address::from_sockaddr(ai->ai_addr);
        if (std::find(r.addresses.begin(), r.addresses.end(), a) == r.addresses.end()) r.addresses.push_back(a);
    }
    if (r.addresses.empty())
        r.error = fmt::format("cannot resolve '{}': no addresses{}; check the spelling or use an IP address", name,
                              family_words(family));
    return r;
}

namespace {

void worker(const std::shared_ptr<Work>& work) {
    for (;;) {
        std::size_t index;
        std::string name;
        {
            std::lock_guard lock(work->mutex);
            if (work->next >= work->pending.size()) return;
            index = work->pending[work->next++];
            name = work->names[index];
        }
        Resolution r = work->lookup(name, work->family);
        {
            std::lock_guard lock(work->mutex);
            work->results[index] = std::move(r);
            ++work->finished;
        }
        work->done.notify_all();
    }
}

}  // namespace

std::vector<Resolution> resolve_all(const std::vector<std::string>& names, int family,
                                    std::chrono::milliseconds timeout) {
    return resolve_all(names, family, timeout, &system_lookup);
}

std::vector<Resolution> resolve_all(const std::vector<std::string>& names, int family,
                                    std::chrono::milliseconds timeout, const Lookup& lookup) {
    auto work = std::make_shared<Work>();
    work->lookup = lookup;
    work->names = names;
    work->family = family;
    work->results.resize(names.size());
    for (std::size_t i = 0; i < names.size(); ++i) {
        auto& r = work->results[i];
        r.name = names[i];
        if (auto a = Address::parse(names[i])) {
            if (family != AF_UNSPEC && a->family() != family)
                r.error = fmt::format("'{}' is an {} address but {} was asked for: drop -{}", names[i],
                                      a->is_v4() ? "IPv4" : "IPv6", family == AF_INET ? "IPv4" : "IPv6",
                                      family == AF_INET ? 4 : 6);
            else
                r.addresses.push_back(*a);
        } else if (names[i].empty()) {
            r.error = "empty host name: give a name or an IP address";
        } else {
            work->pending.push_back(i);
        }
    }
    if (work->pending.empty()) return std::move(work->results);

    // Enough threads that a list of names takes about as long as its slowest name.
    std::size_t threads = std::min<std::size_t>(work->pending.size(), 64);
    std::vector<std::thread> pool;
    pool.reserve(threads);
    try {
        for (std::size_t i = 0; i < threads; ++i) pool.emplace_back(worker, work);
    } catch (const std::system_error&) {
        // Out of threads: the ones that started will work through the whole list.
        if (pool.empty()) worker(work);
    }

    std::vector<Resolution> out;
    bool all;
    {
        std::unique_lock lock(work->mutex);
        all = work->done.wait_for(lock, timeout, [&] { return work->finished == work->pending.size(); });
        if (!all) {
            // Stop handing out names; whatever is unanswered now is reported as timed out.
            work->next = work->pending.size();
            for (std::size_t i : work->pending) {
                auto& r = work->results[i];
                if (r.addresses.empty() && r.error.empty())
                    r.error = fmt::format("cannot resolve '{}': no answer within {} ms; check the DNS servers in "
                                          "/etc/resolv.conf or use an IP address",
                                          r.name, timeout.count());
            }
        }
        out = work->results;
    }
    for (auto& t : pool) {
        if (all)
            t.join();
        else
            t.detach();
    }
    return out;
}

}  // namespace nockit::net
