// Turning what the engineer typed (names, addresses, CIDR ranges, @file) into probe targets.
#pragma once

#include "core/result.hpp"
#include "net/address.hpp"

#include <chrono>
#include <string>
#include <vector>

namespace nockit::ping {

/// One address to probe and where it came from.
struct Target {
    std::string given;     ///< as the user wrote it: "router1.example", "10.1.0.0/22", "10.0.0.1"
    net::Address address;
    bool from_range = false;  ///< part of a CIDR sweep (silence there is not a fault)
};

struct TargetRequest {
    std::vector<std::string> specs;  ///< names, addresses, CIDR ranges, @file
    int family = 0;                  ///< AF_UNSPEC (0), AF_INET or AF_INET6 (-4 / -6)
    bool force = false;              ///< allow ranges of more than max_range_without_force addresses
    std::chrono::milliseconds resolve_timeout{3000};
};

/// Largest range (in addresses) accepted without --force.
constexpr std::uint64_t max_range_without_force = 65536;
/// Largest range accepted at all (memory stays bounded).
constexpr std::uint64_t max_range = 1u << 24;

/// Expands ranges, reads @files, resolves names concurrently. Errors name the input and the fix.
Result<std::vector<Target>> expand_targets(const TargetRequest& request);

/// Reads an @file: one target per line, '#' starts a comment, blank lines ignored.
Result<std::vector<std::string>> read_target_file(const std::string& path);

}  // namespace nockit::ping
