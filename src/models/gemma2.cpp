// Gemma2 (Gemma2ForCausalLM): Gemma plus pre+post norms around attention and MLP, attention
// scores soft-capped before the mask (attn_logit_softcapping), final logits soft-capped,
// scale query_pre_attn_scalar^-0.5, sliding window on even layers (0, 2, ...), global on odd.
#include <cmath>

#include "config_util.h"
#include "llama_like.h"
#include "registry.h"

namespace automodel::models {

Family gemma2_family() {
  Family f;
  f.model_type = "gemma2";
  f.architectures = {"Gemma2ForCausalLM"};
  f.seq_cls_architecture = "Gemma2ForSequenceClassification";
  f.build = [](const json& c, const VarBuilder& root, DType compute, const std::string& what, Head head) {
    LlamaLikeOptions o = read_llama_like_dims(c, what, /*tie_default=*/true, /*head_dim_default=*/256);
    o.norm_eps = cfg_double(c, "rms_norm_eps", 1e-6, what);
    o.norm = NormFlavor::kRmsGemma;
    o.residual = Residual::kSandwich;
    o.q_bias = o.k_bias = o.v_bias = o.o_bias = cfg_bool(c, "attention_bias", false, what);
    o.act = cfg_string(c, "hidden_activation", "gelu_pytorch_tanh", what);
    o.embed_scale = std::sqrt(double(o.hidden));
    o.attn_scale = 1.0 / std::sqrt(cfg_double(c, "query_pre_attn_scalar", 256, what));
    o.attn_softcap = cfg_double(c, "attn_logit_softcapping", 50.0, what);
    o.final_softcap = cfg_double(c, "final_logit_softcapping", 30.0, what);
    const int64_t window = cfg_int(c, "sliding_window", 4096, what);
    o.sliding_window = [window](int64_t layer) { return layer % 2 == 0 ? window : 0; };
    DecoderModel m = build_llama_like(c, root, compute, o, head);
    m.architecture = "Gemma2ForCausalLM";
    return m;
  };
  f.default_config = [](const InitSizes& s) {
    json c = {{"architectures", json::array({"Gemma2ForCausalLM"})}, {"attention_bias", false}, {"attention_dropout", 0.0},
              {"attn_logit_softcapping", 50.0}, {"bos_token_id", 2}, {"cache_implementation", "hybrid"},
              {"eos_token_id", 1}, {"final_logit_softcapping", 30.0}, {"head_dim", 256},
              {"hidden_activation", "gelu_pytorch_tanh"}, {"hidden_size", 3072}, {"initializer_range", 0.02},
              {"intermediate_size", 24576}, {"max_position_embeddings", 8192}, {"model_type", "gemma2"},
              {"num_attention_heads", 16}, {"num_hidden_layers", 28}, {"num_key_value_heads", 16},
              {"pad_token_id", 0}, {"query_pre_attn_scalar", 256}, {"rms_norm_eps", 1e-06},
              {"rope_theta", 10000.0}, {"sliding_window", 4096}, {"use_cache", true}, {"vocab_size", 256000}};
    apply_llama_sizes(c, s);
    return c;
  };
  return f;
}

}  // namespace automodel::models
