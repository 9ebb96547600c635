// torch.nn.utils.clip_grad_norm_ (torch 1.13).
#include <cmath>
#include <algorithm>
#include <limits>
#include <vector>

#include "automodel/core/autograd.h"
#include "automodel/core/error.h"
#include "automodel/core/thread_pool.h"
#include "automodel/train/optimizer.h"

namespace automodel::train {
namespace {

// Elements per partial sum. Blocks are fixed, not per thread, so the result does not depend
// on the number of threads.
constexpr int64_t kBlock = 1 << 16;

// sum(f(x[i])) in double: partial sums over fixed blocks (in parallel), added in block order.
template <class F>
double blocked_sum(const float* x, int64_t n, F f) {
  const int64_t blocks = (n + kBlock - 1) / kBlock;
  std::vector<double> partial(blocks, 0.0);
  ThreadPool::global().parallel_for(blocks, 1, [&](int64_t b0, int64_t b1) {
    for (int64_t b = b0; b < b1; ++b) {
      double s = 0;
      for (int64_t i = b * kBlock, e = std::min(n, i + kBlock); i < e; ++i) s += f(x[i]);
      partial[b] = s;
    }
  });
  double total = 0;
  for (double s : partial) total += s;
  return total;
}

// torch.norm(t, p) of a float32 tensor, accumulated in double and rounded to float32 like
// torch's float32 result.
float tensor_norm(const float* x, int64_t n, double p) {
  if (std::isinf(p)) {
    float m = 0.0f;
    for (int64_t i = 0; i < n; ++i) {
      float a = std::fabs(x[i]);
      if (std::isnan(a)) return a;
      m = a > m ? a : m;
    }
    return m;
  }
  if (p == 2.0) return float(std::sqrt(blocked_sum(x, n, [](float v) { return double(v) * double(v); })));
  if (p == 1.0) return float(blocked_sum(x, n, [](float v) { return std::fabs(double(v)); }));
  return float(std::pow(blocked_sum(x, n, [p](float v) { return std::pow(std::fabs(double(v)), p); }), 1.0 / p));
}

}  // namespace

double clip_grad_norm(const NamedParameters& params, double max_norm, double norm_type) {
  AM_CHECK(!std::isnan(max_norm), "clip_grad_norm: max_norm is NaN");
  AM_CHECK(norm_type > 0, "clip_grad_norm: norm_type must be > 0 or infinity, got ", norm_type);
  std::vector<Tensor> grads;
  for (const auto& [name, p] : params) {
    Tensor g = autograd::grad(p);
    if (!g.defined()) continue;
    AM_CHECK(g.dtype() == DType::F32 && g.is_contiguous(), "clip_grad_norm: gradient of '", name, "' is ", g.str(),
             ", expected a contiguous float32 tensor");
    grads.push_back(g);
  }
  if (grads.empty()) return 0.0;
  // Per-gradient norms (float32), then the norm of those, as torch stacks them.
  std::vector<float> norms;
  norms.reserve(grads.size());
  for (const auto& g : grads) norms.push_back(tensor_norm(g.data<float>(), g.numel(), norm_type));
  const float total = grads.size() == 1 && std::isinf(norm_type)
                          ? norms[0]
                          : tensor_norm(norms.data(), int64_t(norms.size()), norm_type);
  // clip_coef = max_norm / (total + 1e-6) is Tensor.__rdiv__: reciprocal, then a multiply.
  const float coef = (1.0f / (total + float(1e-6))) * float(max_norm);
  const float clamped = std::isnan(coef) ? coef : std::min(coef, 1.0f);  // torch.clamp(max=1.0)
  for (auto& g : grads) {
    float* x = g.mutable_data<float>();
    ThreadPool::global().parallel_for(g.numel(), 1 << 15, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) x[i] *= clamped;
    });
  }
  return total;
}

}  // namespace automodel::train
