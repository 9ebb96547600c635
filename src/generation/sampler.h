// Random draws for sampling. torch's generator stream cannot be reproduced outside torch, so this
// matches torch.multinomial in distribution only:
// * one sample (do_sample): inverse CDF — u = 53 random bits of std::mt19937_64 scaled to [0, 1),
//   the first token whose running probability sum exceeds u · total;
// * k samples without replacement (beam sampling): torch's own method, top-k of p_i / E_i with
//   E_i ~ Exp(1) (equivalent to drawing one at a time and renormalising).
// A seed fixes every draw, so runs with the same seed, model and inputs are identical.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "automodel/core/error.h"

namespace automodel {

class Sampler {
 public:
  explicit Sampler(uint64_t seed) : rng_(seed) {}

  double uniform() { return double(rng_() >> 11) * 0x1.0p-53; }

  // probs: non-negative, need not sum to 1.
  int64_t multinomial_one(const float* probs, int64_t n) {
    double total = 0.0;
    for (int64_t i = 0; i < n; ++i) {
      AM_CHECK(probs[i] >= 0 && std::isfinite(probs[i]), "probability tensor contains either `inf`, `nan` or element < 0");
      total += probs[i];
    }
    AM_CHECK(total > 0, "invalid multinomial distribution (sum of probabilities <= 0)");
    const double target = uniform() * total;
    double cum = 0.0;
    int64_t last_nonzero = -1;
    for (int64_t i = 0; i < n; ++i) {
      if (probs[i] <= 0) continue;
      last_nonzero = i;
      cum += probs[i];
      if (cum > target) return i;
    }
    return last_nonzero;  // rounding left target at the very end
  }

  // k distinct indices, in the order of their keys (largest first), like torch's
  // multinomial(replacement=False).
  std::vector<int64_t> multinomial_without_replacement(const float* probs, int64_t n, int64_t k) {
    std::vector<std::pair<double, int64_t>> keys;
    int64_t nonzero = 0;
    for (int64_t i = 0; i < n; ++i) {
      AM_CHECK(probs[i] >= 0 && std::isfinite(probs[i]), "probability tensor contains either `inf`, `nan` or element < 0");
      nonzero += probs[i] > 0;
    }
    AM_CHECK(nonzero >= k, "invalid multinomial distribution (with replacement=False, not enough non-negative category to sample)");
    std::exponential_distribution<double> exp1(1.0);
    for (int64_t i = 0; i < n; ++i) {
      double e = exp1(rng_);
      keys.emplace_back(probs[i] > 0 ? double(probs[i]) / e : 0.0, i);
    }
    std::partial_sort(keys.begin(), keys.begin() + k, keys.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    std::vector<int64_t> out;
    for (int64_t i = 0; i < k; ++i) out.push_back(keys[i].second);
    return out;
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace automodel
