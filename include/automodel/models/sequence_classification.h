// AutoModelForSequenceClassification: load an unmodified Hugging Face sequence-classification
// repository (BERT, RoBERTa, DistilBERT encoders, or the `*ForSequenceClassification` class of
// a causal-LM family) and compute pooled logits [batch, num_labels], as transformers 4.47 does.
// The family is picked from config.architectures[0] (fallback: model_type).
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "automodel/core/tensor.h"
#include "automodel/hub/json_file.h"
#include "automodel/models/auto_model.h"

namespace automodel {

class VarBuilder;

// config.json `problem_type`: which loss transformers applies to the logits.
enum class ProblemType { kRegression, kSingleLabelClassification, kMultiLabelClassification };
// "regression", "single_label_classification", "multi_label_classification".
const char* problem_type_name(ProblemType t);

// The label fields of a config.json, read as transformers' PretrainedConfig does:
// id2label (keys are integers written as strings) decides num_labels; without it num_labels
// (default 2) makes labels "LABEL_0".. "LABEL_{n-1}". label2id is the config's, else the
// inverse of id2label. problem_type must be one of the three names or absent/null.
struct ClassificationLabels {
  int64_t num_labels = 2;
  std::map<int64_t, std::string> id2label;
  std::map<std::string, int64_t> label2id;
  std::optional<ProblemType> problem_type;  // absent: inferred when the loss is computed

  static ClassificationLabels from_config(const json& config, const std::string& what = "config.json");
  // transformers' rule when problem_type is absent: num_labels == 1 -> regression; integer
  // labels -> single-label classification; otherwise multi-label.
  ProblemType resolve_problem_type(bool integer_labels) const;
};

// What transformers' from_pretrained(..., **kwargs) adds for a classifier.
struct SequenceClassificationOptions {
  // config.json keys replaced before the model is built, like from_pretrained's config kwargs
  // (num_labels, id2label, label2id, problem_type, ...). num_labels, as transformers' setter,
  // makes id2label "LABEL_0".. and label2id anew unless id2label already has that many labels.
  json config_overrides = json::object();
  // Seed of the head parameters a checkpoint lacks (a base or causal-LM checkpoint: the usual
  // start of fine-tuning). They are initialised like transformers' _init_weights (normal(0,
  // initializer_range), biases 0; not torch's random stream) and listed by
  // newly_initialized_parameters(). Only the head may be missing; any other tensor is an error.
  uint64_t new_head_seed = 0;
};

class SequenceClassificationModel {
 public:
  virtual ~SequenceClassificationModel() = default;

  // input_ids [batch, seq] int64. attention_mask [batch, seq] 0/1 or undefined (all ones).
  // token_type_ids [batch, seq] or undefined (all zeros); only BERT and RoBERTa use them, the
  // other families reject defined ones. Returns logits [batch, num_labels] float32.
  virtual Tensor forward(const Tensor& input_ids, const Tensor& attention_mask = Tensor(),
                         const Tensor& token_type_ids = Tensor()) = 0;

  const std::string& architecture() const { return architecture_; }
  const json& config_json() const { return config_; }
  DType compute_dtype() const { return compute_dtype_; }
  const ClassificationLabels& labels() const { return labels_; }
  int64_t num_labels() const { return labels_.num_labels; }
  const std::map<int64_t, std::string>& id2label() const { return labels_.id2label; }
  const std::map<std::string, int64_t>& label2id() const { return labels_.label2id; }
  std::optional<ProblemType> problem_type() const { return labels_.problem_type; }
  // The model's parameters under their HF state-dict names, in state-dict order, each once
  // (ParameterStore::named_parameters() of the store it was built from).
  const std::vector<std::pair<std::string, Tensor>>& named_parameters() const { return parameters_; }
  // Head parameters the checkpoint did not have, created at load (see SequenceClassificationOptions).
  const std::vector<std::string>& newly_initialized_parameters() const { return newly_initialized_; }

 protected:
  // Parses the labels of `config` (`what` names it in errors).
  SequenceClassificationModel(std::string architecture, json config, DType compute, const std::string& what);
  // Called by a family once its parts are built: takes the store's named_parameters().
  void record_parameters(const VarBuilder& vb);

 private:
  std::string architecture_;
  json config_;
  DType compute_dtype_;
  ClassificationLabels labels_;
  std::vector<std::pair<std::string, Tensor>> parameters_;
  std::vector<std::string> newly_initialized_;
};

class AutoModelForSequenceClassification {
 public:
  // Local folder or Hub id; options as for AutoModelForCausalLM (torch_dtype policy included).
  static std::unique_ptr<SequenceClassificationModel> from_pretrained(const std::string& id_or_path,
                                                                      const FromPretrainedOptions& options = {},
                                                                      const SequenceClassificationOptions& seq_cls = {});
  // Builds the model of `config` with parameters from `vb` (a checkpoint or a creating store).
  static std::unique_ptr<SequenceClassificationModel> from_config(const json& config, const VarBuilder& vb,
                                                                  DType compute_dtype,
                                                                  const std::string& what = "config.json");
  // Architecture names (config.architectures[0]) and model_types the registry knows.
  static std::vector<std::string> supported_architectures();
  static std::vector<std::string> supported_model_types();
};

}  // namespace automodel
