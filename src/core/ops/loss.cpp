// Losses: validation, dispatch and their gradients (kernels in src/core/cpu/cross_entropy.cpp).
#include "../cpu/kernels.h"
#include "automodel/core/autograd.h"
#include "op_common.h"

namespace automodel::ops {

using namespace detail;

namespace {
void check_labels(const char* op, const Tensor& labels, int64_t rows) {
  check_integer(op, "labels", labels);
  AM_CHECK(labels.dim() == 1 && labels.size(0) == rows, op, ": labels ", labels.shape().str(), " must be [", rows,
           "], one per row");
}
}  // namespace

Tensor cross_entropy_sum(const Tensor& logits, const Tensor& labels, int64_t ignore_index) {
  const char* op = "cross_entropy_sum";
  check_float(op, "logits", logits);
  check_dim(op, "logits", logits, 2);
  check_labels(op, labels, logits.size(0));
  op_device(op, {&logits, &labels});
  auto [loss, lse] = cpu::cross_entropy_forward(logits, labels, ignore_index);
  if (autograd::needs_grad({&logits})) {
    autograd::record(loss, op, {logits},
                     [z = autograd::detach(logits), labels, lse = lse, ignore_index](const Tensor& g) {
                       return std::vector<Tensor>{
                           cpu::cross_entropy_backward(z, labels, lse, ignore_index, float(g.item()))};
                     });
  }
  return loss;
}

Tensor linear_cross_entropy_sum(const Tensor& hidden, const Tensor& weight, const Tensor& labels, int64_t ignore_index,
                                double softcap) {
  const char* op = "linear_cross_entropy_sum";
  check_float(op, "hidden", hidden);
  check_float(op, "weight", weight);
  check_dim(op, "hidden", hidden, 2);
  check_dim(op, "weight", weight, 2);
  AM_CHECK(hidden.size(1) == weight.size(1), op, ": hidden ", hidden.shape().str(), " and weight ",
           weight.shape().str(), " ([vocab, hidden]) disagree on the hidden size");
  AM_CHECK(softcap >= 0, op, ": softcap must be >= 0, got ", softcap);
  check_labels(op, labels, hidden.size(0));
  op_device(op, {&hidden, &weight, &labels});
  auto [loss, lse] = cpu::linear_cross_entropy_forward(hidden, weight, labels, ignore_index, softcap);
  if (autograd::needs_grad({&hidden, &weight})) {
    const bool gh = autograd::requires_grad(hidden), gw = autograd::requires_grad(weight);
    autograd::record(loss, op, {hidden, weight},
                     [h = autograd::detach(hidden), w = autograd::detach(weight), labels, lse = lse, ignore_index,
                      softcap, gh, gw](const Tensor& g) {
                       auto [dh, dw] = cpu::linear_cross_entropy_backward(h, w, labels, lse, ignore_index, softcap,
                                                                          float(g.item()), gh, gw);
                       return std::vector<Tensor>{dh, dw};
                     });
  }
  return loss;
}

}  // namespace automodel::ops
