// GPT-2 (GPT2LMHeadModel): learned absolute positions (transformer.wpe), LayerNorm with bias,
// fused attn.c_attn, gelu_new MLP, tied head by default.
//
// Layout note (the one place it is handled): GPT-2's Conv1D modules store their weight as
// [in, out] (y = x @ W + b), the transpose of nn.Linear. They are read as stored and transposed
// once at load into an owned [out, in] tensor of the same dtype, so the op layer's linear()
// sees HF's Linear layout like every other family.
#include <cmath>

#include "config_util.h"
#include "registry.h"

namespace automodel::models {

namespace {

nn::Linear load_conv1d(const VarBuilder& vb, int64_t in, int64_t out, double std) {
  nn::Linear l;
  const Tensor stored = vb.get("weight", {in, out}, ParamInit::normal(std));  // [in, out]
  l.weight = stored.transpose(0, 1).contiguous();                             // [out, in]
  l.weight_in_out = stored;  // what training differentiates and updates (see nn::Linear)
  l.bias = vb.get("bias", {out}, ParamInit::zeros());
  nn::attach_lora(vb, l, in, out, stored, /*fan_in_fan_out=*/true);  // PEFT's Conv1D LoRA
  return l;
}

}  // namespace

Family gpt2_family() {
  Family f;
  f.model_type = "gpt2";
  f.architectures = {"GPT2LMHeadModel"};
  f.seq_cls_architecture = "GPT2ForSequenceClassification";
  f.build = [](const json& c, const VarBuilder& root, DType compute, const std::string& what, Head head) {
    const int64_t E = cfg_int(c, "n_embd", 768, what), L = cfg_int(c, "n_layer", 12, what),
                  H = cfg_int(c, "n_head", 12, what), V = cfg_int(c, "vocab_size", 50257, what),
                  P = cfg_int(c, "n_positions", 1024, what);
    AM_CHECK(E > 0 && H > 0 && E % H == 0, what, ": n_embd ", E, " must be a positive multiple of n_head ", H);
    const int64_t inner = cfg_int(c, "n_inner", 4 * E, what);
    const double eps = cfg_double(c, "layer_norm_epsilon", 1e-5, what);
    const double std = cfg_double(c, "initializer_range", 0.02, what);
    const std::string act = cfg_string(c, "activation_function", "gelu_new", what);
    AM_CHECK(ops::is_supported_activation(act), what, ": unsupported activation_function \"", act, "\"");
    const bool scale_weights = cfg_bool(c, "scale_attn_weights", true, what);
    const bool scale_by_layer = cfg_bool(c, "scale_attn_by_inverse_layer_idx", false, what);
    const bool tie = cfg_bool(c, "tie_word_embeddings", true, what);
    const double proj_std = std / std::sqrt(2.0 * double(L));  // HF's scaled init of c_proj

    DecoderModel m;
    m.architecture = "GPT2LMHeadModel";
    m.compute_dtype = compute;
    m.vocab = V;
    m.residual = Residual::kPreNorm;
    const VarBuilder t = root.pp("transformer");
    m.embed = nn::Embedding::load(t.pp("wte"), V, E, std);
    m.pos_embed = nn::Embedding::load(t.pp("wpe"), P, E, std);
    const int64_t D = E / H;
    for (int64_t i = 0; i < L; ++i) {
      const VarBuilder b = t.pp("h").pp(i);
      DecoderLayer layer;
      layer.n1 = Norm::layer_norm(b.pp("ln_1"), E, eps, true, true);
      Attention& a = layer.attn;
      a.qkv_layout = Attention::Qkv::kFusedConcat;
      a.heads = a.kv_heads = H;
      a.head_dim = D;
      a.qkv = load_conv1d(b.pp("attn").pp("c_attn"), E, 3 * E, std);
      a.o = load_conv1d(b.pp("attn").pp("c_proj"), E, E, proj_std);
      a.scale = (scale_weights ? 1.0 / std::sqrt(double(D)) : 1.0) / (scale_by_layer ? double(i + 1) : 1.0);
      layer.n2 = Norm::layer_norm(b.pp("ln_2"), E, eps, true, true);
      layer.mlp.kind = Mlp::Kind::kPlain;
      layer.mlp.act = act;
      layer.mlp.up = load_conv1d(b.pp("mlp").pp("c_fc"), E, inner, std);
      layer.mlp.down = load_conv1d(b.pp("mlp").pp("c_proj"), inner, E, proj_std);
      m.layers.push_back(std::move(layer));
    }
    m.final_norm = Norm::layer_norm(t.pp("ln_f"), E, eps, true, true);
    if (head == Head::kLm)
      m.lm_head = tie ? m.embed.weight : root.pp("lm_head").get("weight", {V, E}, ParamInit::normal(std));
    return m;
  };
  f.default_config = [](const InitSizes& s) {
    json c = {{"activation_function", "gelu_new"}, {"architectures", json::array({"GPT2LMHeadModel"})}, {"attn_pdrop", 0.1},
              {"bos_token_id", 50256}, {"embd_pdrop", 0.1}, {"eos_token_id", 50256}, {"initializer_range", 0.02},
              {"layer_norm_epsilon", 1e-05}, {"model_type", "gpt2"}, {"n_embd", 768}, {"n_head", 12},
              {"n_inner", nullptr}, {"n_layer", 12}, {"n_positions", 1024}, {"reorder_and_upcast_attn", false},
              {"resid_pdrop", 0.1}, {"scale_attn_by_inverse_layer_idx", false}, {"scale_attn_weights", true},
              {"summary_activation", nullptr}, {"summary_first_dropout", 0.1}, {"summary_proj_to_labels", true},
              {"summary_type", "cls_index"}, {"summary_use_proj", true}, {"use_cache", true}, {"vocab_size", 50257}};
    if (s.hidden_size) c["n_embd"] = s.hidden_size;
    if (s.num_layers) c["n_layer"] = s.num_layers;
    if (s.num_heads) c["n_head"] = s.num_heads;
    if (s.intermediate_size) c["n_inner"] = s.intermediate_size;
    if (s.vocab_size) c["vocab_size"] = s.vocab_size;
    if (s.max_position_embeddings) c["n_positions"] = s.max_position_embeddings;
    AM_CHECK(!s.num_kv_heads || s.num_kv_heads == c["n_head"].get<int64_t>(),
             "gpt2: no grouped-query attention (--kv-heads must equal --heads)");
    return c;
  };
  return f;
}

}  // namespace automodel::models
