// Gemma (GemmaForCausalLM): RMSNorm as (1 + w), embeddings scaled by sqrt(hidden_size) (the
// factor rounded to the compute dtype), gelu_pytorch_tanh MLP, head_dim 256 by default, tied head.
#include <cmath>

#include "config_util.h"
#include "llama_like.h"
#include "registry.h"

namespace automodel::models {

Family gemma_family() {
  Family f;
  f.model_type = "gemma";
  f.architectures = {"GemmaForCausalLM"};
  f.seq_cls_architecture = "GemmaForSequenceClassification";
  f.build = [](const json& c, const VarBuilder& root, DType compute, const std::string& what, Head head) {
    LlamaLikeOptions o = read_llama_like_dims(c, what, /*tie_default=*/true, /*head_dim_default=*/256);
    o.norm_eps = cfg_double(c, "rms_norm_eps", 1e-6, what);
    o.norm = NormFlavor::kRmsGemma;
    o.q_bias = o.k_bias = o.v_bias = o.o_bias = cfg_bool(c, "attention_bias", false, what);
    o.act = cfg_string(c, "hidden_activation", cfg_string(c, "hidden_act", "gelu_pytorch_tanh", what), what);
    o.embed_scale = std::sqrt(double(o.hidden));
    DecoderModel m = build_llama_like(c, root, compute, o, head);
    m.architecture = "GemmaForCausalLM";
    return m;
  };
  f.default_config = [](const InitSizes& s) {
    json c = {{"architectures", json::array({"GemmaForCausalLM"})}, {"attention_bias", false}, {"attention_dropout", 0.0},
              {"bos_token_id", 2}, {"eos_token_id", 1}, {"head_dim", 256}, {"hidden_act", "gelu_pytorch_tanh"},
              {"hidden_activation", "gelu_pytorch_tanh"}, {"hidden_size", 3072}, {"initializer_range", 0.02},
              {"intermediate_size", 24576}, {"max_position_embeddings", 8192}, {"model_type", "gemma"},
              {"num_attention_heads", 16}, {"num_hidden_layers", 28}, {"num_key_value_heads", 16},
              {"pad_token_id", 0}, {"rms_norm_eps", 1e-06}, {"rope_theta", 10000.0}, {"use_cache", true},
              {"vocab_size", 256000}};
    apply_llama_sizes(c, s);
    return c;
  };
  return f;
}

}  // namespace automodel::models
