// Mistral (MistralForCausalLM): Llama blocks with a sliding attention window on every layer
// (a query at position i attends keys j with i - window < j <= i).
#include "config_util.h"
#include "llama_like.h"
#include "registry.h"

namespace automodel::models {

Family mistral_family() {
  Family f;
  f.model_type = "mistral";
  f.architectures = {"MistralForCausalLM"};
  f.seq_cls_architecture = "MistralForSequenceClassification";
  f.build = [](const json& c, const VarBuilder& root, DType compute, const std::string& what, Head head) {
    LlamaLikeOptions o = read_llama_like_dims(c, what, false);
    o.norm_eps = cfg_double(c, "rms_norm_eps", 1e-6, what);
    o.act = cfg_string(c, "hidden_act", "silu", what);
    const int64_t window = cfg_int(c, "sliding_window", 0, what);  // null: full attention
    o.sliding_window = [window](int64_t) { return window; };
    DecoderModel m = build_llama_like(c, root, compute, o, head);
    m.architecture = "MistralForCausalLM";
    return m;
  };
  f.default_config = [](const InitSizes& s) {
    json c = {{"architectures", json::array({"MistralForCausalLM"})}, {"attention_dropout", 0.0}, {"bos_token_id", 1},
              {"eos_token_id", 2}, {"head_dim", 128}, {"hidden_act", "silu"}, {"hidden_size", 4096},
              {"initializer_range", 0.02}, {"intermediate_size", 14336}, {"max_position_embeddings", 131072},
              {"model_type", "mistral"}, {"num_attention_heads", 32}, {"num_hidden_layers", 32},
              {"num_key_value_heads", 8}, {"rms_norm_eps", 1e-06}, {"rope_theta", 10000.0},
              {"sliding_window", 4096}, {"tie_word_embeddings", false}, {"use_cache", true}, {"vocab_size", 32000}};
    apply_llama_sizes(c, s);
    return c;
  };
  return f;
}

}  // namespace automodel::models
