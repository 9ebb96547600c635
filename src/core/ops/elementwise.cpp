// Elementwise ops: validation and dispatch (kernels in src/core/cpu/elementwise.cpp).
#include <map>

#include "../cpu/kernels.h"
#include "automodel/core/autograd.h"
#include "op_common.h"

namespace automodel::ops {

using namespace detail;

namespace {

// Which saved tensor a unary op's gradient formula reads.
bool backward_reads_output(cpu::UnaryKind k) { return k == cpu::UnaryKind::kExp || k == cpu::UnaryKind::kTanh; }
bool backward_reads_input(cpu::UnaryKind k) {
  return k == cpu::UnaryKind::kSilu || k == cpu::UnaryKind::kGelu || k == cpu::UnaryKind::kGeluTanh ||
         k == cpu::UnaryKind::kRelu || k == cpu::UnaryKind::kClamp;
}

Tensor unary_op(const char* name, cpu::UnaryKind kind, const Tensor& x, double p0 = 0, double p1 = 0) {
  check_float(name, "x", x);
  op_device(name, {&x});
  Tensor y;
  {
    NoGradGuard no_grad;
    y = cpu::unary(kind, x.contiguous(), p0, p1);
  }
  if (autograd::needs_grad({&x})) {
    const Tensor saved_x = backward_reads_input(kind) ? autograd::detach(x) : Tensor();
    const Tensor saved_y = backward_reads_output(kind) ? autograd::detach(y) : Tensor();
    autograd::record(y, name, {x}, [kind, saved_x, saved_y, p0, p1](const Tensor& g) {
      return std::vector<Tensor>{cpu::unary_backward(kind, saved_x, saved_y, g, p0, p1)};
    });
  }
  return y;
}

Tensor binary_op(const char* name, cpu::BinaryKind kind, const Tensor& a, const Tensor& b) {
  check_float(name, "a", a);
  check_float(name, "b", b);
  op_device(name, {&a, &b});
  const Shape shape = broadcast_shapes(name, a.shape(), b.shape());
  const DType dt = promote(a.dtype(), b.dtype());
  Tensor y;
  {
    NoGradGuard no_grad;
    y = cpu::binary(kind, expand_to(a.to(dt), shape), expand_to(b.to(dt), shape));
  }
  if (autograd::needs_grad({&a, &b})) {
    const bool ga = autograd::requires_grad(a), gb = autograd::requires_grad(b);
    const Tensor sa = kind == cpu::BinaryKind::kMul || kind == cpu::BinaryKind::kDiv ? autograd::detach(a) : Tensor();
    const Tensor sb = kind == cpu::BinaryKind::kMul || kind == cpu::BinaryKind::kDiv ? autograd::detach(b) : Tensor();
    autograd::record(y, name, {a, b}, [kind, ga, gb, sa, sb, as = a.shape(), bs = b.shape()](const Tensor& g) {
      Tensor da, db;
      switch (kind) {
        case cpu::BinaryKind::kAdd:
          if (ga) da = autograd::sum_to(g, as);
          if (gb) db = autograd::sum_to(g, bs);
          break;
        case cpu::BinaryKind::kSub:
          if (ga) da = autograd::sum_to(g, as);
          if (gb) db = autograd::sum_to(neg(g), bs);
          break;
        case cpu::BinaryKind::kMul:
          if (ga) da = autograd::sum_to(mul(g, cast(sb, DType::F32)), as);
          if (gb) db = autograd::sum_to(mul(g, cast(sa, DType::F32)), bs);
          break;
        case cpu::BinaryKind::kDiv: {
          const Tensor bf = cast(sb, DType::F32);
          if (ga) da = autograd::sum_to(div(g, bf), as);
          if (gb) db = autograd::sum_to(neg(div(mul(g, cast(sa, DType::F32)), mul(bf, bf))), bs);
          break;
        }
      }
      return std::vector<Tensor>{da, db};
    });
  }
  return y;
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
// HF's ACT2FN names (activations.py) that map onto our kernels: the op's own name and kernel.
struct ActivationKernel {
  const char* op;
  cpu::UnaryKind kind;
};
const std::map<std::string, ActivationKernel>& activation_table() {
  static const std::map<std::string, ActivationKernel> table = {
      {"silu", {"silu", cpu::UnaryKind::kSilu}},
      {"swish", {"silu", cpu::UnaryKind::kSilu}},
      {"gelu", {"gelu", cpu::UnaryKind::kGelu}},
      {"gelu_new", {"gelu_tanh", cpu::UnaryKind::kGeluTanh}},
      {"gelu_pytorch_tanh", {"gelu_tanh", cpu::UnaryKind::kGeluTanh}},
      {"gelu_fast", {"gelu_tanh", cpu::UnaryKind::kGeluTanh}},
      {"relu", {"relu", cpu::UnaryKind::kRelu}},
      {"tanh", {"tanh", cpu::UnaryKind::kTanh}},
  };
  return table;
}

const ActivationKernel& find_activation(const char* op, const std::string& hf_name) {
  auto it = activation_table().find(hf_name);
  if (it == activation_table().end()) {
    std::string names;
    for (const auto& [k, fn] : activation_table()) names += (names.empty() ? "" : ", ") + k;
    fail(op, ": unsupported hidden activation '", hf_name, "' (supported: ", names, ")");
  }
  return it->second;
}
}  // namespace

bool is_supported_activation(const std::string& hf_name) { return activation_table().count(hf_name) != 0; }

Tensor activation(const Tensor& x, const std::string& hf_name) {
  const ActivationKernel& a = find_activation("activation", hf_name);
  return unary_op(a.op, a.kind, x);
}

Tensor activation_mul(const Tensor& gate, const Tensor& up, const std::string& hf_name) {
  const ActivationKernel& a = find_activation("activation_mul", hf_name);
  check_float("activation_mul", "gate", gate);
  check_float("activation_mul", "up", up);
  // The fused kernel takes same-shape, same-dtype operands outside autograd; anything else runs
  // as the two ops it stands for.
  if (gate.shape() != up.shape() || gate.dtype() != up.dtype() || autograd::needs_grad({&gate, &up}))
    return mul(unary_op(a.op, a.kind, gate), up);
  op_device("activation_mul", {&gate, &up});
  NoGradGuard no_grad;
  return cpu::activation_mul(a.kind, gate.contiguous(), up.contiguous());
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_integer("where", "cond", cond);
  check_float("where", "a", a);
  check_float("where", "b", b);
  op_device("where", {&cond, &a, &b});
  const DType dt = promote(a.dtype(), b.dtype());
  const Shape shape = broadcast_shapes("where", broadcast_shapes("where", cond.shape(), a.shape()), b.shape());
  Tensor y;
  {
    NoGradGuard no_grad;
    y = cpu::where(expand_to(cond, shape), expand_to(a.to(dt), shape), expand_to(b.to(dt), shape));
  }
  if (autograd::needs_grad({&a, &b})) {
    const bool ga = autograd::requires_grad(a), gb = autograd::requires_grad(b);
    autograd::record(y, "where", {a, b}, [cond, ga, gb, as = a.shape(), bs = b.shape()](const Tensor& g) {
      const Tensor zero = Tensor::zeros({}, DType::F32);
      Tensor da, db;
      if (ga) da = autograd::sum_to(where(cond, g, zero), as);
      if (gb) db = autograd::sum_to(where(cond, zero, g), bs);
      return std::vector<Tensor>{da, db};
    });
  }
  return y;
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
  // Tensor::to and contiguous record their own (pass-through) gradient.
  return x.to(dtype).contiguous();
}

}  // namespace automodel::ops
