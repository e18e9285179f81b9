// Round-trip statistics as engineers know them from ping and mtr.
#pragma once

#include <cstddef>
#include <vector>

namespace nockit::ping {

/// min/avg/max/mdev as iputils ping computes them, percentiles by nearest rank, jitter as the
/// mean difference between consecutive round trips (in probe order). All in milliseconds.
struct RttSummary {
    std::size_t samples = 0;
    double min = 0, avg = 0, max = 0, mdev = 0, p50 = 0, p95 = 0, jitter = 0;
};

/// Summarises round trips given in probe order.
RttSummary summarise(const std::vector<double>& rtts_ms);

/// Nearest-rank percentile (p in 0..100) of unsorted samples; 0 when empty.
double percentile(std::vector<double> samples, double p);

}  // namespace nockit::ping
