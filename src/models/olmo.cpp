// OLMo (OlmoForCausalLM): non-parametric LayerNorm (no weight, no bias, eps 1e-5) and
// clip_qkv: q, k, v clamped to [-clip, clip] right after the projections.
#include "config_util.h"
#include "llama_like.h"
#include "registry.h"

namespace automodel::models {

Family olmo_family() {
  Family f;
  f.model_type = "olmo";
  f.architectures = {"OlmoForCausalLM"};
  f.build = [](const json& c, const VarBuilder& root, DType compute, const std::string& what, Head head) {
    LlamaLikeOptions o = read_llama_like_dims(c, what, false);
    o.norm = NormFlavor::kLayerNormNoAffine;
    o.norm_eps = 1e-5;  // OlmoLayerNorm hard-codes it
    o.act = cfg_string(c, "hidden_act", "silu", what);
    o.q_bias = o.k_bias = o.v_bias = o.o_bias = cfg_bool(c, "attention_bias", false, what);
    o.clip_qkv = cfg_double(c, "clip_qkv", 0.0, what);
    DecoderModel m = build_llama_like(c, root, compute, o, head);
    m.architecture = "OlmoForCausalLM";
    return m;
  };
  f.default_config = [](const InitSizes& s) {
    json c = {{"architectures", json::array({"OlmoForCausalLM"})}, {"attention_bias", false}, {"attention_dropout", 0.0},
              {"bos_token_id", nullptr}, {"clip_qkv", nullptr}, {"eos_token_id", 50279}, {"hidden_act", "silu"},
              {"hidden_size", 4096}, {"initializer_range", 0.02}, {"intermediate_size", 11008},
              {"max_position_embeddings", 2048}, {"model_type", "olmo"}, {"num_attention_heads", 32},
              {"num_hidden_layers", 32}, {"num_key_value_heads", 32}, {"pad_token_id", 1}, {"rope_scaling", nullptr},
              {"rope_theta", 10000.0}, {"tie_word_embeddings", false}, {"use_cache", true}, {"vocab_size", 50304}};
    apply_llama_sizes(c, s);
    return c;
  };
  return f;
}

}  // namespace automodel::models
