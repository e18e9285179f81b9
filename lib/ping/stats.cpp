// Round-trip statistics.
#include "ping/stats.hpp"

#include <algorithm>
#include <cmath>

namespace nockit::ping {

double percentile(std::vector<double> s, double p) {
    if (s.empty()) return 0;
    std::sort(s.begin(), s.end());
    auto rank = static_cast<std::size_t>(std::ceil(p / 100.0 * static_cast<double>(s.size())));
    rank = std::clamp<std::size_t>(rank, 1, s.size());
    return s[rank - 1];
}

RttSummary summarise(const std::vector<double>& r) {
    RttSummary s;
    s.samples = r.size();
    if (r.empty()) return s;
    s.min = *std::min_element(r.begin(), r.end());
    s.max = *std::max_element(r.begin(), r.end());
    double sum = 0, sum2 = 0;
    for (double x : r) {
        sum += x;
        sum2 += x * x;
    }
    double n = static_cast<double>(r.size());
    s.avg = sum / n;
    s.mdev = std::sqrt(std::max(0.0, sum2 / n - s.avg * s.avg));
    s.p50 = percentile(r, 50);
    s.p95 = percentile(r, 95);
    if (r.size() > 1) {
        double j = 0;
        for (std::size_t i = 1; i < r.size(); ++i) j += std::fabs(r[i] - r[i - 1]);
        s.jitter = j / static_cast<double>(r.size() - 1);
    }
    return s;
}

}  // namespace nockit::ping
