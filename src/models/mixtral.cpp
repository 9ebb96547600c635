// Mixtral (MixtralForCausalLM): Llama attention with a sparse MoE MLP
// (block_sparse_moe.gate router; experts.N.{w1, w2, w3} = gate, down, up): softmax over all
// experts in f32, top-k, renormalised, cast to the hidden dtype.
#include "config_util.h"
#include "llama_like.h"
#include "registry.h"

namespace automodel::models {

Family mixtral_family() {
  Family f;
  f.model_type = "mixtral";
  f.architectures = {"MixtralForCausalLM"};
  f.seq_cls_architecture = "MixtralForSequenceClassification";
  f.build = [](const json& c, const VarBuilder& root, DType compute, const std::string& what, Head head) {
    LlamaLikeOptions o = read_llama_like_dims(c, what, false);
    o.norm_eps = cfg_double(c, "rms_norm_eps", 1e-5, what);
    o.act = cfg_string(c, "hidden_act", "silu", what);
    o.moe = true;
    o.num_experts = cfg_int(c, "num_local_experts", 8, what);
    o.experts_per_token = cfg_int(c, "num_experts_per_tok", 2, what);
    const int64_t window = cfg_int(c, "sliding_window", 0, what);
    o.sliding_window = [window](int64_t) { return window; };
    DecoderModel m = build_llama_like(c, root, compute, o, head);
    m.architecture = "MixtralForCausalLM";
    return m;
  };
  f.default_config = [](const InitSizes& s) {
    json c = {{"architectures", json::array({"MixtralForCausalLM"})}, {"attention_dropout", 0.0}, {"bos_token_id", 1},
              {"eos_token_id", 2}, {"hidden_act", "silu"}, {"hidden_size", 4096}, {"initializer_range", 0.02},
              {"intermediate_size", 14336}, {"max_position_embeddings", 131072}, {"model_type", "mixtral"},
              {"num_attention_heads", 32}, {"num_experts_per_tok", 2}, {"num_hidden_layers", 32},
              {"num_key_value_heads", 8}, {"num_local_experts", 8}, {"output_router_logits", false},
              {"rms_norm_eps", 1e-05}, {"rope_theta", 1000000.0}, {"router_aux_loss_coef", 0.001},
              {"router_jitter_noise", 0.0}, {"sliding_window", nullptr}, {"tie_word_embeddings", false},
              {"use_cache", true}, {"vocab_size", 32000}};
    apply_llama_sizes(c, s);
    return c;
  };
  return f;
}

}  // namespace automodel::models
