// Building blocks with Hugging Face parameter names. Each holds its parameters as tensors
// (in their stored dtype) and computes only through the op layer.
#pragma once

#include <string>

#include "automodel/core/ops.h"
#include "automodel/nn/lora.h"
#include "automodel/nn/var_builder.h"

namespace automodel::nn {

// nn.Linear: weight [out, in], optional bias [out]. HF init: normal(0, std), bias zeros.
// With a LoRA adapter (attached by load() when the store enables LoRA, see lora.h) forward is
// PEFT's lora.Linear: base output + scaling * B(A(dropout(x))).
struct Linear {
  Tensor weight, bias;
  std::shared_ptr<LoraAdapter> lora;  // null: plain linear
  // GPT-2's Conv1D: the parameter as stored, [in, out]; `weight` is then an owned transposed
  // copy that inference reads. Once the parameter requires grad (training), forward reads the
  // parameter itself through a transposed view, so gradients and optimizer updates land on it.
  Tensor weight_in_out;
  static Linear load(const VarBuilder& vb, int64_t in, int64_t out, bool with_bias, double init_std);
  Tensor forward(const Tensor& x) const {
    Tensor y = ops::linear(x, effective_weight(), bias);
    return lora ? lora->add_to(x, y) : y;
  }
  Tensor effective_weight() const;
};

// forward() of each module on the same input, with the same values; modules without LoRA
// adapters run as one ops::linear_group (decode's q/k/v and gate/up: one fork-join).
std::vector<Tensor> forward_shared_input(const Tensor& x, const std::vector<const Linear*>& modules);

// nn.Embedding [num, dim]. HF init: normal(0, std) (the padding row is zeroed by HF; a
// creating store zeroes it too when padding_idx >= 0).
struct Embedding {
  Tensor weight;
  int64_t padding_idx = -1;  // like nn.Embedding(padding_idx=...): that row gets no gradient
  static Embedding load(const VarBuilder& vb, int64_t num, int64_t dim, double init_std, int64_t padding_idx = -1);
  Tensor forward(const Tensor& ids, DType dtype) const { return ops::embedding(weight, ids, dtype, padding_idx); }
};

// RMSNorm with weight [dim]: Llama style (initialised to 1) or Gemma's (1 + w) (initialised to 0).
struct RmsNorm {
  Tensor weight;
  double eps = 1e-6;
  ops::RmsNormStyle style = ops::RmsNormStyle::kWeightAfterCast;
  static RmsNorm load(const VarBuilder& vb, int64_t dim, double eps,
                      ops::RmsNormStyle style = ops::RmsNormStyle::kWeightAfterCast);
  Tensor forward(const Tensor& x) const { return ops::rms_norm(x, weight, eps, style); }
};

// nn.LayerNorm: weight (1) and bias (0) optional; with neither it is OLMo's non-parametric norm.
struct LayerNorm {
  Tensor weight, bias;
  double eps = 1e-5;
  static LayerNorm load(const VarBuilder& vb, int64_t dim, double eps, bool with_weight, bool with_bias);
  Tensor forward(const Tensor& x) const { return ops::layer_norm(x, weight, bias, eps); }
};

}  // namespace automodel::nn
