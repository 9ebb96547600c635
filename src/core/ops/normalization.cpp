// softmax, RMSNorm, LayerNorm and the last-dim reductions: validation and dispatch
// (kernels in src/core/cpu/norm_softmax.cpp).
#include "../cpu/kernels.h"
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
  if (d == x.dim() - 1) return cpu::softmax_last(x.contiguous());
  return cpu::softmax_last(x.transpose(d, -1).contiguous()).transpose(d, -1).contiguous();
}

Tensor rms_norm(const Tensor& x, const Tensor& weight, double eps, RmsNormStyle style) {
  check_float("rms_norm", "x", x);
  check_defined("rms_norm", "weight", weight);
  check_norm_param("rms_norm", "weight", weight, x);
  op_device("rms_norm", {&x, &weight});
  return cpu::rms_norm(x.contiguous(), weight.contiguous(), eps, style);
}

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps) {
  check_float("layer_norm", "x", x);
  check_norm_param("layer_norm", "weight", weight, x);
  check_norm_param("layer_norm", "bias", bias, x);
  op_device("layer_norm", {&x, &weight, &bias});
  return cpu::layer_norm(x.contiguous(), weight.defined() ? weight.contiguous() : Tensor(),
                         bias.defined() ? bias.contiguous() : Tensor(), eps);
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
  return cpu::topk_last(x.contiguous(), k);
}

Tensor sum_last(const Tensor& x) {
  check_float("sum_last", "x", x);
  op_device("sum_last", {&x});
  AM_CHECK(x.dim() >= 1, "sum_last: needs at least 1 dim");
  return cpu::sum_last(x.contiguous());
}

}  // namespace automodel::ops
