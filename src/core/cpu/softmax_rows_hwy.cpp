// Vectorised pieces of the float32 attention row kernel (decode): the softmax of one row of
// scores and the probability-weighted sum of value rows. In a 134M-model decode the scalar
// versions made attention 13% of the step while it moved half the bytes per second the
// matrix-vector products move; both are compute-bound loops over Tk, not memory-bound.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "cpu/softmax_rows_hwy.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>
#include <hwy/contrib/math/math-inl.h>

#include <cmath>
#include <cstdint>

HWY_BEFORE_NAMESPACE();
namespace automodel::cpu {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

void SoftmaxInPlaceF32(float* s, int64_t n, float mx) {
  const hn::ScalableTag<float> df;
  const int64_t N = int64_t(hn::Lanes(df));
  const auto vmx = hn::Set(df, mx);
  auto vsum = hn::Zero(df);
  int64_t j = 0;
  for (; j + N <= n; j += N) {
    const auto e = hn::Exp(df, hn::Sub(hn::LoadU(df, s + j), vmx));
    hn::StoreU(e, df, s + j);
    vsum = hn::Add(vsum, e);
  }
  float sum = hn::GetLane(hn::SumOfLanes(df, vsum));
  for (; j < n; ++j) {
    s[j] = std::exp(s[j] - mx);
    sum += s[j];
  }
  const auto vs = hn::Set(df, sum);
  j = 0;
  for (; j + N <= n; j += N) hn::StoreU(hn::Div(hn::LoadU(df, s + j), vs), df, s + j);
  for (; j < n; ++j) s[j] /= sum;
}

// Row by row in memory order (V is read as one stream, the next rows prefetched), with up to
// four vectors of columns accumulated in registers per pass; head_dim 64 is a single pass
// with 512-bit vectors.
void WeightedRowSumF32(const float* p, const float* v, int64_t n, int64_t stride, int64_t d, float* out) {
  const hn::ScalableTag<float> df;
  const int64_t N = int64_t(hn::Lanes(df));
  int64_t c = 0;
  for (; c + 4 * N <= d; c += 4 * N) {
    auto a0 = hn::Zero(df), a1 = hn::Zero(df), a2 = hn::Zero(df), a3 = hn::Zero(df);
    for (int64_t j = 0; j < n; ++j) {
      const float* row = v + j * stride + c;
      if (j + 8 < n)
        for (int64_t l = 0; l < 4 * N; l += 64 / int64_t(sizeof(float))) __builtin_prefetch(row + 8 * stride + l);
      const auto pj = hn::Set(df, p[j]);
      a0 = hn::MulAdd(pj, hn::LoadU(df, row), a0);
      a1 = hn::MulAdd(pj, hn::LoadU(df, row + N), a1);
      a2 = hn::MulAdd(pj, hn::LoadU(df, row + 2 * N), a2);
      a3 = hn::MulAdd(pj, hn::LoadU(df, row + 3 * N), a3);
    }
    hn::StoreU(a0, df, out + c);
    hn::StoreU(a1, df, out + c + N);
    hn::StoreU(a2, df, out + c + 2 * N);
    hn::StoreU(a3, df, out + c + 3 * N);
  }
  for (; c + N <= d; c += N) {
    auto acc = hn::Zero(df);
    for (int64_t j = 0; j < n; ++j) acc = hn::MulAdd(hn::Set(df, p[j]), hn::LoadU(df, v + j * stride + c), acc);
    hn::StoreU(acc, df, out + c);
  }
  for (; c < d; ++c) {
    float acc = 0;
    for (int64_t j = 0; j < n; ++j) acc += p[j] * v[j * stride + c];
    out[c] = acc;
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace automodel::cpu
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include "kernels.h"

namespace automodel::cpu {
HWY_EXPORT(SoftmaxInPlaceF32);
HWY_EXPORT(WeightedRowSumF32);

void softmax_in_place_f32(float* s, int64_t n, float mx) { HWY_DYNAMIC_DISPATCH(SoftmaxInPlaceF32)(s, n, mx); }
void weighted_row_sum_f32(const float* p, const float* v, int64_t n, int64_t stride, int64_t d, float* out) {
  HWY_DYNAMIC_DISPATCH(WeightedRowSumF32)(p, v, n, stride, d, out);
}
}  // namespace automodel::cpu
#endif
