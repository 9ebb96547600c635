// config.json as one typed view shared by every model family, with the defaults transformers
// 4.47 applies per family (configuration_<family>.py), and the whole original JSON kept so that
// saving writes back every key, known or not.
//
// Families with their own key names (GPT-2 n_embd/n_layer/n_head/n_inner/n_positions/
// layer_norm_epsilon/activation_function, DistilBERT dim/n_layers/n_heads/hidden_dim/activation,
// GPT-NeoX rotary_pct/rotary_emb_base) are read from and written to their own keys. An unknown
// model_type is read with the common key names and needs vocab_size, hidden_size,
// num_hidden_layers and num_attention_heads.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "automodel/core/dtype.h"
#include "automodel/hub/json_file.h"

namespace automodel {

// rope_scaling: the object as written plus typed fields for the known rope types
// (linear, dynamic, yarn, longrope, llama3). Change it through the typed fields; to_json()
// writes them back into `raw`, keeping its other keys.
struct RopeScaling {
  json raw = json::object();
  std::string rope_type;  // "rope_type", or the legacy "type" key
  std::optional<double> factor;
  std::optional<int64_t> original_max_position_embeddings;
  std::optional<double> low_freq_factor, high_freq_factor;  // llama3
  std::optional<double> beta_fast, beta_slow, attention_factor, mscale, mscale_all_dim;  // yarn
  std::vector<double> short_factor, long_factor;  // longrope
  bool operator==(const RopeScaling& o) const = default;

  static RopeScaling from_json(const json& value, const std::string& where);
  json to_json() const;
};

struct ModelConfig {
  json raw = json::object();  // config.json as read (every key)

  std::vector<std::string> architectures;
  std::string model_type;
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;  // default num_attention_heads
  int64_t head_dim = 0;             // default hidden_size / num_attention_heads
  int64_t intermediate_size = 0;    // 0 = not given (unknown model_type)
  int64_t max_position_embeddings = 0;
  std::optional<double> rms_norm_eps;    // RMSNorm families
  std::optional<double> layer_norm_eps;  // LayerNorm families (GPT-2 layer_norm_epsilon)
  double rope_theta = 10000.0;
  std::optional<RopeScaling> rope_scaling;
  double partial_rotary_factor = 1.0;  // fraction of head_dim that is rotated
  bool tie_word_embeddings = true;     // PretrainedConfig's default; families override
  std::string torch_dtype;             // "float32", "bfloat16", ... ("" when absent)
  std::optional<int64_t> bos_token_id;
  std::vector<int64_t> eos_token_id;  // one or several ids; empty when unset
  std::optional<int64_t> pad_token_id;
  std::optional<int64_t> sliding_window;
  std::string hidden_act;
  bool attention_bias = false;  // q/k/v(/o) projections carry a bias
  bool mlp_bias = false;
  double attention_dropout = 0.0;
  double initializer_range = 0.02;
  bool use_cache = true;
  // Family-specific (unset where the family has no such key).
  std::optional<int64_t> num_local_experts, num_experts_per_tok;                  // mixtral
  std::optional<double> attn_logit_softcapping, final_logit_softcapping;          // gemma2
  std::optional<double> query_pre_attn_scalar;                                    // gemma2
  std::optional<double> clip_qkv;                                                 // olmo
  std::optional<int64_t> original_max_position_embeddings;                        // phi3
  std::optional<int64_t> max_window_layers;                                       // qwen2
  bool use_sliding_window = false;                                                // qwen2
  bool use_parallel_residual = false;                                             // gpt_neox, stablelm
  bool qk_layernorm = false;                                                      // stablelm
  std::optional<int64_t> type_vocab_size;                                         // bert, roberta

  // Parses config JSON; `where` names the source in errors ("<dir>/config.json").
  static ModelConfig from_json(const json& value, const std::string& where = "config.json");
  // Reads `path` (a config.json, or a folder holding one).
  static ModelConfig load(const std::filesystem::path& path);
  // The original JSON with changed known fields updated (under the family's own key names).
  json to_json() const;
  // Writes to_json() atomically, indented like HF. `path` is a file or a folder.
  void save(const std::filesystem::path& path) const;

  // rms_norm_eps or layer_norm_eps, whichever the family uses.
  double norm_eps() const;
  // torch_dtype as a DType; nullopt when absent or not a dtype name.
  std::optional<DType> dtype() const;
  // Whether model_type is one of the families with HF defaults built in.
  bool known_family() const;
};

// The model_type values with built-in defaults.
const std::vector<std::string>& known_model_types();

}  // namespace automodel
