#include "update_kernels.h"

#include <cmath>
#include <limits>

#include "automodel/core/dtype.h"
#include "automodel/core/thread_pool.h"

// The loops are cloned for x86-64-v3 (AVX2 + FMA: std::fma becomes one instruction and the loop
// vectorises) and a baseline version (std::fma from libm: correctly rounded, slower); the
// loader picks one at startup. Other compilers and architectures get the plain loop, which is
// equally exact.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__)
#define AM_FMA_CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define AM_FMA_CLONES
#endif

namespace automodel::train::kernels {
namespace {

// Elements per parallel chunk: large enough that the pool's hand-off is negligible.
constexpr int64_t kGrain = 1 << 15;

// torch.maximum: NaN when either operand is NaN.
inline float nan_max(float a, float b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<float>::quiet_NaN();
  return a > b ? a : b;
}

AM_FMA_CLONES void adamw_range(float* p, const float* g, float* m, float* v, float* max_v, int64_t n,
                               const AdamWScalars s) {
  for (int64_t i = 0; i < n; ++i) {
    float pi = p[i] * s.decay;                                  // param.mul_(1 - lr*wd)
    float mi = std::fma(g[i], s.one_minus_beta1, m[i] * s.beta1);  // exp_avg.mul_(b1).add_(g, alpha=1-b1)
    float vi = std::fma(s.one_minus_beta2 * g[i], g[i], v[i] * s.beta2);  // .mul_(b2).addcmul_(g, g, 1-b2)
    m[i] = mi;
    v[i] = vi;
    float second = vi;
    if (max_v) {
      second = nan_max(max_v[i], vi);
      max_v[i] = second;
    }
    float denom = std::sqrt(second) / s.bias_correction2_sqrt + s.eps;
    p[i] = pi + (s.neg_step_size * mi) / denom;  // param.addcdiv_(exp_avg, denom, value=-step_size)
  }
}

AM_FMA_CLONES void sgd_range(float* p, const float* g, float* buf, int64_t n, const SGDScalars s) {
  for (int64_t i = 0; i < n; ++i) {
    float d = g[i];
    if (s.weight_decay != 0.0f) d = std::fma(p[i], s.weight_decay, d);  // d_p.add(param, alpha=wd)
    if (buf) {
      float b = s.first_step ? d : std::fma(d, s.one_minus_dampening, buf[i] * s.momentum);
      buf[i] = b;
      d = s.nesterov ? std::fma(b, s.momentum, d) : b;
    }
    p[i] = std::fma(d, s.neg_lr, p[i]);  // param.add_(d_p, alpha=-lr)
  }
}

}  // namespace

void adamw(float* p, const float* g, float* m, float* v, float* max_v, int64_t n, const AdamWScalars& s) {
  ThreadPool::global().parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    adamw_range(p + b, g + b, m + b, v + b, max_v ? max_v + b : nullptr, e - b, s);
  });
}

void sgd(float* p, const float* g, float* buf, int64_t n, const SGDScalars& s) {
  ThreadPool::global().parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    sgd_range(p + b, g + b, buf ? buf + b : nullptr, e - b, s);
  });
}

void round_to_bf16(const float* src, uint16_t* dst, int64_t n) {
  ThreadPool::global().parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dst[i] = f32_to_bf16(src[i]);
  });
}

void round_to_f16(const float* src, uint16_t* dst, int64_t n) {
  ThreadPool::global().parallel_for(n, kGrain, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) dst[i] = f32_to_f16(src[i]);
  });
}

}  // namespace automodel::train::kernels
