// StableLM (StableLmForCausalLM): LayerNorm with bias, partial rotary (partial_rotary_factor),
// optional q/k/v bias (use_qkv_bias), optional per-head q/k LayerNorm (qk_layernorm), optional
// parallel residual (attention and MLP both read input_layernorm's output).
#include "config_util.h"
#include "llama_like.h"
#include "registry.h"

namespace automodel::models {

Family stablelm_family() {
  Family f;
  f.model_type = "stablelm";
  f.architectures = {"StableLmForCausalLM"};
  f.seq_cls_architecture = "StableLmForSequenceClassification";
  f.build = [](const json& c, const VarBuilder& root, DType compute, const std::string& what, Head head) {
    LlamaLikeOptions o = read_llama_like_dims(c, what, false);
    o.norm = NormFlavor::kLayerNormAffine;
    o.norm_eps = cfg_double(c, "layer_norm_eps", 1e-5, what);
    o.act = cfg_string(c, "hidden_act", "silu", what);
    o.q_bias = o.k_bias = o.v_bias = cfg_bool(c, "use_qkv_bias", false, what);
    o.qk_layernorm_heads = cfg_bool(c, "qk_layernorm", false, what);
    o.partial_rotary_factor = cfg_double(c, "partial_rotary_factor", 0.25, what);
    o.residual = cfg_bool(c, "use_parallel_residual", false, what) ? Residual::kParallelShared : Residual::kPreNorm;
    DecoderModel m = build_llama_like(c, root, compute, o, head);
    m.architecture = "StableLmForCausalLM";
    return m;
  };
  f.default_config = [](const InitSizes& s) {
    json c = {{"architectures", json::array({"StableLmForCausalLM"})}, {"attention_dropout", 0.0}, {"bos_token_id", 0},
              {"eos_token_id", 0}, {"hidden_act", "silu"}, {"hidden_dropout", 0.0}, {"hidden_size", 2560},
              {"initializer_range", 0.02}, {"intermediate_size", 6912}, {"layer_norm_eps", 1e-05},
              {"max_position_embeddings", 4096}, {"model_type", "stablelm"}, {"num_attention_heads", 32},
              {"num_hidden_layers", 32}, {"num_key_value_heads", 32}, {"partial_rotary_factor", 0.25},
              {"qk_layernorm", false}, {"rope_scaling", nullptr}, {"rope_theta", 10000}, {"tie_word_embeddings", false},
              {"use_cache", true}, {"use_parallel_residual", false}, {"use_qkv_bias", false}, {"vocab_size", 50304}};
    apply_llama_sizes(c, s);
    return c;
  };
  return f;
}

}  // namespace automodel::models
