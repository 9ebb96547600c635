// The BERT-style bidirectional encoder shared by BERT, RoBERTa and DistilBERT, and the
// sequence-classification model built on it. Family files (bert.cpp, distilbert.cpp) read
// their config.json and load their parameters under their HF names into these structs; the
// forward pass is written once here.
#pragma once

#include <string>
#include <vector>

#include "automodel/models/sequence_classification.h"
#include "automodel/nn/layers.h"
#include "seq_cls_registry.h"

namespace automodel::models {

// One post-LN layer: h = LN1(x + attn(x)); y = LN2(h + down(act(up(h)))).
struct EncoderLayer {
  nn::Linear q, k, v, o;
  nn::LayerNorm attn_norm;
  nn::Linear up, down;
  nn::LayerNorm out_norm;
};

struct EncoderModel {
  DType compute_dtype = DType::F32;
  nn::Embedding word, position;
  nn::Embedding token_type;  // undefined weight: the family has no token types (DistilBERT)
  nn::LayerNorm embed_norm;
  std::vector<EncoderLayer> layers;
  int64_t heads = 0, head_dim = 0;
  std::string act = "gelu";
  bool causal = false;  // BERT with is_decoder

  // ids/positions/token types [batch, seq] int64; mask [batch, seq] 0/1 or undefined.
  // Returns the last layer's hidden states [batch, seq, hidden] in the compute dtype.
  Tensor forward(const Tensor& input_ids, const Tensor& attention_mask, const Tensor& position_ids,
                 const Tensor& token_type_ids) const;
};

// How a family derives position ids when the caller gives none.
enum class EncoderPositions {
  kAbsolute,        // 0..seq-1 on every row (BERT, DistilBERT): left padding shifts them
  kFromInputIds,    // RoBERTa: padding_idx + cumsum(ids != padding_idx), padding_idx on pads
};

// RoBERTa's create_position_ids_from_input_ids: for each row, padding_idx + the running count
// of non-pad tokens at non-pad positions, padding_idx at pad positions.
Tensor roberta_position_ids(const Tensor& input_ids, int64_t padding_idx);

// The classification head on the first token: out(act(dense(h[:, 0]))). BERT: pooler.dense +
// tanh, then classifier; RoBERTa: classifier.dense + tanh + classifier.out_proj; DistilBERT:
// pre_classifier + ReLU + classifier.
struct FirstTokenHead {
  nn::Linear dense, out;
  std::string act;  // "tanh" or "relu"
};

class EncoderClassifier : public SequenceClassificationModel {
 public:
  EncoderClassifier(std::string architecture, const json& config, DType compute, const std::string& what,
                    EncoderModel encoder, EncoderPositions positions, int64_t padding_idx, FirstTokenHead head,
                    const VarBuilder& vb);
  Tensor forward(const Tensor& input_ids, const Tensor& attention_mask = Tensor(),
                 const Tensor& token_type_ids = Tensor()) override;

 private:
  EncoderModel encoder_;
  EncoderPositions positions_;
  int64_t padding_idx_;
  FirstTokenHead head_;
};

}  // namespace automodel::models
