// BERT (BertForSequenceClassification) and RoBERTa (RobertaForSequenceClassification): the
// BertModel encoder (word + token_type + absolute position embeddings, LayerNorm with
// layer_norm_eps, post-LN layers, hidden_act), under `bert.*` / `roberta.*`.
// BERT pools token 0 through bert.pooler.dense + tanh, then `classifier`. RoBERTa has no
// pooler; its RobertaClassificationHead is classifier.dense + tanh + classifier.out_proj on
// token 0, and its position ids are pad_token_id + the running count of non-pad input ids
// (pad_token_id itself on pads), so left or right padding does not shift them.
#include "config_util.h"
#include "encoder.h"

namespace automodel::models {

namespace {

struct BertDims {
  int64_t vocab, hidden, layers, heads, intermediate, max_positions, type_vocab, pad;
  double eps, std;
  std::string act;
  bool is_decoder;
};

// BertConfig / RobertaConfig fields with their transformers defaults (RoBERTa: pad 1).
BertDims read_bert_dims(const json& c, const std::string& what, int64_t pad_default) {
  BertDims d;
  d.vocab = cfg_int(c, "vocab_size", 30522, what);
  d.hidden = cfg_int(c, "hidden_size", 768, what);
  d.layers = cfg_int(c, "num_hidden_layers", 12, what);
  d.heads = cfg_int(c, "num_attention_heads", 12, what);
  d.intermediate = cfg_int(c, "intermediate_size", 3072, what);
  d.max_positions = cfg_int(c, "max_position_embeddings", 512, what);
  d.type_vocab = cfg_int(c, "type_vocab_size", 2, what);
  d.pad = cfg_int(c, "pad_token_id", pad_default, what);
  d.eps = cfg_double(c, "layer_norm_eps", 1e-12, what);
  d.std = cfg_double(c, "initializer_range", 0.02, what);
  d.act = cfg_string(c, "hidden_act", "gelu", what);
  d.is_decoder = cfg_bool(c, "is_decoder", false, what);
  AM_CHECK(d.vocab > 0 && d.hidden > 0 && d.layers > 0 && d.heads > 0 && d.intermediate > 0 && d.max_positions > 0 &&
               d.type_vocab > 0,
           what, ": vocab_size, hidden_size, num_hidden_layers, num_attention_heads, intermediate_size, "
                 "max_position_embeddings and type_vocab_size must be positive");
  AM_CHECK(d.hidden % d.heads == 0, what, ": hidden_size ", d.hidden, " is not a multiple of num_attention_heads ",
           d.heads);
  AM_CHECK(ops::is_supported_activation(d.act), what, ": unsupported hidden_act \"", d.act, "\"");
  const std::string pos_type = cfg_string(c, "position_embedding_type", "absolute", what);
  AM_CHECK(pos_type == "absolute", what, ": position_embedding_type \"", pos_type,
           "\" is not supported (only \"absolute\"; relative_key / relative_key_query are not implemented)");
  return d;
}

EncoderModel load_bert_encoder(const VarBuilder& vb, const BertDims& d, DType compute, bool roberta) {
  EncoderModel m;
  m.compute_dtype = compute;
  m.heads = d.heads;
  m.head_dim = d.hidden / d.heads;
  m.act = d.act;
  m.causal = d.is_decoder;
  const VarBuilder e = vb.pp("embeddings");
  m.word = nn::Embedding::load(e.pp("word_embeddings"), d.vocab, d.hidden, d.std, d.pad);
  m.position = nn::Embedding::load(e.pp("position_embeddings"), d.max_positions, d.hidden, d.std, roberta ? d.pad : -1);
  m.token_type = nn::Embedding::load(e.pp("token_type_embeddings"), d.type_vocab, d.hidden, d.std);
  m.embed_norm = nn::LayerNorm::load(e.pp("LayerNorm"), d.hidden, d.eps, true, true);
  for (int64_t i = 0; i < d.layers; ++i) {
    const VarBuilder l = vb.pp("encoder").pp("layer").pp(i);
    const VarBuilder att = l.pp("attention");
    EncoderLayer L;
    L.q = nn::Linear::load(att.pp("self").pp("query"), d.hidden, d.hidden, true, d.std);
    L.k = nn::Linear::load(att.pp("self").pp("key"), d.hidden, d.hidden, true, d.std);
    L.v = nn::Linear::load(att.pp("self").pp("value"), d.hidden, d.hidden, true, d.std);
    L.o = nn::Linear::load(att.pp("output").pp("dense"), d.hidden, d.hidden, true, d.std);
    L.attn_norm = nn::LayerNorm::load(att.pp("output").pp("LayerNorm"), d.hidden, d.eps, true, true);
    L.up = nn::Linear::load(l.pp("intermediate").pp("dense"), d.hidden, d.intermediate, true, d.std);
    L.down = nn::Linear::load(l.pp("output").pp("dense"), d.intermediate, d.hidden, true, d.std);
    L.out_norm = nn::LayerNorm::load(l.pp("output").pp("LayerNorm"), d.hidden, d.eps, true, true);
    m.layers.push_back(std::move(L));
  }
  return m;
}

}  // namespace

SeqClsFamily bert_seq_cls_family() {
  SeqClsFamily f;
  f.model_type = "bert";
  f.architecture = "BertForSequenceClassification";
  f.head_prefixes = {"bert.pooler.", "classifier."};
  f.build = [](const json& c, const VarBuilder& root, DType compute,
               const std::string& what) -> std::unique_ptr<SequenceClassificationModel> {
    const BertDims d = read_bert_dims(c, what, 0);
    const int64_t labels = ClassificationLabels::from_config(c, what).num_labels;
    EncoderModel enc = load_bert_encoder(root.pp("bert"), d, compute, false);
    FirstTokenHead head;
    head.dense = nn::Linear::load(root.pp("bert").pp("pooler").pp("dense"), d.hidden, d.hidden, true, d.std);
    head.act = "tanh";
    head.out = nn::Linear::load(root.pp("classifier"), d.hidden, labels, true, d.std);
    return std::make_unique<EncoderClassifier>("BertForSequenceClassification", c, compute, what, std::move(enc),
                                               EncoderPositions::kAbsolute, d.pad, std::move(head), root);
  };
  return f;
}

SeqClsFamily roberta_seq_cls_family() {
  SeqClsFamily f;
  f.model_type = "roberta";
  f.architecture = "RobertaForSequenceClassification";
  f.head_prefixes = {"classifier."};
  f.build = [](const json& c, const VarBuilder& root, DType compute,
               const std::string& what) -> std::unique_ptr<SequenceClassificationModel> {
    const BertDims d = read_bert_dims(c, what, 1);
    AM_CHECK(d.pad >= 0 && d.pad < d.max_positions, what, ": pad_token_id ", d.pad,
             " must index the position table (RoBERTa counts positions from it), max_position_embeddings ",
             d.max_positions);
    const int64_t labels = ClassificationLabels::from_config(c, what).num_labels;
    EncoderModel enc = load_bert_encoder(root.pp("roberta"), d, compute, true);
    FirstTokenHead head;
    head.dense = nn::Linear::load(root.pp("classifier").pp("dense"), d.hidden, d.hidden, true, d.std);
    head.act = "tanh";
    head.out = nn::Linear::load(root.pp("classifier").pp("out_proj"), d.hidden, labels, true, d.std);
    return std::make_unique<EncoderClassifier>("RobertaForSequenceClassification", c, compute, what, std::move(enc),
                                               EncoderPositions::kFromInputIds, d.pad, std::move(head), root);
  };
  return f;
}

}  // namespace automodel::models
