// GPT-NeoX (GPTNeoXForCausalLM): fused attention.query_key_value with a per-head interleaved
// layout ([heads, 3, head_dim] along the output features), partial rotary (rotary_pct),
// parallel residual (x + attn(ln1(x)) + mlp(ln2(x))), LayerNorm with bias, untied embed_out.
#include <cmath>

#include "config_util.h"
#include "registry.h"

namespace automodel::models {

Family gpt_neox_family() {
  Family f;
  f.model_type = "gpt_neox";
  f.architectures = {"GPTNeoXForCausalLM"};
  f.seq_cls_architecture = "GPTNeoXForSequenceClassification";
  f.build = [](const json& c, const VarBuilder& root, DType compute, const std::string& what, Head head) {
    const int64_t E = cfg_int(c, "hidden_size", what), L = cfg_int(c, "num_hidden_layers", what),
                  H = cfg_int(c, "num_attention_heads", what), V = cfg_int(c, "vocab_size", what),
                  I = cfg_int(c, "intermediate_size", what);
    AM_CHECK(E > 0 && H > 0 && E % H == 0, what, ": hidden_size ", E, " must be a positive multiple of num_attention_heads ", H);
    const double eps = cfg_double(c, "layer_norm_eps", 1e-5, what);
    const double std = cfg_double(c, "initializer_range", 0.02, what);
    const std::string act = cfg_string(c, "hidden_act", "gelu", what);
    AM_CHECK(ops::is_supported_activation(act), what, ": unsupported hidden_act \"", act, "\"");
    const bool bias = cfg_bool(c, "attention_bias", true, what);
    const bool parallel = cfg_bool(c, "use_parallel_residual", true, what);
    const bool tie = cfg_bool(c, "tie_word_embeddings", false, what);
    const double rotary_pct = cfg_double(c, "rotary_pct", cfg_double(c, "partial_rotary_factor", 0.25, what), what);
    const double base = cfg_double(c, "rotary_emb_base", 10000.0, what);

    DecoderModel m;
    m.architecture = "GPTNeoXForCausalLM";
    m.compute_dtype = compute;
    m.vocab = V;
    m.residual = parallel ? Residual::kParallel : Residual::kPreNorm;
    const VarBuilder g = root.pp("gpt_neox");
    m.embed = nn::Embedding::load(g.pp("embed_in"), V, E, std);
    const int64_t D = E / H;
    for (int64_t i = 0; i < L; ++i) {
      const VarBuilder b = g.pp("layers").pp(i);
      DecoderLayer layer;
      layer.n1 = Norm::layer_norm(b.pp("input_layernorm"), E, eps, true, true);
      layer.n2 = Norm::layer_norm(b.pp("post_attention_layernorm"), E, eps, true, true);
      Attention& a = layer.attn;
      a.qkv_layout = Attention::Qkv::kFusedPerHead;
      a.heads = a.kv_heads = H;
      a.head_dim = D;
      a.scale = 1.0 / std::sqrt(double(D));
      a.qkv = nn::Linear::load(b.pp("attention").pp("query_key_value"), E, 3 * E, bias, std);
      a.o = nn::Linear::load(b.pp("attention").pp("dense"), E, E, bias, std);
      layer.mlp.kind = Mlp::Kind::kPlain;
      layer.mlp.act = act;
      layer.mlp.up = nn::Linear::load(b.pp("mlp").pp("dense_h_to_4h"), E, I, true, std);
      layer.mlp.down = nn::Linear::load(b.pp("mlp").pp("dense_4h_to_h"), I, E, true, std);
      m.layers.push_back(std::move(layer));
    }
    m.final_norm = Norm::layer_norm(g.pp("final_layer_norm"), E, eps, true, true);
    if (head == Head::kLm)
      m.lm_head = tie ? m.embed.weight : root.pp("embed_out").get("weight", {V, E}, ParamInit::normal(std));
    m.rope = std::make_unique<RotaryEmbedding>(c, D, rotary_pct, base, what);
    return m;
  };
  f.default_config = [](const InitSizes& s) {
    json c = {{"architectures", json::array({"GPTNeoXForCausalLM"})}, {"attention_bias", true}, {"attention_dropout", 0.0},
              {"bos_token_id", 0}, {"classifier_dropout", 0.1}, {"eos_token_id", 2}, {"hidden_act", "gelu"},
              {"hidden_dropout", 0.0}, {"hidden_size", 6144}, {"initializer_range", 0.02},
              {"intermediate_size", 24576}, {"layer_norm_eps", 1e-05}, {"max_position_embeddings", 2048},
              {"model_type", "gpt_neox"}, {"num_attention_heads", 64}, {"num_hidden_layers", 44},
              {"rope_scaling", nullptr}, {"rotary_emb_base", 10000}, {"rotary_pct", 0.25},
              {"tie_word_embeddings", false}, {"use_cache", true}, {"use_parallel_residual", true},
              {"vocab_size", 50432}};
    if (s.hidden_size) c["hidden_size"] = s.hidden_size;
    if (s.num_layers) c["num_hidden_layers"] = s.num_layers;
    if (s.num_heads) c["num_attention_heads"] = s.num_heads;
    if (s.intermediate_size) c["intermediate_size"] = s.intermediate_size;
    if (s.vocab_size) c["vocab_size"] = s.vocab_size;
    if (s.max_position_embeddings) c["max_position_embeddings"] = s.max_position_embeddings;
    AM_CHECK(!s.num_kv_heads || s.num_kv_heads == c["num_attention_heads"].get<int64_t>(),
             "gpt_neox: no grouped-query attention (--kv-heads must equal --heads)");
    return c;
  };
  return f;
}

}  // namespace automodel::models
