// Summary statistics over repeated trials.
#pragma once

#include <vector>

namespace spool::bench {

struct Summary {
  double median = 0;
  double p99 = 0;  // nearest-rank; with few trials, the worst one
  double min = 0;
  double max = 0;
};

// REQUIRES: !samples.empty().
Summary summarize(std::vector<double> samples);

}  // namespace spool::bench
