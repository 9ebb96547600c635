// softmax, RMSNorm, LayerNorm and the last-dim reductions: validation and dispatch
// (kernels in src/core/cpu/norm_softmax.cpp).
#include "../cpu/kernels.h"
#include "automodel/core/autograd.h"
#include "op_common.h"

namespace automodel::ops {

using namespace detail;

namespace {
void check_norm_param(const char* op, const char* arg, const Tensor& p, const Tensor& x) {
  if (!p.defined()) return;
  check_float(op, arg, p);
  AM_CHECK(p.dim() == 1 && p.size(0) == x.size(-1), op, ": ", arg, " ", p.shape().str(),
           " does not match the last dim of x ", x.shape().str());
}
}  // namespace

Tensor softmax(const Tensor& x, int dim) {
  check_float("softmax", "x", x);
  op_device("softmax", {&x});
  const int d = x.wrap_dim(dim);
  const bool track = autograd::needs_grad({&x});
  Tensor y;
  {
    NoGradGuard no_grad;
    if (d == x.dim() - 1) y = cpu::softmax_last(x.contiguous());
    else y = cpu::softmax_last(x.transpose(d, -1).contiguous()).transpose(d, -1).contiguous();
  }
  if (track) {
    autograd::record(y, "softmax", {x}, [d, sy = autograd::detach(y)](const Tensor& g) {
      if (d == sy.dim() - 1) return std::vector<Tensor>{cpu::softmax_last_backward(sy, g.contiguous())};
      Tensor r = cpu::softmax_last_backward(sy.transpose(d, -1).contiguous(), g.transpose(d, -1).contiguous());
      return std::vector<Tensor>{r.transpose(d, -1).contiguous()};
    });
  }
  return y;
}

Tensor rms_norm(const Tensor& x, const Tensor& weight, double eps, RmsNormStyle style) {
  check_float("rms_norm", "x", x);
  check_defined("rms_norm", "weight", weight);
  check_norm_param("rms_norm", "weight", weight, x);
  op_device("rms_norm", {&x, &weight});
  Tensor y;
  {
    NoGradGuard no_grad;
    y = cpu::rms_norm(x.contiguous(), weight.contiguous(), eps, style);
  }
  if (autograd::needs_grad({&x, &weight})) {
    autograd::record(y, "rms_norm", {x, weight},
                     [sx = autograd::detach(x), sw = autograd::detach(weight), eps, style](const Tensor& g) {
                       auto [dx, dw] = cpu::rms_norm_backward(sx.contiguous(), sw.contiguous(), eps, style,
                                                              g.contiguous());
                       return std::vector<Tensor>{dx, dw};
                     });
  }
  return y;
}

std::pair<Tensor, Tensor> add_rms_norm(const Tensor& x, const Tensor& delta, const Tensor& weight, double eps,
                                       RmsNormStyle style) {
  check_float("add_rms_norm", "x", x);
  check_float("add_rms_norm", "delta", delta);
  check_defined("add_rms_norm", "weight", weight);
  check_norm_param("add_rms_norm", "weight", weight, x);
  // The fused kernel takes same-shape, same-dtype operands outside autograd (a decode or
  // inference forward); anything else (broadcasting, mixed dtypes, training) runs as the two
  // ops it stands for, so gradients flow as usual.
  if (x.shape() != delta.shape() || x.dtype() != delta.dtype() || autograd::needs_grad({&x, &delta, &weight})) {
    Tensor sum = add(x, delta);
    return {sum, rms_norm(sum, weight, eps, style)};
  }
  op_device("add_rms_norm", {&x, &delta, &weight});
  NoGradGuard no_grad;
  return cpu::add_rms_norm(x.contiguous(), delta.contiguous(), weight.contiguous(), eps, style);
}

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps) {
  check_float("layer_norm", "x", x);
  check_norm_param("layer_norm", "weight", weight, x);
  check_norm_param("layer_norm", "bias", bias, x);
  op_device("layer_norm", {&x, &weight, &bias});
  Tensor y;
  {
    NoGradGuard no_grad;
    y = cpu::layer_norm(x.contiguous(), weight.defined() ? weight.contiguous() : Tensor(),
                        bias.defined() ? bias.contiguous() : Tensor(), eps);
  }
  if (autograd::needs_grad({&x, &weight, &bias})) {
    autograd::record(y, "layer_norm", {x, weight, bias},
                     [sx = autograd::detach(x), sw = autograd::detach(weight), sb = autograd::detach(bias),
                      eps](const Tensor& g) {
                       auto [dx, dw, db] = cpu::layer_norm_backward(sx.contiguous(),
                                                                    sw.defined() ? sw.contiguous() : Tensor(),
                                                                    sb, eps, g.contiguous());
                       return std::vector<Tensor>{dx, dw, db};
                     });
  }
  return y;
}

Tensor argmax(const Tensor& x, int dim) {
  check_float("argmax", "x", x);
  op_device("argmax", {&x});
  AM_CHECK(x.numel() > 0, "argmax: empty tensor ", x.shape().str());
  const int d = x.wrap_dim(dim);
  if (d == x.dim() - 1) return cpu::argmax_last(x.contiguous());
  Dims order;
  for (int i = 0; i < x.dim(); ++i)
    if (i != d) order.push_back(i);
  order.push_back(d);
  return cpu::argmax_last(x.permute(order).contiguous());
}

std::pair<Tensor, Tensor> topk(const Tensor& x, int64_t k) {
  check_float("topk", "x", x);
  op_device("topk", {&x});
  AM_CHECK(x.dim() >= 1 && k >= 0 && k <= x.size(-1), "topk: k = ", k, " out of range for shape ", x.shape().str());
  std::pair<Tensor, Tensor> r;
  {
    NoGradGuard no_grad;
    r = cpu::topk_last(x.contiguous(), k);
  }
  if (autograd::needs_grad({&x})) {
    // The values are differentiable (scattered back to their positions); the indices are not.
    autograd::record(r.first, "topk", {x}, [idx = r.second, xs = x.shape()](const Tensor& g) {
      Tensor dx = Tensor::zeros(xs, DType::F32);
      const Tensor gf = g.to(DType::F32).contiguous();
      const int64_t n = xs[xs.size() - 1], kk = idx.size(-1), rows = kk ? idx.numel() / kk : 0;
      const int64_t* ip = idx.data<int64_t>();
      const float* gp = gf.data<float>();
      float* dp = dx.mutable_data<float>();
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t j = 0; j < kk; ++j) dp[r * n + ip[r * kk + j]] += gp[r * kk + j];
      return std::vector<Tensor>{dx};
    });
  }
  return r;
}

Tensor sum_last(const Tensor& x) {
  check_float("sum_last", "x", x);
  op_device("sum_last", {&x});
  AM_CHECK(x.dim() >= 1, "sum_last: needs at least 1 dim");
  Tensor y;
  {
    NoGradGuard no_grad;
    y = cpu::sum_last(x.contiguous());
  }
  if (autograd::needs_grad({&x})) {
    autograd::record(y, "sum_last", {x}, [xs = x.shape()](const Tensor& g) {
      return std::vector<Tensor>{g.to(DType::F32).unsqueeze(-1).expand(xs).contiguous()};
    });
  }
  return y;
}

}  // namespace automodel::ops
