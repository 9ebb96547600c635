// Dot products of one f32 activation row against many weight rows, with the weights read in
// their stored dtype and widened in registers (decode is memory-bound: bf16 weights move half
// the bytes of f32). Compiled once per SIMD target by Highway and dispatched at run time.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/dot_hwy.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "automodel/core/dtype.h"

HWY_BEFORE_NAMESPACE();
namespace automodel::cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::ScalableTag<float>;

struct LoadF32 {
  using T = float;
  HWY_INLINE hn::Vec<DF> operator()(DF df, const float* p) const { return hn::LoadU(df, p); }
  static float scalar(const float* p) { return *p; }
};
struct LoadBF16 {
  using T = uint16_t;
  HWY_INLINE hn::Vec<DF> operator()(DF df, const uint16_t* p) const {
    const hn::Rebind<uint16_t, DF> du16;
    const hn::Rebind<uint32_t, DF> du32;
    return hn::BitCast(df, hn::ShiftLeft<16>(hn::PromoteTo(du32, hn::LoadU(du16, p))));
  }
  static float scalar(const uint16_t* p) { return bf16_to_f32(*p); }
};
struct LoadF16 {
  using T = uint16_t;
  HWY_INLINE hn::Vec<DF> operator()(DF df, const uint16_t* p) const {
    const hn::Rebind<hwy::float16_t, DF> df16;
    return hn::PromoteTo(df, hn::LoadU(df16, reinterpret_cast<const hwy::float16_t*>(p)));
  }
  static float scalar(const uint16_t* p) { return f16_to_f32(*p); }
};

// Four weight rows per pass share each activation load; the same columns of the next four rows
// are prefetched meanwhile, a line at a time (f32 over the 134M model's matrices on 2 threads,
// paired runs: 5-8% more bytes per second than without; see DotRowsBF16).
template <class Load>
HWY_INLINE void DotRows(const float* x, const typename Load::T* w, int64_t in, int64_t r0, int64_t r1, float* y) {
  const DF df;
  const Load load;
  const int64_t N = int64_t(hn::Lanes(df));
  const int64_t vec_end = in - in % N;
  constexpr int64_t kLine = 64 / int64_t(sizeof(typename Load::T));  // elements per cache line
  int64_t r = r0;
  for (; r + 4 <= r1; r += 4) {
    const auto* w0 = w + r * in;
    const auto* w1 = w0 + in;
    const auto* w2 = w1 + in;
    const auto* w3 = w2 + in;
    const bool prefetch = r + 8 <= r1;
    auto a0 = hn::Zero(df), a1 = hn::Zero(df), a2 = hn::Zero(df), a3 = hn::Zero(df);
    for (int64_t i = 0; i < vec_end; i += N) {
      if (prefetch && i % kLine < N)
        for (int k = 4; k < 8; ++k) __builtin_prefetch(w0 + k * in + i);
      const auto xv = hn::LoadU(df, x + i);
      a0 = hn::MulAdd(xv, load(df, w0 + i), a0);
      a1 = hn::MulAdd(xv, load(df, w1 + i), a1);
      a2 = hn::MulAdd(xv, load(df, w2 + i), a2);
      a3 = hn::MulAdd(xv, load(df, w3 + i), a3);
    }
    float s0 = hn::GetLane(hn::SumOfLanes(df, a0)), s1 = hn::GetLane(hn::SumOfLanes(df, a1));
    float s2 = hn::GetLane(hn::SumOfLanes(df, a2)), s3 = hn::GetLane(hn::SumOfLanes(df, a3));
    for (int64_t i = vec_end; i < in; ++i) {
      s0 += x[i] * Load::scalar(w0 + i);
      s1 += x[i] * Load::scalar(w1 + i);
      s2 += x[i] * Load::scalar(w2 + i);
      s3 += x[i] * Load::scalar(w3 + i);
    }
    y[r - r0] = s0;
    y[r - r0 + 1] = s1;
    y[r - r0 + 2] = s2;
    y[r - r0 + 3] = s3;
  }
  for (; r < r1; ++r) {
    const auto* wr = w + r * in;
    auto a = hn::Zero(df);
    for (int64_t i = 0; i < vec_end; i += N) a = hn::MulAdd(hn::LoadU(df, x + i), load(df, wr + i), a);
    float s = hn::GetLane(hn::SumOfLanes(df, a));
    for (int64_t i = vec_end; i < in; ++i) s += x[i] * Load::scalar(wr + i);
    y[r - r0] = s;
  }
}

void DotRowsF32(const float* x, const float* w, int64_t in, int64_t r0, int64_t r1, float* y) {
  DotRows<LoadF32>(x, w, in, r0, r1, y);
}
// bf16 rows: a bf16 value is the upper half of an f32, so one full-width u32 load of 2N weights
// gives the N even-indexed ones (shift left by 16) and the N odd-indexed ones (mask the low
// half) without a lane-crossing promote, and each load takes a whole cache line. The
// activation is split into its even and odd elements once per call to match. (The
// promote-based DotRows<LoadBF16> read only about 60% of the bytes per second that the f32
// kernel reads on a 768-wide model.)
//
// kRows rows per pass, and while they stream, the same columns of the next kRows rows are
// prefetched into L1 and those of the kRows rows after them into L2: one core alone does not
// keep enough reads in flight to reach its share of the bandwidth otherwise. Measured over the
// 134M model's matrices in decode order on 2 threads (256 KiB chunks, paired runs): 2 rows with
// 2 prefetched read 81-92% of the streaming-read bandwidth, 4 rows with 4 prefetched 87-108%;
// adding the L2 prefetch of the group after next read 8-11% more bytes per second than that in
// three interleaved runs of 150 passes each (the next group into L2 only, or the group after
// next alone, or further ahead, were no better). (Time such variants through a resolved
// function pointer: one taken from HWY_DYNAMIC_DISPATCH before the first call stays Highway's
// target-choosing trampoline and costs ~15 us per call in a VM.)
template <int kRows>
HWY_INLINE void DotRowsBF16Pass(const float* xe, const float* xo, const uint16_t* w, int64_t in, int64_t vec_end,
                                int prefetch_groups, float* y) {
  const DF df;
  const hn::RebindToUnsigned<DF> du;
  const int64_t N = int64_t(hn::Lanes(df));
  const auto hi_mask = hn::Set(du, 0xFFFF0000u);
  hn::Vec<DF> ae[kRows], ao[kRows];
  for (int k = 0; k < kRows; ++k) ae[k] = ao[k] = hn::Zero(df);
  for (int64_t i = 0, h = 0; i < vec_end; i += 2 * N, h += N) {
    if (prefetch_groups > 0)
      for (int k = 0; k < kRows; ++k) __builtin_prefetch(w + (kRows + k) * in + i);
    if (prefetch_groups > 1)
      for (int k = 0; k < kRows; ++k) __builtin_prefetch(w + (2 * kRows + k) * in + i, 0, 2);
    const auto ve = hn::LoadU(df, xe + h), vo = hn::LoadU(df, xo + h);
    for (int k = 0; k < kRows; ++k) {
      const auto p = hn::LoadU(du, reinterpret_cast<const uint32_t*>(w + k * in + i));
      ae[k] = hn::MulAdd(ve, hn::BitCast(df, hn::ShiftLeft<16>(p)), ae[k]);
      ao[k] = hn::MulAdd(vo, hn::BitCast(df, hn::And(p, hi_mask)), ao[k]);
    }
  }
  for (int k = 0; k < kRows; ++k) y[k] = hn::GetLane(hn::SumOfLanes(df, hn::Add(ae[k], ao[k])));
}

void DotRowsBF16(const float* x, const uint16_t* w, int64_t in, int64_t r0, int64_t r1, float* y) {
  const DF df;
  const int64_t N = int64_t(hn::Lanes(df));
  const int64_t vec_end = in - in % (2 * N);
  if (vec_end == 0) {
    DotRows<LoadBF16>(x, w, in, r0, r1, y);
    return;
  }
  thread_local std::vector<float> split;
  split.resize(size_t(vec_end));
  float* xe = split.data();
  float* xo = xe + vec_end / 2;
  for (int64_t i = 0; i < vec_end / 2; ++i) {
    xe[i] = x[2 * i];
    xo[i] = x[2 * i + 1];
  }
  auto dot_tail = [&](const uint16_t* wr) {
    float s = 0;
    for (int64_t i = vec_end; i < in; ++i) s += x[i] * bf16_to_f32(wr[i]);
    return s;
  };
  constexpr int kRows = 4;
  int64_t r = r0;
  for (; r + kRows <= r1; r += kRows) {
    const int ahead = r + 3 * kRows <= r1 ? 2 : r + 2 * kRows <= r1 ? 1 : 0;  // next groups inside the range
    DotRowsBF16Pass<kRows>(xe, xo, w + r * in, in, vec_end, ahead, y + (r - r0));
  }
  for (; r < r1; ++r) DotRowsBF16Pass<1>(xe, xo, w + r * in, in, vec_end, 0, y + (r - r0));
  if (vec_end < in)
    for (int64_t q = r0; q < r1; ++q) y[q - r0] += dot_tail(w + q * in);
}
void DotRowsF16(const float* x, const uint16_t* w, int64_t in, int64_t r0, int64_t r1, float* y) {
  DotRows<LoadF16>(x, w, in, r0, r1, y);
}

}  // namespace HWY_NAMESPACE
}  // namespace automodel::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels.h"

namespace automodel::cpu {
HWY_EXPORT(DotRowsF32);
HWY_EXPORT(DotRowsBF16);
HWY_EXPORT(DotRowsF16);

void dot_rows_f32(const float* x, const float* w, int64_t in, int64_t r0, int64_t r1, float* y) {
  HWY_DYNAMIC_DISPATCH(DotRowsF32)(x, w, in, r0, r1, y);
}
void dot_rows_bf16(const float* x, const uint16_t* w, int64_t in, int64_t r0, int64_t r1, float* y) {
  HWY_DYNAMIC_DISPATCH(DotRowsBF16)(x, w, in, r0, r1, y);
}
void dot_rows_f16(const float* x, const uint16_t* w, int64_t in, int64_t r0, int64_t r1, float* y) {
  HWY_DYNAMIC_DISPATCH(DotRowsF16)(x, w, in, r0, r1, y);
}
}  // namespace automodel::cpu
#endif
