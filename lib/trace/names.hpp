// Reverse DNS for the hops of a trace: each lookup starts as soon as its address is first seen, all
// run at once, and whatever has not answered by the deadline is left out, so a slow resolver never
// holds up the result.
#pragma once

#include "net/address.hpp"

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

namespace nockit::trace {

/// One blocking reverse lookup: the name, or "" when there is none (the seam tests replace).
using ReverseLookup = std::function<std::string(const net::Address&)>;
/// The system resolver's answer (getnameinfo with NI_NAMEREQD): /etc/hosts, then DNS.
std::string system_reverse_lookup(const net::Address& address);

class HopNames {
public:
    /// `timeout`: how long each lookup may take, counted from when it starts.
    explicit HopNames(std::chrono::milliseconds timeout, ReverseLookup lookup = system_reverse_lookup,
                      std::size_t max_lookups = 256);
    ~HopNames();
    HopNames(const HopNames&) = delete;
    HopNames& operator=(const HopNames&) = delete;

    /// Starts looking `address` up, unless it already is (or too many lookups were started).
    void start(const net::Address& address);
    /// The names found, waiting while lookups are still within their time; lookups still running
    /// past it are abandoned (they finish in the background, unseen).
    std::map<net::Address, std::string> collect();

    struct Shared;

private:
    std::chrono::milliseconds timeout_;
    ReverseLookup lookup_;
    std::size_t max_lookups_;
    std::shared_ptr<Shared> shared_;
};

}  // namespace nockit::trace
