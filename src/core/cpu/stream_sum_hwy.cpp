// Streaming read kernel for measure_read_bandwidth(): sums floats with four independent vector
// accumulators, so the loop is limited by memory, not by the add latency or scalar code (a
// plain scalar sum compiled for baseline x86-64 reaches only a fraction of the bandwidth that
// the weight-streaming kernels reach, which would make a decode "bound" meaningless).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/stream_sum_hwy.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <memory>

HWY_BEFORE_NAMESPACE();
namespace automodel::cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

float StreamSum(const float* p, int64_t n) {
  const hn::ScalableTag<float> df;
  const int64_t N = int64_t(hn::Lanes(df));
  auto a0 = hn::Zero(df), a1 = hn::Zero(df), a2 = hn::Zero(df), a3 = hn::Zero(df);
  int64_t i = 0;
  for (; i + 4 * N <= n; i += 4 * N) {
    a0 = hn::Add(a0, hn::LoadU(df, p + i));
    a1 = hn::Add(a1, hn::LoadU(df, p + i + N));
    a2 = hn::Add(a2, hn::LoadU(df, p + i + 2 * N));
    a3 = hn::Add(a3, hn::LoadU(df, p + i + 3 * N));
  }
  float s = hn::GetLane(hn::SumOfLanes(df, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3))));
  for (; i < n; ++i) s += p[i];
  return s;
}

}  // namespace HWY_NAMESPACE
}  // namespace automodel::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <algorithm>
#include <atomic>
#include <vector>

#include "automodel/core/memory_bandwidth.h"
#include "automodel/core/thread_pool.h"

namespace automodel {
namespace cpu {
HWY_EXPORT(StreamSum);
}

double measure_read_bandwidth(size_t bytes, int passes) {
  using Clock = std::chrono::steady_clock;
  const int64_t n = int64_t(bytes / sizeof(float));
  if (n <= 0) return 0;
  std::vector<float> buf(size_t(n), 1.0f);  // touched once here, so no page faults are timed
  ThreadPool& pool = ThreadPool::global();
  const int64_t grain = int64_t(1) << 20;  // 4 MiB slices taken from a shared counter
  double best = 0;
  for (int pass = 0; pass < std::max(passes, 1); ++pass) {
    std::atomic<int64_t> sink{0};
    const auto t0 = Clock::now();
    pool.parallel_for(n, grain, [&](int64_t b, int64_t e) {
      const float s = HWY_DYNAMIC_DISPATCH(cpu::StreamSum)(buf.data() + b, e - b);
      sink += int64_t(s);  // keeps the loads alive
    });
    const double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    if (sink.load() != n) return 0;  // every float is 1.0 and slices are < 2^24 long: exact
    best = std::max(best, double(n) * sizeof(float) / dt);
  }
  return best;
}

}  // namespace automodel
#endif
