// Row conversions between the floating storage dtypes and f32, the working precision of every
// CPU kernel. bf16/f16 results are rounded to nearest even, exactly like torch.
#pragma once

#include <cstdint>
#include <cstring>

#include "automodel/core/dtype.h"
#include "automodel/core/error.h"

namespace automodel::cpu {

inline bool is_float_compute(DType t) { return t == DType::F32 || t == DType::BF16 || t == DType::F16; }

// src (n elements of dtype t) -> dst f32.
inline void widen_to_f32(DType t, const void* src, float* dst, int64_t n) {
  switch (t) {
    case DType::F32:
      std::memcpy(dst, src, size_t(n) * 4);
      return;
    case DType::BF16: {
      const auto* s = static_cast<const uint16_t*>(src);
      for (int64_t i = 0; i < n; ++i) {
        const uint32_t u = uint32_t(s[i]) << 16;
        std::memcpy(dst + i, &u, 4);
      }
      return;
    }
    case DType::F16: {
      const auto* s = static_cast<const uint16_t*>(src);
      for (int64_t i = 0; i < n; ++i) dst[i] = f16_to_f32(s[i]);
      return;
    }
    default:
      fail("internal: widen_to_f32 on dtype ", dtype_name(t));
  }
}

// src f32 -> dst (n elements of dtype t), round to nearest even.
inline void narrow_from_f32(DType t, const float* src, void* dst, int64_t n) {
  switch (t) {
    case DType::F32:
      std::memcpy(dst, src, size_t(n) * 4);
      return;
    case DType::BF16: {
      auto* d = static_cast<uint16_t*>(dst);
      for (int64_t i = 0; i < n; ++i) d[i] = f32_to_bf16(src[i]);
      return;
    }
    case DType::F16: {
      auto* d = static_cast<uint16_t*>(dst);
      for (int64_t i = 0; i < n; ++i) d[i] = f32_to_f16(src[i]);
      return;
    }
    default:
      fail("internal: narrow_from_f32 on dtype ", dtype_name(t));
  }
}

// One value rounded to dtype t and back (identity for f32): where torch would store an
// intermediate bf16/f16 tensor inside a fused kernel, the kernel calls this.
inline float round_to(DType t, float v) {
  switch (t) {
    case DType::BF16: return bf16_to_f32(f32_to_bf16(v));
    case DType::F16: return f16_to_f32(f32_to_f16(v));
    default: return v;
  }
}

inline float load_f32(DType t, const void* base, int64_t i) {
  switch (t) {
    case DType::F32: return static_cast<const float*>(base)[i];
    case DType::BF16: return bf16_to_f32(static_cast<const uint16_t*>(base)[i]);
    case DType::F16: return f16_to_f32(static_cast<const uint16_t*>(base)[i]);
    default: fail("internal: load_f32 on dtype ", dtype_name(t));
  }
}

}  // namespace automodel::cpu
