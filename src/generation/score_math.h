// Row-wise softmax / log_softmax / argsort shared by the processors, the samplers and beam search.
// Max-subtracted like torch; sums accumulate in double.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <vector>

namespace automodel::score_math {

inline float row_max(const float* x, int64_t n) {
  float m = -INFINITY;
  for (int64_t i = 0; i < n; ++i) m = std::max(m, x[i]);
  return m;
}

// out may alias x.
inline void softmax(const float* x, int64_t n, float* out) {
  const float m = row_max(x, n);
  double sum = 0.0;
  std::vector<double> e(n);
  for (int64_t i = 0; i < n; ++i) {
    e[i] = std::exp(double(x[i] - m));
    sum += e[i];
  }
  for (int64_t i = 0; i < n; ++i) out[i] = float(e[i] / sum);
}

// out may alias x.
inline void log_softmax(const float* x, int64_t n, float* out) {
  const float m = row_max(x, n);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += std::exp(double(x[i] - m));
  const float lse = float(std::log(sum));
  for (int64_t i = 0; i < n; ++i) out[i] = (x[i] - m) - lse;
}

// Indices ordering x; ties keep ascending index order.
inline std::vector<int64_t> stable_argsort(const float* x, int64_t n, bool descending) {
  std::vector<int64_t> idx(n);
  std::iota(idx.begin(), idx.end(), 0);
  if (descending)
    std::stable_sort(idx.begin(), idx.end(), [x](int64_t a, int64_t b) { return x[a] > x[b]; });
  else
    std::stable_sort(idx.begin(), idx.end(), [x](int64_t a, int64_t b) { return x[a] < x[b]; });
  return idx;
}

}  // namespace automodel::score_math
