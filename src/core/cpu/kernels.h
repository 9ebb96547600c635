// CPU kernels behind the op layer (include/automodel/core/ops.h). The op functions in
// src/core/ops/ validate arguments and hand these kernels contiguous operands of the documented
// dtypes; kernels allocate only their outputs and scratch, and run on ThreadPool::global().
#pragma once

#include <cstdint>
#include <vector>

#include "automodel/core/ops.h"
#include "automodel/core/tensor.h"

namespace automodel::cpu {

enum class UnaryKind { kNeg, kExp, kTanh, kSilu, kGelu, kGeluTanh, kRelu, kMulScalar, kAddScalar, kClamp };
enum class BinaryKind { kAdd, kSub, kMul, kDiv };

// x contiguous, floating. Result in x's dtype (or out_dtype).
Tensor unary(UnaryKind kind, const Tensor& x, double p0 = 0, double p1 = 0);
// a, b already expanded to the output shape (any strides), same floating dtype = out dtype.
Tensor binary(BinaryKind kind, const Tensor& a, const Tensor& b);

Tensor softmax_last(const Tensor& x);  // x contiguous
Tensor rms_norm(const Tensor& x, const Tensor& w, double eps, ops::RmsNormStyle style);
Tensor layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, double eps);
Tensor argmax_last(const Tensor& x);
std::pair<Tensor, Tensor> topk_last(const Tensor& x, int64_t k);
Tensor sum_last(const Tensor& x);

// x [n, in] contiguous (f32/bf16/f16), w [out, in] contiguous (f32/bf16/f16), b [out] or undefined.
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b);
// a [batch, M, K], b [batch, K, N] contiguous, same dtype.
Tensor bmm(const Tensor& a, const Tensor& b);

Tensor embedding(const Tensor& weight, const Tensor& ids, DType out_dtype);
std::pair<Tensor, Tensor> rope_cos_sin(const Tensor& position_ids, const std::vector<float>& inv_freq,
                                       double attention_scaling, DType out_dtype);
Tensor apply_rotary(const Tensor& x, const Tensor& cos, const Tensor& sin);
Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const ops::AttentionOptions& opt,
                 const Tensor& attn_mask_expanded);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);  // all expanded to one shape

// Highway dot products (dot_hwy.cpp): y[r - r0] = dot(x, w + r * in) for r in [r0, r1).
void dot_rows_f32(const float* x, const float* w, int64_t in, int64_t r0, int64_t r1, float* y);
void dot_rows_bf16(const float* x, const uint16_t* w, int64_t in, int64_t r0, int64_t r1, float* y);
void dot_rows_f16(const float* x, const uint16_t* w, int64_t in, int64_t r0, int64_t r1, float* y);

}  // namespace automodel::cpu
