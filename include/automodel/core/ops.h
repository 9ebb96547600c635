// The op layer: every computation a model performs on tensor data goes through one of these
// functions. Ops are pure: they read their inputs and return new tensors (or views), never
// mutate an input. The few in-place ops end in `_` (KV-cache append) and are not
// differentiable. Each op validates its arguments (errors name the op, the shapes and the
// dtypes), switches on the device of its inputs and calls that backend's kernel
// (src/core/cpu/ today). See docs/ops-and-autograd.md for the dispatch and autograd design.
//
// Dtypes: floating ops accept f32, bf16 and f16 activations. Like torch tensors, a bf16/f16
// result is computed in f32 and rounded (to nearest even) once per op, so a model running in
// bf16 rounds exactly where torch does. Weights passed to linear / embedding / norms may be
// stored in a lower precision than the activations (bf16 weights, f32 compute): they are
// widened inside the kernel, which is exact, and the result takes the activation dtype.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "automodel/core/tensor.h"

namespace automodel::ops {

// ---- elementwise ----------------------------------------------------------------------
// Binary ops broadcast like torch (trailing dims aligned, size-1 dims stretched). The result
// dtype is the wider of the two floating dtypes (bf16 op f32 -> f32).
Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
// x * s and x + s with a Python-number scalar: computed in f32, rounded to x's dtype.
Tensor mul_scalar(const Tensor& x, double s);
Tensor add_scalar(const Tensor& x, double s);
Tensor neg(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor silu(const Tensor& x);       // x * sigmoid(x)
Tensor gelu(const Tensor& x);       // exact: 0.5 x (1 + erf(x / sqrt 2))
Tensor gelu_tanh(const Tensor& x);  // tanh approximation (gelu_new, gelu_pytorch_tanh)
Tensor relu(const Tensor& x);
Tensor clamp(const Tensor& x, double lo, double hi);
// The activation named by an HF config string ("silu", "gelu", "gelu_new", ...); throws listing
// the supported names.
Tensor activation(const Tensor& x, const std::string& hf_name);
bool is_supported_activation(const std::string& hf_name);
// activation(gate, hf_name) * up in one pass (a gated MLP's act_fn(gate_proj(x)) * up_proj(x)),
// with the values of those two ops: the activation is rounded to the dtype before the product.
// Differentiable (it is then those two ops).
Tensor activation_mul(const Tensor& gate, const Tensor& up, const std::string& hf_name);

// ---- reductions / normalisation --------------------------------------------------------
Tensor softmax(const Tensor& x, int dim = -1);  // computed in f32, result in x's dtype
// RMSNorm over the last dim. kWeightAfterCast (Llama): w * (x * rsqrt(mean(x^2) + eps)).to(dtype);
// kWeightBeforeCast (OLMo2): (w * x * rsqrt(...)) in f32, cast once; kUnitOffset (Gemma):
// ((x * rsqrt(...)) * (1 + w)) in f32, cast once.
enum class RmsNormStyle { kWeightAfterCast, kWeightBeforeCast, kUnitOffset };
Tensor rms_norm(const Tensor& x, const Tensor& weight, double eps, RmsNormStyle style = RmsNormStyle::kWeightAfterCast);
// {x + delta, rms_norm(x + delta)} in one pass over the rows: the residual add of a pre-norm
// block and the next block's norm. Values are those of add() then rms_norm() (the sum is rounded
// to the dtype before it is normalised); differentiable (it is then those two ops).
std::pair<Tensor, Tensor> add_rms_norm(const Tensor& x, const Tensor& delta, const Tensor& weight, double eps,
                                       RmsNormStyle style = RmsNormStyle::kWeightAfterCast);
// LayerNorm over the last dim; weight and bias may be undefined (OLMo's non-parametric norm).
Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, double eps);
// Index of the largest element along `dim` (the first one on ties, like torch). Returns int64.
Tensor argmax(const Tensor& x, int dim = -1);
// Largest k along the last dim, sorted descending (ties: lower index first). {values, int64 indices}.
std::pair<Tensor, Tensor> topk(const Tensor& x, int64_t k);
// Sum along the last dim (f32 accumulation).
Tensor sum_last(const Tensor& x);

// ---- linear algebra ---------------------------------------------------------------------
// x [..., in] @ weight^T + bias, weight in HF's [out, in] layout in any of f32/bf16/f16
// (never copied or widened in memory), bias [out] or undefined. Result: x's dtype.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = Tensor());
// linear(x, weights[i], biases[i]) for each i, with the same values (biases may be empty or
// hold undefined tensors). For decode (a few rows, no autograd) all the weights' rows run in
// one pass over the thread pool: q/k/v or gate/up cost one fork-join instead of one each.
std::vector<Tensor> linear_group(const Tensor& x, const std::vector<Tensor>& weights,
                                 const std::vector<Tensor>& biases = {});
// Batched matrix product [..., M, K] @ [..., K, N] (batch dims broadcast).
Tensor matmul(const Tensor& a, const Tensor& b);

// ---- indexing / shape -------------------------------------------------------------------
// Rows of weight [vocab, dim] for int ids of any shape -> [..., dim] in out_dtype. Like
// nn.Embedding(padding_idx=...), the row `padding_idx` (if >= 0) receives no gradient.
Tensor embedding(const Tensor& weight, const Tensor& ids, DType out_dtype, int64_t padding_idx = -1);
Tensor cat(const std::vector<Tensor>& tensors, int dim);
// Rows `index` (int64 [n]) of x along dim 0.
Tensor index_select0(const Tensor& x, const std::vector<int64_t>& index);
// A copy of base with src's rows added at rows `index` along dim 0 (repeats accumulate in order,
// rounding to base's dtype after each add like torch's index_add_ on a bf16 tensor).
Tensor index_add0(const Tensor& base, const std::vector<int64_t>& index, const Tensor& src);
// cond ? a : b, broadcasting all three; cond is bool (or any integer dtype, nonzero = true).
Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b);
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);
// A contiguous copy in `dtype` (the op form of Tensor::to, so a tape can record casts).
Tensor cast(const Tensor& x, DType dtype);

// ---- rotary position embedding ---------------------------------------------------------
// cos/sin tables [batch, seq, rot_dim] for int64 positions [batch, seq]: angle = pos * inv_freq
// (f32, like HF's inv_freq @ position_ids), duplicated over both halves, times
// attention_scaling, rounded to out_dtype.
std::pair<Tensor, Tensor> rope_cos_sin(const Tensor& position_ids, const std::vector<float>& inv_freq,
                                       double attention_scaling, DType out_dtype);
// x [batch, heads, seq, head_dim]: the first rot_dim = cos.size(-1) features become
// x * cos + rotate_half(x) * sin (HF's half-split convention), the rest pass through.
Tensor apply_rotary(const Tensor& x, const Tensor& cos, const Tensor& sin);

// ---- attention ---------------------------------------------------------------------------
struct AttentionOptions {
  double scale = 1.0;          // multiplies q.k
  double softcap = 0.0;        // > 0: scores = softcap * tanh(scores / softcap), BEFORE masking (Gemma2)
  bool causal = true;          // query i (absolute position q_offset + i) sees keys j <= it
  int64_t q_offset = -1;       // absolute position of the first query; -1: Tk - Tq
  int64_t sliding_window = 0;  // > 0: also require pos_i - j < sliding_window
  Tensor key_padding_mask;     // [batch, Tk] integer/bool, 0 = padding (never attended)
  Tensor attn_mask;            // optional, broadcastable to [B, H, Tq, Tk]: bool (true = attend)
                               // or floating (added to the scores)
};
// q [B, H, Tq, D], k/v [B, Hkv, Tk, D] (H a multiple of Hkv: GQA/MQA share each kv head
// among H/Hkv query heads). Softmax in f32. A query row with no allowed key gets the mean of
// all values, which is what HF's eager attention produces with its finfo.min masks (no NaN).
Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionOptions& opt);

// ---- losses --------------------------------------------------------------------------------
// Sum over rows of -log softmax(logits)[label], rows whose label == ignore_index skipped (HF's
// cross-entropy with reduction="sum"; divide by the number of counted rows for "mean").
// logits [N, V] floating (computed in f32), labels [N] integer. Returns a float32 scalar.
Tensor cross_entropy_sum(const Tensor& logits, const Tensor& labels, int64_t ignore_index = -100);
// The same loss of logits = softcap(hidden @ weight^T) computed in chunks of rows so the full
// [N, V] logits never exist (forward keeps one log-sum-exp per row; backward recomputes each
// chunk). hidden [N, H], weight [V, H] (any floating dtype), softcap > 0 applies
// softcap * tanh(logits / softcap) (Gemma2's final_logit_softcapping).
Tensor linear_cross_entropy_sum(const Tensor& hidden, const Tensor& weight, const Tensor& labels,
                                int64_t ignore_index = -100, double softcap = 0.0);

// ---- in-place (not differentiable) -------------------------------------------------------
// dst[..., offset:offset+n, :] = src along dim 2 of a [B, H, capacity, D] cache buffer.
void kv_write_(Tensor& dst, const Tensor& src, int64_t offset);

}  // namespace automodel::ops
