// Phi-3 (Phi3ForCausalLM): fused self_attn.qkv_proj ([q; k; v] rows) and mlp.gate_up_proj
// ([gate; up] rows), LongRoPE that picks short/long factors per forward, optional sliding window.
#include "config_util.h"
#include "llama_like.h"
#include "registry.h"

namespace automodel::models {

Family phi3_family() {
  Family f;
  f.model_type = "phi3";
  f.architectures = {"Phi3ForCausalLM"};
  f.seq_cls_architecture = "Phi3ForSequenceClassification";
  f.build = [](const json& c, const VarBuilder& root, DType compute, const std::string& what, Head head) {
    LlamaLikeOptions o = read_llama_like_dims(c, what, false);
    o.norm_eps = cfg_double(c, "rms_norm_eps", 1e-5, what);
    o.act = cfg_string(c, "hidden_act", "silu", what);
    o.fused_qkv = o.fused_gate_up = true;
    o.partial_rotary_factor = cfg_double(c, "partial_rotary_factor", 1.0, what);
    o.phi3_longrope = true;
    const int64_t window = cfg_int(c, "sliding_window", 0, what);
    o.sliding_window = [window](int64_t) { return window; };
    DecoderModel m = build_llama_like(c, root, compute, o, head);
    m.architecture = "Phi3ForCausalLM";
    return m;
  };
  f.default_config = [](const InitSizes& s) {
    json c = {{"architectures", json::array({"Phi3ForCausalLM"})}, {"attention_dropout", 0.0}, {"bos_token_id", 1},
              {"embd_pdrop", 0.0}, {"eos_token_id", 32000}, {"hidden_act", "silu"}, {"hidden_size", 3072},
              {"initializer_range", 0.02}, {"intermediate_size", 8192}, {"max_position_embeddings", 4096},
              {"model_type", "phi3"}, {"num_attention_heads", 32}, {"num_hidden_layers", 32},
              {"num_key_value_heads", 32}, {"original_max_position_embeddings", 4096}, {"pad_token_id", 32000},
              {"resid_pdrop", 0.0}, {"rms_norm_eps", 1e-05}, {"rope_scaling", nullptr}, {"rope_theta", 10000.0},
              {"sliding_window", nullptr}, {"tie_word_embeddings", false}, {"use_cache", true}, {"vocab_size", 32064}};
    apply_llama_sizes(c, s);
    if (s.max_position_embeddings) c["original_max_position_embeddings"] = s.max_position_embeddings;
    return c;
  };
  return f;
}

}  // namespace automodel::models
