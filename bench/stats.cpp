#include "bench/stats.h"

#include <algorithm>
#include <cmath>

namespace spool::bench {

Summary summarize(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  Summary s;
  s.min = v.front();
  s.max = v.back();
  const std::size_t n = v.size();
  s.median = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  const auto rank = static_cast<std::size_t>(std::ceil(0.99 * static_cast<double>(n)));
  s.p99 = v[std::min(n, std::max<std::size_t>(rank, 1)) - 1];
  return s;
}

}  // namespace spool::bench
