// embedding, cat, index_select0, rotary embedding and the KV-cache write: validation and
// dispatch (kernels in src/core/cpu/rotary_embedding.cpp; cat and index_select use the strided
// copy behind Tensor::copy_from, which is itself device-dispatched).
#include "../cpu/kernels.h"
#include "automodel/core/autograd.h"
#include "op_common.h"

namespace automodel::ops {

using namespace detail;

Tensor embedding(const Tensor& weight, const Tensor& ids, DType out_dtype, int64_t padding_idx) {
  check_float("embedding", "weight", weight);
  check_dim("embedding", "weight", weight, 2);
  check_integer("embedding", "ids", ids);
  AM_CHECK(is_float_dtype(out_dtype), "embedding: output dtype must be floating, got ", dtype_name(out_dtype));
  op_device("embedding", {&weight, &ids});
  Tensor y;
  {
    NoGradGuard no_grad;
    y = cpu::embedding(weight.contiguous(), ids, out_dtype);
  }
  if (autograd::needs_grad({&weight})) {
    autograd::record(y, "embedding", {weight},
                     [ids, num = weight.size(0), dim = weight.size(1), padding_idx](const Tensor& g) {
                       return std::vector<Tensor>{cpu::embedding_backward(ids, g, num, dim, padding_idx)};
                     });
  }
  return y;
}

Tensor cat(const std::vector<Tensor>& tensors, int dim) {
  AM_CHECK(!tensors.empty(), "cat: no tensors");
  const Tensor& first = tensors[0];
  check_defined("cat", "tensors[0]", first);
  const int d = first.wrap_dim(dim);
  Shape out_shape = first.shape();
  int64_t total = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    check_defined("cat", "tensors[i]", t);
    AM_CHECK(t.dim() == first.dim() && t.dtype() == first.dtype(), "cat: tensor ", i, " is ", t.str(),
             ", expected ", first.dim(), " dims of ", dtype_name(first.dtype()));
    for (int k = 0; k < t.dim(); ++k)
      AM_CHECK(k == d || t.size(k) == first.size(k), "cat: tensor ", i, " has shape ", t.shape().str(),
               ", incompatible with ", first.shape().str(), " along dim ", k);
    op_device("cat", {&first, &t});
    total += t.size(d);
  }
  out_shape[d] = total;
  Tensor out = Tensor::empty(out_shape, first.dtype());
  {
    NoGradGuard no_grad;
    int64_t at = 0;
    for (const Tensor& t : tensors) {
      if (t.size(d) == 0) continue;
      Tensor dst = out.narrow(d, at, t.size(d));
      dst.copy_from(t);
      at += t.size(d);
    }
  }
  if (autograd::needs_grad(tensors)) {
    std::vector<int64_t> sizes;
    for (const Tensor& t : tensors) sizes.push_back(t.size(d));
    autograd::record(out, "cat", tensors, [d, sizes](const Tensor& g) {
      std::vector<Tensor> parts;
      int64_t at = 0;
      for (int64_t n : sizes) {
        parts.push_back(g.narrow(d, at, n).contiguous());
        at += n;
      }
      return parts;
    });
  }
  return out;
}

Tensor index_select0(const Tensor& x, const std::vector<int64_t>& index) {
  check_defined("index_select0", "x", x);
  AM_CHECK(x.dim() >= 1, "index_select0: x must have at least 1 dim");
  op_device("index_select0", {&x});
  Shape s = x.shape();
  s[0] = int64_t(index.size());
  Tensor out = Tensor::empty(s, x.dtype());
  {
    NoGradGuard no_grad;
    for (size_t i = 0; i < index.size(); ++i) {
      AM_CHECK(index[i] >= 0 && index[i] < x.size(0), "index_select0: index ", index[i], " out of range [0, ",
               x.size(0), ")");
      Tensor dst = out.select(0, int64_t(i));
      dst.copy_from(x.select(0, index[i]));
    }
  }
  if (autograd::needs_grad({&x})) {
    autograd::record(out, "index_select0", {x}, [index, xs = x.shape()](const Tensor& g) {
      Shape flat{xs[0], xs.numel() / std::max<int64_t>(xs[0], 1)};
      Tensor base = Tensor::zeros(flat, DType::F32);
      Tensor src = g.to(DType::F32).contiguous().view({int64_t(index.size()), flat[1]});
      return std::vector<Tensor>{index_add0(base, index, src).view(xs)};
    });
  }
  return out;
}

Tensor index_add0(const Tensor& base, const std::vector<int64_t>& index, const Tensor& src) {
  check_float("index_add0", "base", base);
  check_float("index_add0", "src", src);
  AM_CHECK(base.dim() == 2 && src.dim() == 2 && src.size(1) == base.size(1) && src.size(0) == int64_t(index.size()),
           "index_add0: base ", base.shape().str(), ", src ", src.shape().str(), " and ", index.size(),
           " indices do not fit (expected base [n, d], src [len(index), d])");
  op_device("index_add0", {&base, &src});
  const bool track = autograd::needs_grad({&base, &src});
  NoGradGuard no_grad;
  Tensor out = base.clone();
  Tensor s = src.to(base.dtype()).contiguous();
  for (size_t i = 0; i < index.size(); ++i) {
    AM_CHECK(index[i] >= 0 && index[i] < base.size(0), "index_add0: index ", index[i], " out of range [0, ",
             base.size(0), ")");
    Tensor row = out.narrow(0, index[i], 1);
    row.copy_from(cpu::binary(cpu::BinaryKind::kAdd, row, s.narrow(0, int64_t(i), 1)));
  }
  if (track) {
    const bool gb = autograd::requires_grad(base), gs = autograd::requires_grad(src);
    autograd::record(out, "index_add0", {base, src}, [index, gb, gs](const Tensor& g) {
      return std::vector<Tensor>{gb ? g : Tensor(), gs ? index_select0(g, index) : Tensor()};
    });
  }
  return out;
}

std::pair<Tensor, Tensor> rope_cos_sin(const Tensor& position_ids, const std::vector<float>& inv_freq,
                                       double attention_scaling, DType out_dtype) {
  check_integer("rope_cos_sin", "position_ids", position_ids);
  check_dim("rope_cos_sin", "position_ids", position_ids, 2);
  AM_CHECK(!inv_freq.empty(), "rope_cos_sin: empty inverse-frequency table");
  AM_CHECK(is_float_dtype(out_dtype), "rope_cos_sin: output dtype must be floating");
  op_device("rope_cos_sin", {&position_ids});
  return cpu::rope_cos_sin(position_ids, inv_freq, attention_scaling, out_dtype);
}

Tensor apply_rotary(const Tensor& x, const Tensor& cos, const Tensor& sin) {
  check_float("apply_rotary", "x", x);
  check_float("apply_rotary", "cos", cos);
  check_float("apply_rotary", "sin", sin);
  check_dim("apply_rotary", "x", x, 4);
  check_dim("apply_rotary", "cos", cos, 3);
  AM_CHECK(cos.shape() == sin.shape(), "apply_rotary: cos ", cos.shape().str(), " and sin ", sin.shape().str(),
           " differ");
  AM_CHECK(cos.size(0) == x.size(0) && cos.size(1) == x.size(2), "apply_rotary: cos/sin ", cos.shape().str(),
           " do not match x [batch, heads, seq, dim] = ", x.shape().str());
  AM_CHECK(cos.size(2) % 2 == 0 && cos.size(2) <= x.size(3), "apply_rotary: rotary dim ", cos.size(2),
           " must be even and at most head_dim ", x.size(3));
  op_device("apply_rotary", {&x, &cos, &sin});
  AM_CHECK(!autograd::requires_grad(cos) && !autograd::requires_grad(sin),
           "apply_rotary: gradients with respect to the cos/sin tables are not supported (they come from positions)");
  Tensor y;
  {
    NoGradGuard no_grad;
    y = cpu::apply_rotary(x.contiguous(), cos.to(x.dtype()).contiguous(), sin.to(x.dtype()).contiguous());
  }
  if (autograd::needs_grad({&x})) {
    autograd::record(y, "apply_rotary", {x}, [cos, sin](const Tensor& g) {
      return std::vector<Tensor>{cpu::apply_rotary_backward(g.contiguous(), cos, sin)};
    });
  }
  return y;
}

void kv_write_(Tensor& dst, const Tensor& src, int64_t offset) {
  check_defined("kv_write_", "dst", dst);
  check_defined("kv_write_", "src", src);
  check_dim("kv_write_", "dst", dst, 4);
  check_dim("kv_write_", "src", src, 4);
  AM_CHECK(src.size(0) == dst.size(0) && src.size(1) == dst.size(1) && src.size(3) == dst.size(3) && offset >= 0 &&
               offset + src.size(2) <= dst.size(2),
           "kv_write_: cannot write ", src.shape().str(), " at position ", offset, " of cache buffer ",
           dst.shape().str());
  op_device("kv_write_", {&dst, &src});
  AM_CHECK(!autograd::needs_grad({&dst, &src}), "kv_write_: in-place cache writes are not differentiable; run "
           "generation under NoGradGuard (an input requires grad)");
  Tensor slot = dst.narrow(2, offset, src.size(2));
  slot.copy_from(src);
}

}  // namespace automodel::ops
