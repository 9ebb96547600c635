#include "llama_like.h"

#include <cmath>

#include "config_util.h"

namespace automodel::models {

namespace {

Norm make_norm(const VarBuilder& vb, int64_t dim, const LlamaLikeOptions& o) {
  switch (o.norm) {
    case NormFlavor::kRmsLlama: return Norm::rms_norm(vb, dim, o.norm_eps, ops::RmsNormStyle::kWeightAfterCast);
    case NormFlavor::kRmsGemma: return Norm::rms_norm(vb, dim, o.norm_eps, ops::RmsNormStyle::kUnitOffset);
    case NormFlavor::kRmsOlmo2: return Norm::rms_norm(vb, dim, o.norm_eps, ops::RmsNormStyle::kWeightBeforeCast);
    case NormFlavor::kLayerNormNoAffine: return Norm::layer_norm(vb, dim, o.norm_eps, false, false);
    case NormFlavor::kLayerNormAffine: return Norm::layer_norm(vb, dim, o.norm_eps, true, true);
  }
  return {};
}

}  // namespace

LlamaLikeOptions read_llama_like_dims(const json& c, const std::string& what, bool tie_default,
                                      int64_t head_dim_default) {
  LlamaLikeOptions o;
  o.what = what;
  o.hidden = cfg_int(c, "hidden_size", what);
  o.layers = cfg_int(c, "num_hidden_layers", what);
  o.heads = cfg_int(c, "num_attention_heads", what);
  o.kv_heads = cfg_int(c, "num_key_value_heads", o.heads, what);
  AM_CHECK(o.hidden > 0 && o.layers > 0 && o.heads > 0 && o.kv_heads > 0, what,
           ": hidden_size, num_hidden_layers, num_attention_heads, num_key_value_heads must be positive");
  AM_CHECK(o.heads % o.kv_heads == 0, what, ": num_attention_heads ", o.heads, " is not a multiple of num_key_value_heads ",
           o.kv_heads);
  o.head_dim = cfg_int(c, "head_dim", head_dim_default > 0 ? head_dim_default : o.hidden / o.heads, what);
  o.intermediate = cfg_int(c, "intermediate_size", what);
  o.vocab = cfg_int(c, "vocab_size", what);
  o.init_std = cfg_double(c, "initializer_range", 0.02, what);
  o.tie_embeddings = cfg_bool(c, "tie_word_embeddings", tie_default, what);
  o.rope_theta_default = 10000.0;
  return o;
}

void apply_llama_sizes(json& c, const InitSizes& s) {
  if (s.hidden_size) c["hidden_size"] = s.hidden_size;
  if (s.num_layers) c["num_hidden_layers"] = s.num_layers;
  if (s.num_heads) c["num_attention_heads"] = s.num_heads;
  if (s.num_kv_heads) c["num_key_value_heads"] = s.num_kv_heads;
  else if (s.num_heads && c.contains("num_key_value_heads")) c["num_key_value_heads"] = s.num_heads;
  if (s.intermediate_size) c["intermediate_size"] = s.intermediate_size;
  if (s.vocab_size) c["vocab_size"] = s.vocab_size;
  if (s.max_position_embeddings) c["max_position_embeddings"] = s.max_position_embeddings;
  if ((s.hidden_size || s.num_heads) && c.contains("head_dim") && c["head_dim"].is_number())
    c["head_dim"] = c["hidden_size"].get<int64_t>() / c["num_attention_heads"].get<int64_t>();
}

DecoderModel build_llama_like(const json& config, const VarBuilder& root, DType compute, const LlamaLikeOptions& o,
                              Head head) {
  DecoderModel m;
  m.compute_dtype = compute;
  m.vocab = o.vocab;
  m.residual = o.residual;
  m.embed_scale = o.embed_scale;
  m.final_softcap = o.final_softcap;
  const VarBuilder model = root.pp("model");
  const int64_t pad = config.contains("pad_token_id") && config["pad_token_id"].is_number_integer()
                          ? config["pad_token_id"].get<int64_t>()
                          : -1;
  m.embed = nn::Embedding::load(model.pp("embed_tokens"), o.vocab, o.hidden, o.init_std, pad);
  const int64_t H = o.heads, Hkv = o.kv_heads, D = o.head_dim;
  for (int64_t i = 0; i < o.layers; ++i) {
    const VarBuilder lb = model.pp("layers").pp(i);
    DecoderLayer L;
    const VarBuilder ab = lb.pp("self_attn");
    Attention& a = L.attn;
    a.heads = H;
    a.kv_heads = Hkv;
    a.head_dim = D;
    a.scale = o.attn_scale > 0 ? o.attn_scale : 1.0 / std::sqrt(double(D));
    a.softcap = o.attn_softcap;
    a.clip_qkv = o.clip_qkv;
    a.sliding_window = o.sliding_window ? o.sliding_window(i) : 0;
    auto load_o = [&] { a.o = nn::Linear::load(ab.pp("o_proj"), H * D, o.hidden, o.o_bias, o.init_std); };
    if (o.fused_qkv) {
      load_o();  // Phi3Attention registers o_proj before qkv_proj
      a.qkv_layout = Attention::Qkv::kFusedConcat;
      a.qkv = nn::Linear::load(ab.pp("qkv_proj"), o.hidden, (H + 2 * Hkv) * D, o.q_bias, o.init_std);
    } else {
      a.q = nn::Linear::load(ab.pp("q_proj"), o.hidden, H * D, o.q_bias, o.init_std);
      a.k = nn::Linear::load(ab.pp("k_proj"), o.hidden, Hkv * D, o.k_bias, o.init_std);
      a.v = nn::Linear::load(ab.pp("v_proj"), o.hidden, Hkv * D, o.v_bias, o.init_std);
      load_o();
    }
    if (o.qk_norm_full) {
      a.q_norm_full = make_norm(ab.pp("q_norm"), H * D, o);
      a.k_norm_full = make_norm(ab.pp("k_norm"), Hkv * D, o);
    }
    if (o.qk_layernorm_heads) {
      for (int64_t h = 0; h < H; ++h)
        a.q_norm_heads.push_back(nn::LayerNorm::load(ab.pp("q_layernorm").pp("norms").pp(h), D, o.norm_eps, true, false));
      for (int64_t h = 0; h < Hkv; ++h)
        a.k_norm_heads.push_back(nn::LayerNorm::load(ab.pp("k_layernorm").pp("norms").pp(h), D, o.norm_eps, true, false));
    }
    Mlp& mlp = L.mlp;
    mlp.act = o.act;
    AM_CHECK(ops::is_supported_activation(o.act), o.what, ": unsupported activation \"", o.act, "\"");
    if (o.moe) {
      const VarBuilder mb = lb.pp("block_sparse_moe");
      mlp.kind = Mlp::Kind::kMoe;
      mlp.top_k = o.experts_per_token;
      AM_CHECK(o.num_experts > 0 && o.experts_per_token > 0 && o.experts_per_token <= o.num_experts, o.what,
               ": num_experts_per_tok ", o.experts_per_token, " must be in [1, num_local_experts = ", o.num_experts, "]");
      mlp.router = nn::Linear::load(mb.pp("gate"), o.hidden, o.num_experts, false, o.init_std);
      for (int64_t e = 0; e < o.num_experts; ++e) {
        const VarBuilder eb = mb.pp("experts").pp(e);
        Mlp::Expert ex;
        ex.w1 = nn::Linear::load(eb.pp("w1"), o.hidden, o.intermediate, false, o.init_std);
        ex.w2 = nn::Linear::load(eb.pp("w2"), o.intermediate, o.hidden, false, o.init_std);
        ex.w3 = nn::Linear::load(eb.pp("w3"), o.hidden, o.intermediate, false, o.init_std);
        mlp.experts.push_back(std::move(ex));
      }
    } else {
      const VarBuilder mb = lb.pp("mlp");
      if (o.fused_gate_up) {
        mlp.kind = Mlp::Kind::kGatedFused;
        mlp.gate_up = nn::Linear::load(mb.pp("gate_up_proj"), o.hidden, 2 * o.intermediate, o.mlp_bias, o.init_std);
      } else {
        mlp.kind = Mlp::Kind::kGated;
        mlp.gate = nn::Linear::load(mb.pp("gate_proj"), o.hidden, o.intermediate, o.mlp_bias, o.init_std);
        mlp.up = nn::Linear::load(mb.pp("up_proj"), o.hidden, o.intermediate, o.mlp_bias, o.init_std);
      }
      mlp.down = nn::Linear::load(mb.pp("down_proj"), o.intermediate, o.hidden, o.mlp_bias, o.init_std);
    }
    // Norm names per residual wiring. Loaded after attention and MLP: HF registers the
    // decoder layer's modules in that order, which is the state-dict order save_pretrained
    // shards by.
    switch (o.residual) {
      case Residual::kPostNorm:
        L.n1 = make_norm(lb.pp("post_attention_layernorm"), o.hidden, o);
        L.n2 = make_norm(lb.pp("post_feedforward_layernorm"), o.hidden, o);
        break;
      case Residual::kSandwich:
        L.n1 = make_norm(lb.pp("input_layernorm"), o.hidden, o);
        L.n2 = make_norm(lb.pp("post_attention_layernorm"), o.hidden, o);
        L.n3 = make_norm(lb.pp("pre_feedforward_layernorm"), o.hidden, o);
        L.n4 = make_norm(lb.pp("post_feedforward_layernorm"), o.hidden, o);
        break;
      case Residual::kParallelShared:
        L.n1 = make_norm(lb.pp("input_layernorm"), o.hidden, o);
        break;
      default:
        L.n1 = make_norm(lb.pp("input_layernorm"), o.hidden, o);
        L.n2 = make_norm(lb.pp("post_attention_layernorm"), o.hidden, o);
        break;
    }
    m.layers.push_back(std::move(L));
  }
  m.final_norm = make_norm(model.pp("norm"), o.hidden, o);
  if (head == Head::kLm)  // Head::kNone: a sequence-classification checkpoint has `score` instead
    m.lm_head = o.tie_embeddings
                    ? m.embed.weight
                    : root.pp("lm_head").get("weight", {o.vocab, o.hidden}, ParamInit::normal(o.init_std));
  m.rope = std::make_unique<RotaryEmbedding>(config, D, o.partial_rotary_factor, o.rope_theta_default, o.what,
                                             o.phi3_longrope);
  return m;
}

}  // namespace automodel::models
