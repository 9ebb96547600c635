// The builder shared by the Llama-shaped families (Llama, Mistral, Qwen2, Gemma, Gemma2, Phi-3,
// Mixtral, OLMo, OLMo2, StableLM): `model.embed_tokens`, `model.layers.N.{self_attn, mlp,
// *_layernorm}`, `model.norm`, `lm_head`. Each family file reads its config and fills
// LlamaLikeOptions with what differs.
#pragma once

#include <functional>
#include <string>

#include "automodel/models/auto_model.h"
#include "automodel/nn/var_builder.h"
#include "decoder.h"

namespace automodel::models {

enum class NormFlavor {
  kRmsLlama,        // RMSNorm, weight applied after the cast back
  kRmsGemma,        // RMSNorm with (1 + w)
  kRmsOlmo2,        // RMSNorm, weight applied in f32 before the cast
  kLayerNormNoAffine,  // OLMo: F.layer_norm without weight or bias
  kLayerNormAffine,    // StableLM: weight and bias
};

struct LlamaLikeOptions {
  std::string what;  // config file, for errors
  int64_t hidden = 0, layers = 0, heads = 0, kv_heads = 0, head_dim = 0, intermediate = 0, vocab = 0;
  double norm_eps = 1e-6;
  NormFlavor norm = NormFlavor::kRmsLlama;
  double init_std = 0.02;
  bool q_bias = false, k_bias = false, v_bias = false, o_bias = false, mlp_bias = false;
  bool fused_qkv = false;      // self_attn.qkv_proj (Phi-3)
  bool fused_gate_up = false;  // mlp.gate_up_proj (Phi-3)
  bool moe = false;            // block_sparse_moe (Mixtral)
  int64_t num_experts = 0, experts_per_token = 0;
  std::string act = "silu";
  double attn_scale = 0;  // 0: head_dim^-0.5
  double attn_softcap = 0, final_softcap = 0, clip_qkv = 0;
  std::function<int64_t(int64_t layer)> sliding_window;  // 0: none
  bool qk_norm_full = false;      // OLMo2 q_norm / k_norm
  bool qk_layernorm_heads = false;  // StableLM q_layernorm.norms.N / k_layernorm.norms.N
  Residual residual = Residual::kPreNorm;
  bool tie_embeddings = false;
  double embed_scale = 0;
  double partial_rotary_factor = 1.0;
  double rope_theta_default = 10000.0;
  bool phi3_longrope = false;
};

DecoderModel build_llama_like(const json& config, const VarBuilder& root, DType compute, const LlamaLikeOptions& o,
                              Head head = Head::kLm);

// Reads the fields every Llama-shaped config has (hidden_size, num_hidden_layers,
// num_attention_heads, num_key_value_heads (default: heads), head_dim (default: hidden/heads),
// intermediate_size, vocab_size, initializer_range, tie_word_embeddings (default tie_default)).
LlamaLikeOptions read_llama_like_dims(const json& config, const std::string& what, bool tie_default,
                                      int64_t head_dim_default = 0);

// Applies InitSizes to a config using the Llama key names.
void apply_llama_sizes(json& config, const InitSizes& sizes);

}  // namespace automodel::models
