// Element load/store with dtype conversion, shared by the CPU copy kernel and item access.
// Floating values travel as double, integers as int64, so integer→integer copies are exact.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "automodel/core/dtype.h"

namespace automodel::cpu {

inline double load_as_double(DType t, const std::byte* p) {
  switch (t) {
    case DType::F32: { float v; std::memcpy(&v, p, 4); return v; }
    case DType::F64: { double v; std::memcpy(&v, p, 8); return v; }
    case DType::F16: { uint16_t v; std::memcpy(&v, p, 2); return f16_to_f32(v); }
    case DType::BF16: { uint16_t v; std::memcpy(&v, p, 2); return bf16_to_f32(v); }
    case DType::I64: { int64_t v; std::memcpy(&v, p, 8); return double(v); }
    case DType::I32: { int32_t v; std::memcpy(&v, p, 4); return v; }
    case DType::I16: { int16_t v; std::memcpy(&v, p, 2); return v; }
    case DType::I8: return double(int8_t(p[0]));
    case DType::U8: return double(uint8_t(p[0]));
    case DType::BOOL: return p[0] != std::byte{0} ? 1.0 : 0.0;
    case DType::F8_E4M3: return f8e4m3_to_f32(uint8_t(p[0]));
    case DType::F8_E5M2: return f8e5m2_to_f32(uint8_t(p[0]));
  }
  return 0;
}

inline int64_t load_as_int64(DType t, const std::byte* p) {
  switch (t) {
    case DType::I64: { int64_t v; std::memcpy(&v, p, 8); return v; }
    case DType::I32: { int32_t v; std::memcpy(&v, p, 4); return v; }
    case DType::I16: { int16_t v; std::memcpy(&v, p, 2); return v; }
    case DType::I8: return int8_t(p[0]);
    case DType::U8: return uint8_t(p[0]);
    case DType::BOOL: return p[0] != std::byte{0};
    default: return 0;
  }
}

// Float → integer truncates toward zero like a C cast; NaN and out-of-range values (undefined
// behaviour in C++, garbage in torch) saturate so the copy stays well defined.
template <class I>
inline I saturating_cast(double v) {
  if (std::isnan(v)) return 0;
  if (v <= double(std::numeric_limits<I>::min())) return std::numeric_limits<I>::min();
  if (v >= double(std::numeric_limits<I>::max())) return std::numeric_limits<I>::max();
  return I(v);
}

inline void store_double(DType t, std::byte* p, double v) {
  switch (t) {
    case DType::F32: { float f = float(v); std::memcpy(p, &f, 4); return; }
    case DType::F64: std::memcpy(p, &v, 8); return;
    case DType::F16: { uint16_t h = f32_to_f16(float(v)); std::memcpy(p, &h, 2); return; }
    case DType::BF16: { uint16_t h = f32_to_bf16(float(v)); std::memcpy(p, &h, 2); return; }
    case DType::I64: { int64_t i = saturating_cast<int64_t>(v); std::memcpy(p, &i, 8); return; }
    case DType::I32: { int32_t i = saturating_cast<int32_t>(v); std::memcpy(p, &i, 4); return; }
    case DType::I16: { int16_t i = saturating_cast<int16_t>(v); std::memcpy(p, &i, 2); return; }
    case DType::I8: p[0] = std::byte(uint8_t(saturating_cast<int8_t>(v))); return;
    case DType::U8: p[0] = std::byte(saturating_cast<uint8_t>(v)); return;
    case DType::BOOL: p[0] = std::byte(v != 0 ? 1 : 0); return;
    default: return;  // F8 is never a destination (rejected by the caller)
  }
}

inline void store_int64(DType t, std::byte* p, int64_t v) {
  switch (t) {
    case DType::I64: std::memcpy(p, &v, 8); return;
    case DType::I32: { int32_t i = int32_t(v); std::memcpy(p, &i, 4); return; }  // wraps, like torch
    case DType::I16: { int16_t i = int16_t(v); std::memcpy(p, &i, 2); return; }
    case DType::I8: p[0] = std::byte(uint8_t(v)); return;
    case DType::U8: p[0] = std::byte(uint8_t(v)); return;
    case DType::BOOL: p[0] = std::byte(v != 0 ? 1 : 0); return;
    default: store_double(t, p, double(v)); return;
  }
}

inline bool is_int_like(DType t) { return dtype_info(t).is_integral || t == DType::BOOL; }

}  // namespace automodel::cpu
