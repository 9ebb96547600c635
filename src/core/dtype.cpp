#include "automodel/core/dtype.h"

#include <cmath>

#include "automodel/core/error.h"

namespace automodel {

namespace {
constexpr DTypeInfo kInfo[] = {
    {"float32", "F32", 1, 4, true, false, true},
    {"float16", "F16", 1, 2, true, false, true},
    {"bfloat16", "BF16", 1, 2, true, false, true},
    {"float64", "F64", 1, 8, true, false, true},
    {"int64", "I64", 1, 8, false, true, true},
    {"int32", "I32", 1, 4, false, true, true},
    {"int16", "I16", 1, 2, false, true, true},
    {"int8", "I8", 1, 1, false, true, true},
    {"uint8", "U8", 1, 1, false, true, true},
    {"bool", "BOOL", 1, 1, false, false, true},
    {"float8_e4m3fn", "F8_E4M3", 1, 1, true, false, false},
    {"float8_e5m2", "F8_E5M2", 1, 1, true, false, false},
};
constexpr int kNumDTypes = sizeof(kInfo) / sizeof(kInfo[0]);
}  // namespace

const DTypeInfo& dtype_info(DType t) { return kInfo[static_cast<int>(t)]; }

int64_t dtype_nbytes(DType t, int64_t n) {
  const auto& i = dtype_info(t);
  AM_CHECK(n % i.block_elems == 0, "dtype ", i.name, ": ", n, " elements is not a multiple of the block size ",
           i.block_elems);
  return n / i.block_elems * i.block_bytes;
}

std::optional<DType> dtype_from_safetensors(std::string_view s) {
  for (int k = 0; k < kNumDTypes; ++k)
    if (kInfo[k].safetensors_name == s) return static_cast<DType>(k);
  return std::nullopt;
}

std::optional<DType> dtype_from_string(std::string_view s) {
  if (s.starts_with("torch.")) s.remove_prefix(6);
  for (int k = 0; k < kNumDTypes; ++k)
    if (kInfo[k].name == s || kInfo[k].safetensors_name == s) return static_cast<DType>(k);
  if (s == "float" || s == "fp32" || s == "f32") return DType::F32;
  if (s == "half" || s == "fp16" || s == "f16") return DType::F16;
  if (s == "bf16") return DType::BF16;
  if (s == "double" || s == "f64") return DType::F64;
  if (s == "long") return DType::I64;
  if (s == "int") return DType::I32;
  return std::nullopt;
}

float f16_to_f32(uint16_t h) {
  const uint32_t sign = uint32_t(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1f;
  uint32_t mant = h & 0x3ffu;
  uint32_t u;
  if (exp == 0x1f) {
    u = sign | 0x7f800000u | (mant << 13);
  } else if (exp != 0) {
    u = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    u = sign;
  } else {  // subnormal: normalise
    int e = -1;
    do {
      ++e;
      mant <<= 1;
    } while ((mant & 0x400u) == 0);
    u = sign | uint32_t(112 - e) << 23 | ((mant & 0x3ffu) << 13);
  }
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

uint16_t f32_to_f16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  const uint16_t sign = uint16_t((u >> 16) & 0x8000u);
  const uint32_t abs = u & 0x7fffffffu;
  if (abs > 0x7f800000u) return sign | 0x7e00u;  // NaN
  if (abs >= 0x477ff000u) return sign | 0x7c00u;  // rounds to >= 65520: inf
  if (abs >= 0x38800000u) {                        // normal half
    uint32_t r = abs + 0xfffu + ((abs >> 13) & 1u);  // RNE on the 13 dropped bits
    return sign | uint16_t((r - 0x38000000u) >> 13);
  }
  if (abs < 0x33000000u) return sign;  // < 2^-25: rounds to zero (2^-25 itself ties to 0)
  // subnormal half: value = m * 2^-24, m in [1, 1023]
  const uint32_t exp = abs >> 23;
  const uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
  const uint32_t shift = 126 - exp;  // 14 + (113 - exp - 1) + ...: bits to drop
  uint32_t q = mant >> shift;
  const uint32_t rem = mant & ((1u << shift) - 1);
  const uint32_t half = 1u << (shift - 1);
  if (rem > half || (rem == half && (q & 1u))) ++q;
  return sign | uint16_t(q);
}

float f8e4m3_to_f32(uint8_t v) {
  const float sign = (v & 0x80) ? -1.0f : 1.0f;
  const int exp = (v >> 3) & 0xf;
  const int mant = v & 7;
  if (exp == 0xf && mant == 7) return std::nanf("");  // e4m3fn: no infinities
  if (exp == 0) return sign * std::ldexp(float(mant), -9);
  return sign * std::ldexp(1.0f + mant / 8.0f, exp - 7);
}

float f8e5m2_to_f32(uint8_t v) { return f16_to_f32(uint16_t(v) << 8); }

}  // namespace automodel
