// Llama (LlamaForCausalLM): RMSNorm, gated SiLU MLP, RoPE with every HF rope_scaling type,
// GQA, optional attention/MLP biases, tied or untied head.
#include "config_util.h"
#include "llama_like.h"
#include "registry.h"

namespace automodel::models {

Family llama_family() {
  Family f;
  f.model_type = "llama";
  f.architectures = {"LlamaForCausalLM"};
  f.seq_cls_architecture = "LlamaForSequenceClassification";
  f.build = [](const json& c, const VarBuilder& root, DType compute, const std::string& what, Head head) {
    LlamaLikeOptions o = read_llama_like_dims(c, what, /*tie_default=*/false);
    o.norm_eps = cfg_double(c, "rms_norm_eps", 1e-6, what);
    o.q_bias = o.k_bias = o.v_bias = o.o_bias = cfg_bool(c, "attention_bias", false, what);
    o.mlp_bias = cfg_bool(c, "mlp_bias", false, what);
    o.act = cfg_string(c, "hidden_act", "silu", what);
    DecoderModel m = build_llama_like(c, root, compute, o, head);
    m.architecture = "LlamaForCausalLM";
    return m;
  };
  f.default_config = [](const InitSizes& s) {
    json c = {{"architectures", json::array({"LlamaForCausalLM"})},
              {"attention_bias", false},
              {"attention_dropout", 0.0},
              {"bos_token_id", 1},
              {"eos_token_id", 2},
              {"head_dim", 128},
              {"hidden_act", "silu"},
              {"hidden_size", 4096},
              {"initializer_range", 0.02},
              {"intermediate_size", 11008},
              {"max_position_embeddings", 2048},
              {"mlp_bias", false},
              {"model_type", "llama"},
              {"num_attention_heads", 32},
              {"num_hidden_layers", 32},
              {"num_key_value_heads", 32},
              {"pretraining_tp", 1},
              {"rms_norm_eps", 1e-06},
              {"rope_scaling", nullptr},
              {"rope_theta", 10000.0},
              {"tie_word_embeddings", false},
              {"use_cache", true},
              {"vocab_size", 32000}};
    apply_llama_sizes(c, s);
    return c;
  };
  return f;
}

}  // namespace automodel::models
