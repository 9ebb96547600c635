// Element types. Scalar types are what safetensors stores; block-quantized types (several
// elements sharing a scale) will be added as entries whose block_elems > 1, so every size
// computation goes through dtype_info() rather than sizeof.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace automodel {

enum class DType : uint8_t {
  F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL,
  F8_E4M3,  // storage only: widened on load, never produced
  F8_E5M2,
};

struct DTypeInfo {
  std::string_view name;              // "float32", as torch spells it
  std::string_view safetensors_name;  // "F32"
  int block_elems;                    // elements per storage block (1 for scalar types)
  int block_bytes;                    // bytes per storage block
  bool is_floating;
  bool is_integral;  // bool counts as neither
  bool computable;   // kernels accept it as an operand (F8 is read-only storage)
};

const DTypeInfo& dtype_info(DType t);
inline std::string_view dtype_name(DType t) { return dtype_info(t).name; }
inline int dtype_size(DType t) { return dtype_info(t).block_bytes; }  // scalar types only
// Bytes needed for n elements (n must be a multiple of the block size).
int64_t dtype_nbytes(DType t, int64_t n);

// Parses safetensors names ("BF16") and torch names ("bfloat16", "float", "half", "torch.float16").
std::optional<DType> dtype_from_safetensors(std::string_view s);
std::optional<DType> dtype_from_string(std::string_view s);

// ---- scalar conversions (round-to-nearest-even, like torch) ----
inline float bf16_to_f32(uint16_t h) {
  uint32_t u = uint32_t(h) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}
inline uint16_t f32_to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return uint16_t((u >> 16) | 0x40);  // quiet NaN
  u += 0x7fffu + ((u >> 16) & 1u);
  return uint16_t(u >> 16);
}
float f16_to_f32(uint16_t h);
uint16_t f32_to_f16(float f);
float f8e4m3_to_f32(uint8_t v);
float f8e5m2_to_f32(uint8_t v);

// C++ type ↔ DType, for typed accessors.
template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr DType value = DType::F32; };
template <> struct dtype_of<double> { static constexpr DType value = DType::F64; };
template <> struct dtype_of<int64_t> { static constexpr DType value = DType::I64; };
template <> struct dtype_of<int32_t> { static constexpr DType value = DType::I32; };
template <> struct dtype_of<int16_t> { static constexpr DType value = DType::I16; };
template <> struct dtype_of<int8_t> { static constexpr DType value = DType::I8; };
template <> struct dtype_of<uint8_t> { static constexpr DType value = DType::U8; };
template <> struct dtype_of<bool> { static constexpr DType value = DType::BOOL; };

}  // namespace automodel
