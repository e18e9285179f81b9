// Name resolution for many targets at once, bounded in time.
#pragma once

#include "net/address.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace nockit::net {

/// The addresses a name resolved to; `error` is a one-line message naming the input when it did not.
struct Resolution {
    std::string name;
    std::vector<Address> addresses;  // in resolver order, duplicates removed
    std::string error;               // empty on success
};

/// Resolves all names concurrently (not one after another), family AF_UNSPEC/AF_INET/AF_INET6,
/// bounded by timeout. Address literals are returned without asking the resolver. The result has
/// one entry per name, in the same order.
std::vector<Resolution> resolve_all(const std::vector<std::string>& names, int family,
                                    std::chrono::milliseconds timeout);

/// One blocking lookup of a name for a family: the seam tests use in place of getaddrinfo.
using Lookup = std::function<Resolution(const std::string& name, int family)>;
/// resolve_all with a given lookup function (called from worker threads, possibly after the deadline).
std::vector<Resolution> resolve_all(const std::vector<std::string>& names, int family,
                                    std::chrono::milliseconds timeout, const Lookup& lookup);
/// The system resolver (getaddrinfo), as resolve_all uses it.
Resolution system_lookup(const std::string& name, int family);

}  // namespace nockit::net
