// The decoder-only transformer shared by every causal-LM family. A family file (llama.cpp,
// gpt2.cpp, ...) reads its config.json, loads its parameters under its HF names into these
// structs and picks the variants (norm kind, fused projections, residual wiring, MLP kind);
// the forward pass below is written once against the op layer.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "automodel/models/causal_lm.h"
#include "automodel/nn/layers.h"
#include "rope.h"

namespace automodel::models {

// A norm of one of the kinds the families use (or none).
struct Norm {
  enum class Kind { kNone, kRms, kLayerNorm } kind = Kind::kNone;
  nn::RmsNorm rms;
  nn::LayerNorm ln;
  Tensor forward(const Tensor& x) const;
  // {h + delta, forward(h + delta)}: a residual add and the norm that reads its result, one
  // fused pass for RMSNorm (ops::add_rms_norm), the two ops otherwise.
  std::pair<Tensor, Tensor> forward_residual(const Tensor& h, const Tensor& delta) const;
  bool present() const { return kind != Kind::kNone; }
  static Norm rms_norm(const VarBuilder& vb, int64_t dim, double eps, ops::RmsNormStyle style);
  static Norm layer_norm(const VarBuilder& vb, int64_t dim, double eps, bool weight, bool bias);
};

struct Attention {
  enum class Qkv { kSeparate, kFusedConcat /* [q; k; v] rows: Phi-3 */, kFusedPerHead /* [H, 3, D]: GPT-NeoX */ };
  Qkv qkv_layout = Qkv::kSeparate;
  nn::Linear q, k, v, qkv, o;
  int64_t heads = 0, kv_heads = 0, head_dim = 0;
  double scale = 1.0, softcap = 0.0, clip_qkv = 0.0;
  int64_t sliding_window = 0;
  Norm q_norm_full, k_norm_full;                    // OLMo2: over the whole projection
  std::vector<nn::LayerNorm> q_norm_heads, k_norm_heads;  // StableLM qk_layernorm: one per head
};

struct Mlp {
  enum class Kind { kGated, kGatedFused, kPlain, kMoe } kind = Kind::kGated;
  nn::Linear gate, up, down, gate_up;  // kPlain: up = fc_in, down = fc_out
  std::string act = "silu";
  // kMoe (Mixtral): router over experts; experts reuse gate (w1), up (w3), down (w2).
  nn::Linear router;
  struct Expert {
    nn::Linear w1, w2, w3;
  };
  std::vector<Expert> experts;
  int64_t top_k = 2;
};

// Whether a builder reads the LM head (causal LM) or stops at the final norm (the body of a
// sequence-classification model, whose checkpoint has no LM head).
enum class Head { kLm, kNone };

enum class Residual {
  kPreNorm,         // h = x + attn(n1(x)); y = h + mlp(n2(h))
  kParallel,        // y = x + attn(n1(x)) + mlp(n2(x))      (GPT-NeoX use_parallel_residual)
  kParallelShared,  // y = x + attn(n1(x)) + mlp(n1(x))      (StableLM use_parallel_residual)
  kPostNorm,        // h = x + n1(attn(x)); y = h + n2(mlp(h)) (OLMo2)
  kSandwich,        // h = x + n2(attn(n1(x))); y = h + n4(mlp(n3(h))) (Gemma2)
};

struct DecoderLayer {
  Norm n1, n2, n3, n4;
  Attention attn;
  Mlp mlp;
};

struct DecoderModel {
  std::string architecture;
  DType compute_dtype = DType::F32;
  nn::Embedding embed;
  nn::Embedding pos_embed;  // learned absolute positions (GPT-2); undefined weight otherwise
  double embed_scale = 0;   // > 0: embeddings multiplied by it (Gemma: sqrt(hidden), rounded to dtype)
  std::vector<DecoderLayer> layers;
  Residual residual = Residual::kPreNorm;
  Norm final_norm;
  Tensor lm_head;  // [vocab, hidden] (the embedding itself when tied); undefined for Head::kNone
  double final_softcap = 0;
  std::unique_ptr<RotaryEmbedding> rope;  // null for learned positions
  int64_t vocab = 0;
};

// The KV cache of a DecoderModel: per layer [batch, kv_heads, capacity, head_dim] buffers that
// double their capacity when full, so appending a token is a copy into spare room.
class DecoderKVCache : public KVCache {
 public:
  DecoderKVCache(int64_t batch, int64_t layers, int64_t kv_heads, int64_t head_dim, DType dtype, int64_t capacity);
  int64_t length() const override { return length_; }
  void select_rows(const std::vector<int64_t>& rows) override;
  void truncate(int64_t length) override;
  int64_t batch() const { return batch_; }
  int64_t capacity() const { return capacity_; }
  // Makes room for `extra` more tokens (geometric growth).
  void reserve(int64_t extra);
  // Writes layer `l`'s new keys/values at [length, length + n) and returns views over [0, length + n).
  std::pair<Tensor, Tensor> append(int64_t layer, const Tensor& k, const Tensor& v);
  void advance(int64_t n) { length_ += n; }

 private:
  int64_t batch_, kv_heads_, head_dim_;
  DType dtype_;
  int64_t capacity_, length_ = 0;
  std::vector<Tensor> k_, v_;
};

class DecoderLM : public CausalLM {
 public:
  DecoderLM(DecoderModel model, json config, json generation_config);
  CausalLMOutput forward(const Tensor& input_ids, const Tensor& attention_mask, const Tensor& position_ids,
                         KVCache* cache, bool only_last_logits = false) override;
  std::unique_ptr<KVCache> new_cache(int64_t batch, int64_t expected_length) const override;
  const json& config_json() const override { return config_; }
  const json& generation_config_json() const override { return generation_config_; }
  int64_t vocab_size() const override { return model_.vocab; }
  const DecoderModel& model() const { return model_; }
  // The body of forward(): the final-norm hidden states [batch, new, hidden] in the compute
  // dtype (only the last position when only_last). Sequence classification pools these.
  Tensor hidden_states(const Tensor& input_ids, const Tensor& attention_mask, const Tensor& position_ids,
                       KVCache* cache, bool only_last = false);
  Tensor loss_sum(const Tensor& input_ids, const Tensor& attention_mask, const Tensor& labels,
                  const Tensor& position_ids = Tensor()) override;

 private:
  Tensor attention(const DecoderLayer& layer, int64_t index, const Tensor& x, const std::pair<Tensor, Tensor>& rope,
                   const Tensor& key_padding_mask, DecoderKVCache* cache, int64_t past);
  Tensor mlp(const Mlp& m, const Tensor& x) const;

  DecoderModel model_;
  json config_, generation_config_;
};

}  // namespace automodel::models
