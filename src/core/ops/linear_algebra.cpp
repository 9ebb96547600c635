// linear and matmul: validation and dispatch (kernels in src/core/cpu/gemm.cpp).
#include "../cpu/kernels.h"
#include "automodel/core/autograd.h"
#include "op_common.h"

namespace automodel::ops {

using namespace detail;

namespace {
// The operand checks of linear and linear_group: x [..., in] floating, weight [out, in], bias
// [out] or undefined, one device. `index` >= 0 numbers the weight within a group in messages.
void check_linear_operands(const char* op, const Tensor& x, const Tensor& weight, const Tensor& bias,
                           int64_t index = -1) {
  const std::string nth = index >= 0 ? " " + std::to_string(index) : "";
  check_float(op, "x", x);
  check_float(op, "weight", weight);
  check_dim(op, "weight", weight, 2);
  AM_CHECK(x.dim() >= 1 && x.size(-1) == weight.size(1), op, ": x ", x.shape().str(), " has ",
           x.dim() ? x.size(-1) : 0, " input features but weight", nth, " ", weight.shape().str(),
           " ([out, in]) expects ", weight.size(1));
  if (bias.defined()) {
    check_float(op, "bias", bias);
    AM_CHECK(bias.dim() == 1 && bias.size(0) == weight.size(0), op, ": bias", nth, " ", bias.shape().str(),
             " does not match weight ", weight.shape().str());
  }
  op_device(op, {&x, &weight, &bias});
}
}  // namespace

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check_linear_operands("linear", x, weight, bias);
  Shape out_shape = x.shape();
  out_shape[out_shape.size() - 1] = weight.size(0);
  Tensor y;
  {
    NoGradGuard no_grad;
    y = cpu::linear(x.contiguous(), weight.contiguous(), bias.defined() ? bias.contiguous() : Tensor()).view(out_shape);
  }
  if (autograd::needs_grad({&x, &weight, &bias})) {
    const bool gx = autograd::requires_grad(x), gw = autograd::requires_grad(weight),
               gb = bias.defined() && autograd::requires_grad(bias);
    // Saved without their graphs: x only when dW is needed, the weight only when dx is.
    const Tensor sx = gw ? autograd::detach(x) : Tensor();
    const Tensor sw = autograd::detach(weight);
    autograd::record(y, "linear", {x, weight, bias}, [gx, gw, gb, sx, sw, xs = x.shape()](const Tensor& g) {
      auto [dx, dw, db] = cpu::linear_backward(sx.defined() ? sx.contiguous() : Tensor(), sw.contiguous(), gb,
                                               g.contiguous(), gx, gw);
      return std::vector<Tensor>{gx ? dx.view(xs) : Tensor(), dw, db};
    });
  }
  return y;
}

std::vector<Tensor> linear_group(const Tensor& x, const std::vector<Tensor>& weights, const std::vector<Tensor>& biases) {
  AM_CHECK(biases.empty() || biases.size() == weights.size(), "linear_group: ", weights.size(), " weights but ",
           biases.size(), " biases");
  auto bias = [&](size_t i) { return biases.empty() ? Tensor() : biases[i]; };
  // Training (a graph to record) takes the module-by-module path and its backward formulas.
  std::vector<Tensor> operands{x};
  for (size_t i = 0; i < weights.size(); ++i) {
    operands.push_back(weights[i]);
    operands.push_back(bias(i));
  }
  std::vector<Tensor> ys;
  if (autograd::needs_grad(operands)) {
    for (size_t i = 0; i < weights.size(); ++i) ys.push_back(linear(x, weights[i], bias(i)));
    return ys;
  }
  std::vector<Tensor> ws, bs;
  for (size_t i = 0; i < weights.size(); ++i) {
    const Tensor b = bias(i);
    check_linear_operands("linear_group", x, weights[i], b, int64_t(i));
    ws.push_back(weights[i].contiguous());
    bs.push_back(b.defined() ? b.contiguous() : Tensor());
  }
  std::vector<Tensor> flat = cpu::linear_group(x.contiguous(), ws, bs);
  for (size_t i = 0; i < flat.size(); ++i) {
    Shape out_shape = x.shape();
    out_shape[out_shape.size() - 1] = ws[i].size(0);
    ys.push_back(flat[i].view(out_shape));
  }
  return ys;
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_float("matmul", "a", a);
  check_float("matmul", "b", b);
  AM_CHECK(a.dim() >= 2 && b.dim() >= 2, "matmul: needs at least 2-d operands, got ", a.shape().str(), " and ",
           b.shape().str());
  AM_CHECK(a.size(-1) == b.size(-2), "matmul: inner sizes differ: ", a.shape().str(), " @ ", b.shape().str());
  op_device("matmul", {&a, &b});
  Shape ba = a.shape(), bb = b.shape();
  ba.erase(ba.size() - 1);
  ba.erase(ba.size() - 1);
  bb.erase(bb.size() - 1);
  bb.erase(bb.size() - 1);
  Shape batch = broadcast_shapes("matmul", ba, bb);
  const int64_t m = a.size(-2), k = a.size(-1), n = b.size(-1);
  Shape sa = batch, sb = batch;
  sa.push_back(m);
  sa.push_back(k);
  sb.push_back(k);
  sb.push_back(n);
  const DType dt = promote(a.dtype(), b.dtype());
  const int64_t nb = batch.numel();
  const bool track = autograd::needs_grad({&a, &b});
  NoGradGuard no_grad_forward;
  Tensor a3 = expand_to(a.to(dt), sa).contiguous().view({nb, m, k});
  Tensor b3 = expand_to(b.to(dt), sb).contiguous().view({nb, k, n});
  Shape out = batch;
  out.push_back(m);
  out.push_back(n);
  Tensor y = cpu::bmm(a3, b3).view(out);
  if (track) {
    const bool ga = autograd::requires_grad(a), gb = autograd::requires_grad(b);
    const Tensor sa = autograd::detach(a), sb = autograd::detach(b);
    autograd::record(y, "matmul", {a, b}, [ga, gb, sa, sb](const Tensor& g) {
      Tensor da, db;
      if (ga) da = autograd::sum_to(matmul(g, cast(sb, DType::F32).transpose(-1, -2)), sa.shape());
      if (gb) db = autograd::sum_to(matmul(cast(sa, DType::F32).transpose(-1, -2), g), sb.shape());
      return std::vector<Tensor>{da, db};
    });
  }
  return y;
}

}  // namespace automodel::ops
