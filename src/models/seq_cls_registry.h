// The sequence-classification registry: BERT, RoBERTa and DistilBERT (bert.cpp,
// distilbert.cpp) and one entry per causal-LM family whose transformers 4.47 module has a
// `*ForSequenceClassification` class (decoder_classifier.cpp, built from registry.h).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "automodel/models/sequence_classification.h"
#include "automodel/nn/var_builder.h"

namespace automodel::models {

struct SeqClsFamily {
  std::string model_type;
  std::string architecture;
  // Name prefixes of the head's parameters: created (HF init) when a checkpoint lacks them.
  std::vector<std::string> head_prefixes;
  std::function<std::unique_ptr<SequenceClassificationModel>(const json& config, const VarBuilder& root, DType compute,
                                                             const std::string& what)>
      build;
};

SeqClsFamily bert_seq_cls_family();
SeqClsFamily roberta_seq_cls_family();
SeqClsFamily distilbert_seq_cls_family();
// The decoder families' classifiers (registry.h families with a seq_cls_architecture).
std::vector<SeqClsFamily> decoder_seq_cls_families();

// Every registered sequence-classification family.
const std::vector<SeqClsFamily>& seq_cls_families();

}  // namespace automodel::models
