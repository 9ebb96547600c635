// OLMo2 (Olmo2ForCausalLM): RMSNorm on q and k over the whole projection (before the head
// split), and norms after attention and MLP (h = x + norm(attn(x))) instead of before.
#include "config_util.h"
#include "llama_like.h"
#include "registry.h"

namespace automodel::models {

Family olmo2_family() {
  Family f;
  f.model_type = "olmo2";
  f.architectures = {"Olmo2ForCausalLM"};
  f.build = [](const json& c, const VarBuilder& root, DType compute, const std::string& what, Head head) {
    LlamaLikeOptions o = read_llama_like_dims(c, what, false);
    o.norm = NormFlavor::kRmsOlmo2;
    o.norm_eps = cfg_double(c, "rms_norm_eps", 1e-5, what);
    o.act = cfg_string(c, "hidden_act", "silu", what);
    o.q_bias = o.k_bias = o.v_bias = o.o_bias = cfg_bool(c, "attention_bias", false, what);
    o.qk_norm_full = true;
    o.residual = Residual::kPostNorm;
    DecoderModel m = build_llama_like(c, root, compute, o, head);
    m.architecture = "Olmo2ForCausalLM";
    return m;
  };
  f.default_config = [](const InitSizes& s) {
    json c = {{"architectures", json::array({"Olmo2ForCausalLM"})}, {"attention_bias", false}, {"attention_dropout", 0.0},
              {"bos_token_id", nullptr}, {"eos_token_id", 50279}, {"hidden_act", "silu"}, {"hidden_size", 4096},
              {"initializer_range", 0.02}, {"intermediate_size", 11008}, {"max_position_embeddings", 2048},
              {"model_type", "olmo2"}, {"num_attention_heads", 32}, {"num_hidden_layers", 32},
              {"num_key_value_heads", 32}, {"pad_token_id", 1}, {"rms_norm_eps", 1e-05}, {"rope_scaling", nullptr},
              {"rope_theta", 10000.0}, {"tie_word_embeddings", false}, {"use_cache", true}, {"vocab_size", 50304}};
    apply_llama_sizes(c, s);
    return c;
  };
  return f;
}

}  // namespace automodel::models
