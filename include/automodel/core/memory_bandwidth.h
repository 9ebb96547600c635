// Sustained memory read bandwidth, the denominator of the decode bound that benchmarks report
// (decode is memory-bound: every weight byte is read once per token).
#pragma once

#include <cstddef>

namespace automodel {

// Bytes per second that the global ThreadPool's threads reach when streaming disjoint slices
// of a `bytes`-sized buffer (much larger than the caches) with full-width vector loads, best
// of `passes` passes. The buffer is freed before returning.
double measure_read_bandwidth(size_t bytes = size_t(1) << 30, int passes = 5);

}  // namespace automodel
