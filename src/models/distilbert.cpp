// DistilBERT (DistilBertForSequenceClassification): word + position embeddings (no token
// types; positions 0..seq-1, learned or the stored sinusoidal table), LayerNorm eps fixed at
// 1e-12, post-LN layers named attention.{q,k,v,out}_lin / sa_layer_norm / ffn.lin1, lin2 /
// output_layer_norm, activation from `activation`. Head: pre_classifier + ReLU + classifier
// on token 0.
#include "config_util.h"
#include "encoder.h"

namespace automodel::models {

SeqClsFamily distilbert_seq_cls_family() {
  SeqClsFamily f;
  f.model_type = "distilbert";
  f.architecture = "DistilBertForSequenceClassification";
  f.head_prefixes = {"pre_classifier.", "classifier."};
  f.build = [](const json& c, const VarBuilder& root, DType compute,
               const std::string& what) -> std::unique_ptr<SequenceClassificationModel> {
    const int64_t vocab = cfg_int(c, "vocab_size", 30522, what), dim = cfg_int(c, "dim", 768, what),
                  layers = cfg_int(c, "n_layers", 6, what), heads = cfg_int(c, "n_heads", 12, what),
                  hidden_dim = cfg_int(c, "hidden_dim", 3072, what),
                  max_positions = cfg_int(c, "max_position_embeddings", 512, what),
                  pad = cfg_int(c, "pad_token_id", 0, what);
    const double std = cfg_double(c, "initializer_range", 0.02, what);
    const std::string act = cfg_string(c, "activation", "gelu", what);
    constexpr double kEps = 1e-12;  // hard-coded in transformers' DistilBERT
    AM_CHECK(vocab > 0 && dim > 0 && layers > 0 && heads > 0 && hidden_dim > 0 && max_positions > 0, what,
             ": vocab_size, dim, n_layers, n_heads, hidden_dim and max_position_embeddings must be positive");
    AM_CHECK(dim % heads == 0, what, ": dim ", dim, " is not a multiple of n_heads ", heads);
    AM_CHECK(ops::is_supported_activation(act), what, ": unsupported activation \"", act, "\"");
    const int64_t labels = ClassificationLabels::from_config(c, what).num_labels;

    EncoderModel m;
    m.compute_dtype = compute;
    m.heads = heads;
    m.head_dim = dim / heads;
    m.act = act;
    const VarBuilder d = root.pp("distilbert");
    const VarBuilder e = d.pp("embeddings");
    m.word = nn::Embedding::load(e.pp("word_embeddings"), vocab, dim, std, pad);
    m.position = nn::Embedding::load(e.pp("position_embeddings"), max_positions, dim, std);
    m.embed_norm = nn::LayerNorm::load(e.pp("LayerNorm"), dim, kEps, true, true);
    for (int64_t i = 0; i < layers; ++i) {
      const VarBuilder l = d.pp("transformer").pp("layer").pp(i);
      EncoderLayer L;
      L.q = nn::Linear::load(l.pp("attention").pp("q_lin"), dim, dim, true, std);
      L.k = nn::Linear::load(l.pp("attention").pp("k_lin"), dim, dim, true, std);
      L.v = nn::Linear::load(l.pp("attention").pp("v_lin"), dim, dim, true, std);
      L.o = nn::Linear::load(l.pp("attention").pp("out_lin"), dim, dim, true, std);
      L.attn_norm = nn::LayerNorm::load(l.pp("sa_layer_norm"), dim, kEps, true, true);
      L.up = nn::Linear::load(l.pp("ffn").pp("lin1"), dim, hidden_dim, true, std);
      L.down = nn::Linear::load(l.pp("ffn").pp("lin2"), hidden_dim, dim, true, std);
      L.out_norm = nn::LayerNorm::load(l.pp("output_layer_norm"), dim, kEps, true, true);
      m.layers.push_back(std::move(L));
    }
    FirstTokenHead head;
    head.dense = nn::Linear::load(root.pp("pre_classifier"), dim, dim, true, std);
    head.act = "relu";
    head.out = nn::Linear::load(root.pp("classifier"), dim, labels, true, std);
    return std::make_unique<EncoderClassifier>("DistilBertForSequenceClassification", c, compute, what, std::move(m),
                                               EncoderPositions::kAbsolute, pad, std::move(head), root);
  };
  return f;
}

}  // namespace automodel::models
