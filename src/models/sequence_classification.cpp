// AutoModelForSequenceClassification: the registry of sequence-classification families, label
// parsing (PretrainedConfig rules of transformers 4.47) and from_pretrained.
#include "automodel/models/sequence_classification.h"

#include <filesystem>
#include <string>

#include "automodel/nn/var_builder.h"
#include "config_util.h"
#include "loading.h"
#include "seq_cls_registry.h"

namespace automodel {

namespace fs = std::filesystem;
using models::seq_cls_families;
using models::SeqClsFamily;

const char* problem_type_name(ProblemType t) {
  switch (t) {
    case ProblemType::kRegression: return "regression";
    case ProblemType::kSingleLabelClassification: return "single_label_classification";
    case ProblemType::kMultiLabelClassification: return "multi_label_classification";
  }
  return "?";
}

namespace {

// Python's int() on a JSON key of id2label: optional sign, decimal digits, surrounding spaces.
bool parse_label_id(const std::string& key, int64_t& out) {
  size_t b = key.find_first_not_of(" \t\n\r"), e = key.find_last_not_of(" \t\n\r");
  if (b == std::string::npos) return false;
  const std::string s = key.substr(b, e - b + 1);
  size_t i = (s[0] == '+' || s[0] == '-') ? 1 : 0;
  if (i == s.size()) return false;
  for (size_t j = i; j < s.size(); ++j)
    if (s[j] < '0' || s[j] > '9') return false;
  try {
    out = std::stoll(s);
  } catch (const std::exception&) {
    return false;
  }
  return true;
}

}  // namespace

ClassificationLabels ClassificationLabels::from_config(const json& c, const std::string& what) {
  ClassificationLabels l;
  l.id2label.clear();
  if (models::cfg_present(c, "id2label")) {
    const json& m = c["id2label"];
    AM_CHECK(m.is_object(), what, ": \"id2label\" must be an object {\"0\": \"label\", ...}, got ", json_type_name(m));
    for (const auto& [key, value] : m.items()) {
      int64_t id = 0;
      AM_CHECK(parse_label_id(key, id), what, ": id2label key \"", key, "\" is not an integer");
      AM_CHECK(value.is_string(), what, ": id2label[\"", key, "\"] must be a string, got ", json_type_name(value));
      AM_CHECK(l.id2label.emplace(id, value.get<std::string>()).second, what, ": id2label has id ", id, " twice");
    }
    // transformers: num_labels is len(id2label); a disagreeing num_labels key only warns there.
    l.num_labels = int64_t(l.id2label.size());
  } else {
    l.num_labels = models::cfg_int(c, "num_labels", 2, what);
    AM_CHECK(l.num_labels >= 0, what, ": num_labels must not be negative, got ", l.num_labels);
    for (int64_t i = 0; i < l.num_labels; ++i) l.id2label.emplace(i, "LABEL_" + std::to_string(i));
  }
  AM_CHECK(l.num_labels > 0, what, ": a sequence classifier needs at least one label (id2label is empty)");
  if (models::cfg_present(c, "label2id")) {
    const json& m = c["label2id"];
    AM_CHECK(m.is_object(), what, ": \"label2id\" must be an object {\"label\": 0, ...}, got ", json_type_name(m));
    for (const auto& [key, value] : m.items()) {
      AM_CHECK(value.is_number_integer(), what, ": label2id[\"", key, "\"] must be an integer, got ",
               json_type_name(value));
      l.label2id[key] = value.get<int64_t>();
    }
  } else {
    for (const auto& [id, name] : l.id2label) l.label2id[name] = id;
  }
  if (models::cfg_present(c, "problem_type")) {
    const std::string p = models::cfg_string(c, "problem_type", "", what);
    if (p == "regression")
      l.problem_type = ProblemType::kRegression;
    else if (p == "single_label_classification")
      l.problem_type = ProblemType::kSingleLabelClassification;
    else if (p == "multi_label_classification")
      l.problem_type = ProblemType::kMultiLabelClassification;
    else
      fail(what, ": problem_type \"", p,
           "\" is not one of regression, single_label_classification, multi_label_classification");
  }
  return l;
}

ProblemType ClassificationLabels::resolve_problem_type(bool integer_labels) const {
  if (problem_type) return *problem_type;
  if (num_labels == 1) return ProblemType::kRegression;
  return integer_labels ? ProblemType::kSingleLabelClassification : ProblemType::kMultiLabelClassification;
}

SequenceClassificationModel::SequenceClassificationModel(std::string architecture, json config, DType compute,
                                                         const std::string& what)
    : architecture_(std::move(architecture)),
      config_(std::move(config)),
      compute_dtype_(compute),
      labels_(ClassificationLabels::from_config(config_, what)) {}

void SequenceClassificationModel::record_parameters(const VarBuilder& vb) {
  parameters_ = vb.store().named_parameters();
  newly_initialized_ = vb.store().newly_created();
}

namespace models {

const std::vector<SeqClsFamily>& seq_cls_families() {
  static const std::vector<SeqClsFamily> all = [] {
    std::vector<SeqClsFamily> v = {bert_seq_cls_family(), roberta_seq_cls_family(), distilbert_seq_cls_family()};
    for (SeqClsFamily& f : decoder_seq_cls_families()) v.push_back(std::move(f));
    return v;
  }();
  return all;
}

}  // namespace models

namespace {

const SeqClsFamily& find_seq_cls_family(const json& config, const std::string& what) {
  const std::string arch = models::config_architecture(config);
  for (const SeqClsFamily& f : seq_cls_families())
    if (f.architecture == arch) return f;
  // Like transformers' AutoModelForSequenceClassification, the config's model_type picks the
  // class when architectures names another head of the same family (a base model, a causal LM).
  const std::string model_type = config.value("model_type", std::string());
  for (const SeqClsFamily& f : seq_cls_families())
    if (f.model_type == model_type) return f;
  fail(what, ": unsupported architecture '", arch.empty() ? std::string("(none)") : arch, "' (model_type '",
       model_type, "') for sequence classification; supported: ",
       models::join_names(AutoModelForSequenceClassification::supported_architectures()));
}

}  // namespace

std::vector<std::string> AutoModelForSequenceClassification::supported_architectures() {
  std::vector<std::string> out;
  for (const SeqClsFamily& f : seq_cls_families()) out.push_back(f.architecture);
  return out;
}

std::vector<std::string> AutoModelForSequenceClassification::supported_model_types() {
  std::vector<std::string> out;
  for (const SeqClsFamily& f : seq_cls_families()) out.push_back(f.model_type);
  return out;
}

std::unique_ptr<SequenceClassificationModel> AutoModelForSequenceClassification::from_config(const json& config,
                                                                                             const VarBuilder& vb,
                                                                                             DType compute_dtype,
                                                                                             const std::string& what) {
  AM_CHECK(config.is_object(), what, ": expected a JSON object");
  return find_seq_cls_family(config, what).build(config, vb, compute_dtype, what);
}

namespace {

// transformers: from_pretrained kwargs update the config; setting num_labels rebuilds
// id2label/label2id unless id2label already has that many entries.
json apply_config_overrides(json config, const json& overrides, const std::string& what) {
  AM_CHECK(overrides.is_object(), what, ": config overrides must be a JSON object, got ", json_type_name(overrides));
  for (const auto& [key, value] : overrides.items()) {
    if (key != "num_labels") config[key] = value;
  }
  if (overrides.contains("num_labels")) {
    const int64_t n = models::cfg_int(overrides, "num_labels", what + " (overrides)");
    AM_CHECK(n > 0, what, ": num_labels override must be positive, got ", n);
    const bool same = models::cfg_present(config, "id2label") && config["id2label"].is_object() &&
                      int64_t(config["id2label"].size()) == n;
    if (!same) {
      json id2label = json::object(), label2id = json::object();
      for (int64_t i = 0; i < n; ++i) {
        id2label[std::to_string(i)] = "LABEL_" + std::to_string(i);
        label2id["LABEL_" + std::to_string(i)] = i;
      }
      config["id2label"] = id2label;
      config["label2id"] = label2id;
    }
    config.erase("num_labels");
  }
  return config;
}

}  // namespace

std::unique_ptr<SequenceClassificationModel> AutoModelForSequenceClassification::from_pretrained(
    const std::string& id_or_path, const FromPretrainedOptions& options, const SequenceClassificationOptions& seq_cls) {
  const fs::path folder = models::resolve_model_folder(id_or_path, options);
  const fs::path config_path = folder / "config.json";
  AM_CHECK(fs::exists(config_path), folder.string(), ": no config.json (not a Hugging Face model folder)");
  json config = read_json_file(config_path);
  AM_CHECK(config.is_object(), config_path.string(), ": expected a JSON object");
  config = apply_config_overrides(std::move(config), seq_cls.config_overrides, config_path.string());
  // An unsupported architecture fails before any weight is read.
  const SeqClsFamily& family = find_seq_cls_family(config, config_path.string());
  auto store = ParameterStore::open_checkpoint(folder);
  const DType compute = models::resolve_compute_dtype(options.torch_dtype, config, *store);
  store->set_target_dtype(compute);
  store->create_missing(family.head_prefixes, seq_cls.new_head_seed);
  return family.build(config, VarBuilder(store), compute, config_path.string());
}

}  // namespace automodel
