// scaled_dot_product_attention: validation and dispatch (kernel in src/core/cpu/attention.cpp).
#include "../cpu/kernels.h"
#include "automodel/core/autograd.h"
#include "op_common.h"

namespace automodel::ops {

using namespace detail;

Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionOptions& opt) {
  const char* op = "scaled_dot_product_attention";
  check_float(op, "q", q);
  check_float(op, "k", k);
  check_float(op, "v", v);
  check_dim(op, "q", q, 4);
  check_dim(op, "k", k, 4);
  check_dim(op, "v", v, 4);
  AM_CHECK(k.dtype() == q.dtype() && v.dtype() == q.dtype(), op, ": q, k, v dtypes differ (", dtype_name(q.dtype()),
           ", ", dtype_name(k.dtype()), ", ", dtype_name(v.dtype()), ")");
  const int64_t B = q.size(0), H = q.size(1), Tq = q.size(2), D = q.size(3);
  const int64_t Hkv = k.size(1), Tk = k.size(2);
  AM_CHECK(k.size(0) == B && v.size(0) == B && v.size(1) == Hkv && v.size(2) == Tk && k.size(3) == D, op,
           ": shapes q ", q.shape().str(), ", k ", k.shape().str(), ", v ", v.shape().str(),
           " are not [B, H, Tq, D], [B, Hkv, Tk, D], [B, Hkv, Tk, Dv]");
  AM_CHECK(Hkv > 0 && H % Hkv == 0, op, ": ", H, " query heads are not a multiple of ", Hkv, " key/value heads");
  AM_CHECK(opt.softcap >= 0 && opt.sliding_window >= 0, op, ": softcap and sliding_window must be >= 0");
  if (opt.key_padding_mask.defined()) {
    check_integer(op, "key_padding_mask", opt.key_padding_mask);
    AM_CHECK(opt.key_padding_mask.dim() == 2 && opt.key_padding_mask.size(0) == B &&
                 opt.key_padding_mask.size(1) == Tk,
             op, ": key_padding_mask ", opt.key_padding_mask.shape().str(), " must be [batch, Tk] = [", B, ", ", Tk,
             "]");
  }
  Tensor mask;
  if (opt.attn_mask.defined()) {
    const Shape full{B, H, Tq, Tk};
    AM_CHECK(opt.attn_mask.dim() <= 4, op, ": attn_mask must have at most 4 dims, got ", opt.attn_mask.shape().str());
    broadcast_shapes(op, opt.attn_mask.shape(), full);
    mask = expand_to(opt.attn_mask, full);
    AM_CHECK(mask.shape() == full, op, ": attn_mask ", opt.attn_mask.shape().str(), " does not broadcast to ",
             full.str());
  }
  op_device(op, {&q, &k, &v, &opt.key_padding_mask, &opt.attn_mask});
  // Kernels need the last dim contiguous; the cache's [B, H, capacity, D] views qualify.
  auto last_contig = [](const Tensor& t) { return t.stride(3) == 1 ? t : t.contiguous(); };
  const bool track = autograd::needs_grad({&q, &k, &v});
  Tensor y;
  {
    NoGradGuard no_grad;
    y = cpu::attention(q.contiguous(), last_contig(k), last_contig(v), opt, mask);
  }
  if (track) {
    AM_CHECK(!opt.attn_mask.defined() || !autograd::requires_grad(opt.attn_mask), op,
             ": gradients with respect to attn_mask are not supported");
    // The backward recomputes the probabilities (nothing of size Tq x Tk is kept).
    autograd::record(y, op, {q, k, v},
                     [sq = autograd::detach(q), sk = autograd::detach(k), sv = autograd::detach(v), opt,
                      mask](const Tensor& g) {
                       auto [dq, dk, dv] = cpu::attention_backward(sq, sk, sv, opt, mask.defined() ? mask.contiguous() : mask,
                                                                   g.contiguous());
                       return std::vector<Tensor>{dq, dk, dv};
                     });
  }
  return y;
}

}  // namespace automodel::ops
