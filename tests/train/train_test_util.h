// Inputs shared by the train tests: the same formulas scripts/reference/train_optim_reference.py
// feeds PyTorch (integer arithmetic, one double expression, one cast to float32), so both sides
// start from identical bits.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "automodel/core/autograd.h"
#include "automodel/core/tensor.h"

namespace automodel::train::testing {

inline constexpr int64_t kN = 37;

inline Tensor param_init(int64_t n = kN) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = float(double(((i * 37) % 23) - 11) / 7.0);
  return Tensor::from_vector(v, {n});
}

inline Tensor grad_at(int64_t t, int64_t n = kN, bool shrink = false) {
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) {
    double x = double(((i * 13 + t * 7) % 19) - 9) / 9.0 + double(i) * 0.001;
    if (shrink) x = x / double(t);
    v[i] = float(x);
  }
  return Tensor::from_vector(v, {n});
}

// A trainable leaf holding param_init().
inline Tensor make_param(int64_t n = kN) {
  Tensor p = param_init(n);
  autograd::set_requires_grad(p);
  return p;
}

inline std::vector<uint32_t> float_bits(const Tensor& t) {
  std::vector<float> v = t.to_vector<float>();
  std::vector<uint32_t> b(v.size());
  std::memcpy(b.data(), v.data(), v.size() * 4);
  return b;
}

inline std::vector<uint16_t> half_bits(const Tensor& t) {
  std::vector<uint16_t> b(t.numel());
  std::memcpy(b.data(), t.contiguous().raw_data(), b.size() * 2);
  return b;
}

inline float from_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

// Bit-exact comparison that names the first differing element and its values.
template <class T>
::testing::AssertionResult same_bits(const std::vector<T>& got, const std::vector<T>& want) {
  if (got.size() != want.size())
    return ::testing::AssertionFailure() << got.size() << " elements, expected " << want.size();
  for (size_t i = 0; i < got.size(); ++i)
    if (got[i] != want[i]) {
      auto f = ::testing::AssertionFailure() << "element " << i << ": bits 0x" << std::hex << uint32_t(got[i])
                                             << ", expected 0x" << uint32_t(want[i]) << std::dec;
      if constexpr (sizeof(T) == 4) f << " (" << from_bits(got[i]) << " vs " << from_bits(want[i]) << ")";
      return f;
    }
  return ::testing::AssertionSuccess();
}

}  // namespace automodel::train::testing
