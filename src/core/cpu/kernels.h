// CPU kernels behind the op layer (include/automodel/core/ops.h). The op functions in
// src/core/ops/ validate arguments and hand these kernels contiguous operands of the documented
// dtypes; kernels allocate only their outputs and scratch, and run on ThreadPool::global().
#pragma once

#include <cstdint>
#include <tuple>
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
// unary(kind, gate) rounded to the dtype, times up: gate and up contiguous, same shape and dtype.
Tensor activation_mul(UnaryKind kind, const Tensor& gate, const Tensor& up);

Tensor softmax_last(const Tensor& x);  // x contiguous
Tensor rms_norm(const Tensor& x, const Tensor& w, double eps, ops::RmsNormStyle style);
// {a + b, rms_norm(a + b)}: a, b contiguous, same shape and dtype.
std::pair<Tensor, Tensor> add_rms_norm(const Tensor& a, const Tensor& b, const Tensor& w, double eps,
                                       ops::RmsNormStyle style);
Tensor layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, double eps);
Tensor argmax_last(const Tensor& x);
std::pair<Tensor, Tensor> topk_last(const Tensor& x, int64_t k);
Tensor sum_last(const Tensor& x);

// x [n, in] contiguous (f32/bf16/f16), w [out, in] contiguous (f32/bf16/f16), b [out] or undefined.
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b);
// linear(x, ws[i], bs[i]) for each i (bs[i] may be undefined), the same values; a few rows
// (decode) run as one pass over the thread pool.
std::vector<Tensor> linear_group(const Tensor& x, const std::vector<Tensor>& ws, const std::vector<Tensor>& bs);
// a [batch, M, K], b [batch, K, N] contiguous, same dtype.
Tensor bmm(const Tensor& a, const Tensor& b);

Tensor embedding(const Tensor& weight, const Tensor& ids, DType out_dtype);
std::pair<Tensor, Tensor> rope_cos_sin(const Tensor& position_ids, const std::vector<float>& inv_freq,
                                       double attention_scaling, DType out_dtype);
Tensor apply_rotary(const Tensor& x, const Tensor& cos, const Tensor& sin);
Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const ops::AttentionOptions& opt,
                 const Tensor& attn_mask_expanded);
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);  // all expanded to one shape

// C[M, N] = A·B + beta·C in f32, row-major; A is [M, K] ([K, M] when ta), B is [K, N] ([N, K]
// when tb). Split over row blocks of C on the pool, OpenBLAS inside each block.
void par_sgemm(bool ta, bool tb, int64_t M, int64_t N, int64_t K, const float* A, int64_t lda, const float* B,
               int64_t ldb, float beta, float* C, int64_t ldc);

// Cross-entropy (cross_entropy.cpp). Rows whose label is ignore_index are skipped.
// Returns {sum of row losses (f32 scalar), per-row log-sum-exp [N] f32}.
std::pair<Tensor, Tensor> cross_entropy_forward(const Tensor& logits, const Tensor& labels, int64_t ignore_index);
Tensor cross_entropy_backward(const Tensor& logits, const Tensor& labels, const Tensor& lse, int64_t ignore_index,
                              float grad);
// Chunked linear + cross-entropy over the rows with a label (hidden [N, H], weight [V, H]).
std::pair<Tensor, Tensor> linear_cross_entropy_forward(const Tensor& hidden, const Tensor& weight,
                                                       const Tensor& labels, int64_t ignore_index, double softcap);
// {d hidden [N, H], d weight [V, H]} (those asked for).
std::pair<Tensor, Tensor> linear_cross_entropy_backward(const Tensor& hidden, const Tensor& weight,
                                                        const Tensor& labels, const Tensor& lse, int64_t ignore_index,
                                                        double softcap, float grad, bool need_dh, bool need_dw);

// ---- backward kernels (backward.cpp): float32 contiguous gradients -------------------------
// x: the op's input, y: its output (either may be undefined when the formula does not use it).
Tensor unary_backward(UnaryKind kind, const Tensor& x, const Tensor& y, const Tensor& g, double p0, double p1);
Tensor softmax_last_backward(const Tensor& y, const Tensor& g);
std::pair<Tensor, Tensor> rms_norm_backward(const Tensor& x, const Tensor& w, double eps, ops::RmsNormStyle style,
                                            const Tensor& g);  // {dx, dw}
// {dx, dw, db}; dw/db undefined when w/b are.
std::tuple<Tensor, Tensor, Tensor> layer_norm_backward(const Tensor& x, const Tensor& w, const Tensor& b, double eps,
                                                       const Tensor& g);
// x [n, in], w [out, in], g [n, out] -> {dx [n, in], dw [out, in], db [out]} (those asked for).
std::tuple<Tensor, Tensor, Tensor> linear_backward(const Tensor& x, const Tensor& w, bool has_bias, const Tensor& g,
                                                   bool need_dx, bool need_dw);
Tensor embedding_backward(const Tensor& ids, const Tensor& g, int64_t num, int64_t dim, int64_t padding_idx);
Tensor apply_rotary_backward(const Tensor& g, const Tensor& cos, const Tensor& sin);
// {dq, dk, dv}; mask as given to attention() (expanded to [B, H, Tq, Tk]) or undefined.
std::tuple<Tensor, Tensor, Tensor> attention_backward(const Tensor& q, const Tensor& k, const Tensor& v,
                                                      const ops::AttentionOptions& opt, const Tensor& mask,
                                                      const Tensor& g);

// Highway dot products (dot_hwy.cpp): y[r - r0] = dot(x, w + r * in) for r in [r0, r1).
void dot_rows_f32(const float* x, const float* w, int64_t in, int64_t r0, int64_t r1, float* y);
void dot_rows_bf16(const float* x, const uint16_t* w, int64_t in, int64_t r0, int64_t r1, float* y);
void dot_rows_f16(const float* x, const uint16_t* w, int64_t in, int64_t r0, int64_t r1, float* y);
// s[j] = exp(s[j] - mx) / sum of those, in place (mx: the row's maximum; -inf scores give 0).
void softmax_in_place_f32(float* s, int64_t n, float mx);
// out[c] = sum over j < n of p[j] * v[j * stride + c], for c < d (softmax_rows_hwy.cpp).
void weighted_row_sum_f32(const float* p, const float* v, int64_t n, int64_t stride, int64_t d, float* out);
// out[i] = in[i] / (1 + exp(-in[i])), vectorised (silu_hwy.cpp).
void silu_f32(const float* in, float* out, int64_t n);

}  // namespace automodel::cpu
