// Helpers shared by the op dispatch functions: argument checks with uniform messages, dtype
// promotion, broadcasting, and the device switch. Every op goes validate -> device -> kernel.
#pragma once

#include <string>

#include "automodel/core/ops.h"
#include "automodel/core/tensor.h"

namespace automodel::ops::detail {

inline void check_defined(const char* op, const char* arg, const Tensor& t) {
  AM_CHECK(t.defined(), op, ": argument '", arg, "' is an undefined tensor");
}

inline bool is_float_dtype(DType t) { return t == DType::F32 || t == DType::BF16 || t == DType::F16; }

inline void check_float(const char* op, const char* arg, const Tensor& t) {
  check_defined(op, arg, t);
  AM_CHECK(is_float_dtype(t.dtype()), op, ": argument '", arg, "' must be float32, bfloat16 or float16, got ",
           dtype_name(t.dtype()), " ", t.shape().str());
}

inline void check_integer(const char* op, const char* arg, const Tensor& t) {
  check_defined(op, arg, t);
  AM_CHECK(dtype_info(t.dtype()).is_integral || t.dtype() == DType::BOOL, op, ": argument '", arg,
           "' must have an integer dtype, got ", dtype_name(t.dtype()));
}

inline void check_dim(const char* op, const char* arg, const Tensor& t, int want) {
  AM_CHECK(t.dim() == want, op, ": argument '", arg, "' must have ", want, " dims, got shape ", t.shape().str());
}

// The kernel backend for a set of tensors: all must be on one device, which must have kernels.
inline Device op_device(const char* op, std::initializer_list<const Tensor*> ts) {
  Device dev;
  bool first = true;
  for (const Tensor* t : ts) {
    if (!t->defined()) continue;
    if (first) {
      dev = t->device();
      first = false;
    } else {
      AM_CHECK(t->device() == dev, op, ": tensors on different devices (", dev.str(), " and ", t->device().str(), ")");
    }
  }
  AM_CHECK(dev.is_cpu(), op, ": no kernel for device ", dev.str(), " in this build");
  return dev;
}

// torch's promotion among the floating compute dtypes: equal stays, otherwise f32.
inline DType promote(DType a, DType b) { return a == b ? a : DType::F32; }

inline Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  const int n = std::max(a.size(), b.size());
  Shape out;
  for (int i = 0; i < n; ++i) out.push_back(1);
  for (int i = 0; i < n; ++i) {
    const int ia = a.size() - n + i, ib = b.size() - n + i;
    const int64_t da = ia >= 0 ? a[ia] : 1, db = ib >= 0 ? b[ib] : 1;
    AM_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", a.str(), " and ", b.str(), " cannot be broadcast");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

// t viewed with shape `to` (leading dims added, size-1 dims stretched).
inline Tensor expand_to(const Tensor& t, const Shape& to) {
  Tensor v = t;
  while (v.dim() < to.size()) v = v.unsqueeze(0);
  return v.expand(to);
}

}  // namespace automodel::ops::detail
