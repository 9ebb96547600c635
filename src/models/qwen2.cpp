// Qwen2 (Qwen2ForCausalLM): Llama blocks with biases on the q/k/v projections (not o_proj).
// With use_sliding_window, layers from max_window_layers on use the window.
#include "config_util.h"
#include "llama_like.h"
#include "registry.h"

namespace automodel::models {

Family qwen2_family() {
  Family f;
  f.model_type = "qwen2";
  f.architectures = {"Qwen2ForCausalLM"};
  f.seq_cls_architecture = "Qwen2ForSequenceClassification";
  f.build = [](const json& c, const VarBuilder& root, DType compute, const std::string& what, Head head) {
    LlamaLikeOptions o = read_llama_like_dims(c, what, false);
    o.norm_eps = cfg_double(c, "rms_norm_eps", 1e-6, what);
    o.act = cfg_string(c, "hidden_act", "silu", what);
    o.q_bias = o.k_bias = o.v_bias = true;
    if (cfg_bool(c, "use_sliding_window", false, what)) {
      const int64_t window = cfg_int(c, "sliding_window", 0, what);
      const int64_t from = cfg_int(c, "max_window_layers", 28, what);
      o.sliding_window = [window, from](int64_t layer) { return layer >= from ? window : 0; };
    }
    DecoderModel m = build_llama_like(c, root, compute, o, head);
    m.architecture = "Qwen2ForCausalLM";
    return m;
  };
  f.default_config = [](const InitSizes& s) {
    json c = {{"architectures", json::array({"Qwen2ForCausalLM"})}, {"attention_dropout", 0.0}, {"bos_token_id", 151643},
              {"eos_token_id", 151643}, {"hidden_act", "silu"}, {"hidden_size", 4096}, {"initializer_range", 0.02},
              {"intermediate_size", 22016}, {"max_position_embeddings", 32768}, {"max_window_layers", 28},
              {"model_type", "qwen2"}, {"num_attention_heads", 32}, {"num_hidden_layers", 32},
              {"num_key_value_heads", 32}, {"rms_norm_eps", 1e-06}, {"rope_scaling", nullptr},
              {"rope_theta", 10000.0}, {"sliding_window", nullptr}, {"tie_word_embeddings", false},
              {"use_cache", true}, {"use_sliding_window", false}, {"vocab_size", 151936}};
    apply_llama_sizes(c, s);
    return c;
  };
  return f;
}

}  // namespace automodel::models
