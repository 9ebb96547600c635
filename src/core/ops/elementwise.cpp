// Elementwise ops: validation and dispatch (kernels in src/core/cpu/elementwise.cpp).
#include <map>

#include "../cpu/kernels.h"
#include "op_common.h"

namespace automodel::ops {

using namespace detail;

namespace {

Tensor unary_op(const char* name, cpu::UnaryKind kind, const Tensor& x, double p0 = 0, double p1 = 0) {
  check_float(name, "x", x);
  op_device(name, {&x});
  return cpu::unary(kind, x.contiguous(), p0, p1);
}

Tensor binary_op(const char* name, cpu::BinaryKind kind, const Tensor& a, const Tensor& b) {
  check_float(name, "a", a);
  check_float(name, "b", b);
  op_device(name, {&a, &b});
  const Shape shape = broadcast_shapes(name, a.shape(), b.shape());
  const DType dt = promote(a.dtype(), b.dtype());
  return cpu::binary(kind, expand_to(a.to(dt), shape), expand_to(b.to(dt), shape));
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b) { return binary_op("add", cpu::BinaryKind::kAdd, a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary_op("sub", cpu::BinaryKind::kSub, a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary_op("mul", cpu::BinaryKind::kMul, a, b); }
Tensor div(const Tensor& a, const Tensor& b) { return binary_op("div", cpu::BinaryKind::kDiv, a, b); }
Tensor mul_scalar(const Tensor& x, double s) { return unary_op("mul_scalar", cpu::UnaryKind::kMulScalar, x, s); }
Tensor add_scalar(const Tensor& x, double s) { return unary_op("add_scalar", cpu::UnaryKind::kAddScalar, x, s); }
Tensor neg(const Tensor& x) { return unary_op("neg", cpu::UnaryKind::kNeg, x); }
Tensor exp(const Tensor& x) { return unary_op("exp", cpu::UnaryKind::kExp, x); }
Tensor tanh(const Tensor& x) { return unary_op("tanh", cpu::UnaryKind::kTanh, x); }
Tensor silu(const Tensor& x) { return unary_op("silu", cpu::UnaryKind::kSilu, x); }
Tensor gelu(const Tensor& x) { return unary_op("gelu", cpu::UnaryKind::kGelu, x); }
Tensor gelu_tanh(const Tensor& x) { return unary_op("gelu_tanh", cpu::UnaryKind::kGeluTanh, x); }
Tensor relu(const Tensor& x) { return unary_op("relu", cpu::UnaryKind::kRelu, x); }
Tensor clamp(const Tensor& x, double lo, double hi) {
  AM_CHECK(lo <= hi, "clamp: lower bound ", lo, " exceeds upper bound ", hi);
  return unary_op("clamp", cpu::UnaryKind::kClamp, x, lo, hi);
}

namespace {
// HF's ACT2FN names (activations.py) that map onto our kernels.
const std::map<std::string, Tensor (*)(const Tensor&)>& activation_table() {
  static const std::map<std::string, Tensor (*)(const Tensor&)> table = {
      {"silu", &silu},          {"swish", &silu},     {"gelu", &gelu},
      {"gelu_new", &gelu_tanh}, {"gelu_pytorch_tanh", &gelu_tanh}, {"gelu_fast", &gelu_tanh},
      {"relu", &relu},          {"tanh", &tanh},
  };
  return table;
}
}  // namespace

bool is_supported_activation(const std::string& hf_name) { return activation_table().count(hf_name) != 0; }

Tensor activation(const Tensor& x, const std::string& hf_name) {
  auto it = activation_table().find(hf_name);
  if (it == activation_table().end()) {
    std::string names;
    for (const auto& [k, fn] : activation_table()) names += (names.empty() ? "" : ", ") + k;
    fail("activation: unsupported hidden activation '", hf_name, "' (supported: ", names, ")");
  }
  return it->second(x);
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_integer("where", "cond", cond);
  check_float("where", "a", a);
  check_float("where", "b", b);
  op_device("where", {&cond, &a, &b});
  const DType dt = promote(a.dtype(), b.dtype());
  const Shape shape = broadcast_shapes("where", broadcast_shapes("where", cond.shape(), a.shape()), b.shape());
  return cpu::where(expand_to(cond, shape), expand_to(a.to(dt), shape), expand_to(b.to(dt), shape));
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  check_float("masked_fill", "x", x);
  check_integer("masked_fill", "mask", mask);
  const Shape shape = broadcast_shapes("masked_fill", x.shape(), mask.shape());
  AM_CHECK(shape == x.shape(), "masked_fill: mask ", mask.shape().str(), " must broadcast to x ", x.shape().str());
  return where(mask, Tensor::full({}, value, x.dtype()), x);
}

Tensor cast(const Tensor& x, DType dtype) {
  check_defined("cast", "x", x);
  op_device("cast", {&x});
  AM_CHECK(dtype_info(dtype).computable, "cast: cannot produce dtype ", dtype_name(dtype));
  return x.to(dtype).contiguous();
}

}  // namespace automodel::ops
