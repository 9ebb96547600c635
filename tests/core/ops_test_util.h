// Helpers for the op tests: deterministic random tensors and naive reference loops in double.
#pragma once

#include <cmath>
#include <random>
#include <vector>

#include "automodel/core/ops.h"

namespace automodel::testing {

inline Tensor random_tensor(const Shape& shape, uint64_t seed, DType dtype = DType::F32, float scale = 1.0f) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> d(0.0f, scale);
  std::vector<float> v(size_t(shape.numel()));
  for (float& x : v) x = d(rng);
  Tensor t = Tensor::from_vector(v, shape);
  return dtype == DType::F32 ? t : t.to(dtype);
}

inline double max_abs_diff(const Tensor& a, const Tensor& b) {
  const auto va = a.to_vector<double>(), vb = b.to_vector<double>();
  double m = 0;
  for (size_t i = 0; i < va.size(); ++i) m = std::max(m, std::fabs(va[i] - vb[i]));
  return m;
}

}  // namespace automodel::testing
