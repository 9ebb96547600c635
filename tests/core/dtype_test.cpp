#include "automodel/core/dtype.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

using namespace automodel;

namespace {
float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
// Reference: round a float to bf16 by exact arithmetic on the two neighbours.
uint16_t bf16_reference(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint16_t lo = uint16_t(u >> 16);
  const uint16_t hi = uint16_t(lo + 1);
  const double a = bf16_to_f32(lo), b = bf16_to_f32(hi);
  const double da = std::fabs(double(f) - a), db = std::fabs(double(f) - b);
  if (da < db) return lo;
  if (db < da) return hi;
  return (lo & 1) ? hi : lo;
}
// Reference f16: search the two candidates around the value by exhaustive decode.
uint16_t f16_reference(float f) {
  if (std::isnan(f)) return 0x7e00;
  const uint16_t sign = std::signbit(f) ? 0x8000 : 0;
  const double a = std::fabs(double(f));
  uint16_t best = 0;
  double bestd = std::numeric_limits<double>::infinity();
  for (uint32_t h = 0; h < 0x7c00; ++h) {
    const double d = std::fabs(double(f16_to_f32(uint16_t(h))) - a);
    if (d < bestd || (d == bestd && (h & 1) == 0)) {
      bestd = d;
      best = uint16_t(h);
    }
  }
  // Beyond the largest finite value plus half an ulp: infinity.
  if (a >= 65520.0) best = 0x7c00;
  return sign | best;
}
}  // namespace

TEST(DType, NamesAndSizes) {
  EXPECT_EQ(dtype_size(DType::BF16), 2);
  EXPECT_EQ(dtype_size(DType::I64), 8);
  EXPECT_EQ(dtype_name(DType::F16), "float16");
  EXPECT_EQ(dtype_from_safetensors("BF16"), DType::BF16);
  EXPECT_EQ(dtype_from_safetensors("F8_E4M3"), DType::F8_E4M3);
  EXPECT_FALSE(dtype_from_safetensors("F4").has_value());
  EXPECT_EQ(dtype_from_string("torch.bfloat16"), DType::BF16);
  EXPECT_EQ(dtype_from_string("float"), DType::F32);
  EXPECT_EQ(dtype_from_string("half"), DType::F16);
  EXPECT_FALSE(dtype_info(DType::F8_E5M2).computable);
  EXPECT_EQ(dtype_nbytes(DType::F32, 10), 40);
}

TEST(DType, Bf16RoundsToNearestEven) {
  // Exhaustive over a stride of the float space plus the tie cases.
  for (uint64_t u = 0; u < (1ull << 32); u += 65521) {
    const float f = from_bits(uint32_t(u));
    if (std::isnan(f) || std::isinf(f)) continue;
    if (std::fabs(f) > 3.3e38f) continue;  // near FLT_MAX the upper neighbour is inf
    ASSERT_EQ(f32_to_bf16(f), bf16_reference(f)) << "bits " << std::hex << u;
  }
  EXPECT_EQ(f32_to_bf16(from_bits(0x3f808000)), 0x3f80);  // tie, even stays
  EXPECT_EQ(f32_to_bf16(from_bits(0x3f818000)), 0x3f82);  // tie, odd rounds up
  EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(std::nanf("")))));
  EXPECT_EQ(bf16_to_f32(f32_to_bf16(1.0f)), 1.0f);
}

TEST(DType, F16RoundTripAllHalfValues) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = f16_to_f32(uint16_t(h));
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(f16_to_f32(f32_to_f16(f))));
      continue;
    }
    ASSERT_EQ(f32_to_f16(f), h) << std::hex << h;
  }
}

TEST(DType, F16RoundsToNearestEven) {
  const float samples[] = {1e-8f, 2.98023224e-8f, 5.96046448e-8f, 8.9e-8f, 6.1e-5f, 6.09755516e-5f, 0.1f,
                           1.0f / 3, 1.00048828f, 1.00146484f, 65504.f, 65519.f, 65520.f, 1e6f, -2.5e-6f, 3.14159f};
  for (float f : samples) {
    EXPECT_EQ(f32_to_f16(f), f16_reference(f)) << f;
    EXPECT_EQ(f32_to_f16(-f), f16_reference(-f)) << -f;
  }
  for (uint64_t u = 0x30000000; u < 0x47800000; u += 79193) {
    const float f = from_bits(uint32_t(u));
    ASSERT_EQ(f32_to_f16(f), f16_reference(f)) << std::hex << u;
  }
}

TEST(DType, Float8Decode) {
  EXPECT_EQ(f8e4m3_to_f32(0x38), 1.0f);    // exponent 7, mantissa 0
  EXPECT_EQ(f8e4m3_to_f32(0x7e), 448.0f);  // largest finite e4m3fn
  EXPECT_TRUE(std::isnan(f8e4m3_to_f32(0x7f)));
  EXPECT_EQ(f8e4m3_to_f32(0x01), std::ldexp(1.0f, -9));
  EXPECT_EQ(f8e5m2_to_f32(0x3c), 1.0f);
  EXPECT_TRUE(std::isinf(f8e5m2_to_f32(0x7c)));
}
