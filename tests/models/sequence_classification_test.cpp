// Sequence classification without fixtures: label parsing, RoBERTa position ids, last-non-pad
// pooling, registry errors, and every registered family built with random weights (a creating
// ParameterStore), checked for the padding invariances transformers' models have.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>

#include "automodel/hub/json_file.h"
#include "automodel/hub/safetensors.h"
#include "automodel/models/sequence_classification.h"
#include "automodel/nn/var_builder.h"
#include "fixtures.h"
#include "models/decoder_classifier.h"
#include "models/encoder.h"

using namespace automodel;

namespace {

double max_diff(const Tensor& a, const Tensor& b) {
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  EXPECT_EQ(x.size(), y.size());
  double m = 0;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) m = std::max(m, std::fabs(x[i] - y[i]));
  return m;
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

const json kThreeLabels = {{"0", "neg"}, {"1", "neutral"}, {"2", "pos"}};

// ---- labels ----------------------------------------------------------------------------------

TEST(ClassificationLabels, FromId2Label) {
  const auto l = ClassificationLabels::from_config(json{{"id2label", kThreeLabels}, {"num_labels", 7}});
  EXPECT_EQ(l.num_labels, 3);  // id2label wins over a disagreeing num_labels, as in transformers
  EXPECT_EQ(l.id2label.at(2), "pos");
  EXPECT_EQ(l.label2id.at("neutral"), 1);  // no label2id: the inverse
  EXPECT_FALSE(l.problem_type.has_value());
}

TEST(ClassificationLabels, DefaultsAndNumLabels) {
  const auto d = ClassificationLabels::from_config(json::object());
  EXPECT_EQ(d.num_labels, 2);
  EXPECT_EQ(d.id2label.at(1), "LABEL_1");
  EXPECT_EQ(d.label2id.at("LABEL_0"), 0);
  const auto n = ClassificationLabels::from_config(json{{"num_labels", 1}});
  EXPECT_EQ(n.num_labels, 1);
  EXPECT_EQ(n.resolve_problem_type(false), ProblemType::kRegression);
  EXPECT_EQ(d.resolve_problem_type(true), ProblemType::kSingleLabelClassification);
  EXPECT_EQ(d.resolve_problem_type(false), ProblemType::kMultiLabelClassification);
}

TEST(ClassificationLabels, ProblemTypeAndLabel2Id) {
  const auto l = ClassificationLabels::from_config(json{{"id2label", kThreeLabels},
                                                        {"label2id", {{"neg", 0}, {"neutral", 1}, {"pos", 2}}},
                                                        {"problem_type", "multi_label_classification"}});
  ASSERT_TRUE(l.problem_type.has_value());
  EXPECT_EQ(*l.problem_type, ProblemType::kMultiLabelClassification);
  EXPECT_EQ(l.resolve_problem_type(true), ProblemType::kMultiLabelClassification);  // explicit wins
  EXPECT_STREQ(problem_type_name(*l.problem_type), "multi_label_classification");
  EXPECT_EQ(*ClassificationLabels::from_config(json{{"problem_type", "regression"}}).problem_type,
            ProblemType::kRegression);
  EXPECT_FALSE(ClassificationLabels::from_config(json{{"problem_type", nullptr}}).problem_type.has_value());
}

TEST(ClassificationLabels, BadFieldsAreErrors) {
  EXPECT_NE(error_of([] { ClassificationLabels::from_config(json{{"problem_type", "ranking"}}, "cfg.json"); })
                .find("problem_type \"ranking\""),
            std::string::npos);
  EXPECT_NE(error_of([] { ClassificationLabels::from_config(json{{"id2label", {{"x", "a"}}}}, "cfg.json"); })
                .find("id2label key \"x\""),
            std::string::npos);
  EXPECT_NE(error_of([] { ClassificationLabels::from_config(json{{"id2label", json::array()}}, "cfg.json"); }),
            "");
  EXPECT_NE(error_of([] { ClassificationLabels::from_config(json{{"label2id", {{"a", "0"}}}}, "cfg.json"); }), "");
}

// ---- RoBERTa position ids ------------------------------------------------------------------

TEST(RobertaPositionIds, CountNonPadTokensFromPaddingIdx) {
  // padding_idx 1: right padding, left padding and a pad in the middle.
  const Tensor ids = Tensor::from_vector<int64_t>({5, 6, 7, 1, 1, /**/ 1, 1, 5, 6, 7, /**/ 5, 1, 6, 7, 8}, {3, 5});
  const auto pos = models::roberta_position_ids(ids, 1).to_vector<int64_t>();
  EXPECT_EQ(pos, (std::vector<int64_t>{2, 3, 4, 1, 1, /**/ 1, 1, 2, 3, 4, /**/ 2, 1, 3, 4, 5}));
}

// ---- last-non-pad pooling ------------------------------------------------------------------

TEST(LastNonPadPooling, RightLeftAndNoPadding) {
  const Tensor ids = Tensor::from_vector<int64_t>({5, 6, 0, 0, /**/ 0, 0, 5, 6, /**/ 5, 6, 7, 8, /**/ 5, 0, 6, 0}, {4, 4});
  // Right: before the first pad. Left: the first pad is at 0, (0 - 1) mod 4 = the last position.
  // No pad: (argmax of all-false = 0) - 1 mod 4 = last. A pad id inside the text: before it (HF).
  EXPECT_EQ(models::last_non_pad_positions(ids, 0, "X"), (std::vector<int64_t>{1, 3, 3, 0}));
}

TEST(LastNonPadPooling, MissingPadTokenIdNeedsBatchOfOne) {
  const Tensor two = Tensor::from_vector<int64_t>({5, 6, 7, 8}, {2, 2});
  EXPECT_NE(error_of([&] { models::last_non_pad_positions(two, std::nullopt, "LlamaForSequenceClassification"); })
                .find("Cannot handle batch sizes > 1 if no padding token is defined"),
            std::string::npos);
  const Tensor one = Tensor::from_vector<int64_t>({5, 6, 7}, {1, 3});
  EXPECT_EQ(models::last_non_pad_positions(one, std::nullopt, "X"), (std::vector<int64_t>{2}));
}

// ---- registry --------------------------------------------------------------------------------

TEST(SeqClsRegistry, UnknownArchitectureListsSupported) {
  const auto dir = automodel::testing::scratch_dir("seqcls_unknown_arch");
  write_json_file(dir / "config.json",
                  json{{"architectures", json::array({"FooForSequenceClassification"})}, {"model_type", "foo"}});
  const std::string msg = error_of([&] { AutoModelForSequenceClassification::from_pretrained(dir.string()); });
  EXPECT_NE(msg.find("FooForSequenceClassification"), std::string::npos) << msg;
  EXPECT_NE(msg.find("BertForSequenceClassification"), std::string::npos) << msg;
  EXPECT_NE(msg.find("LlamaForSequenceClassification"), std::string::npos) << msg;
  std::filesystem::remove_all(dir);
}

TEST(SeqClsRegistry, EveryFamilyWithAnHfClass) {
  const auto archs = AutoModelForSequenceClassification::supported_architectures();
  for (const char* a : {"BertForSequenceClassification", "RobertaForSequenceClassification",
                        "DistilBertForSequenceClassification", "LlamaForSequenceClassification",
                        "MistralForSequenceClassification", "Qwen2ForSequenceClassification",
                        "GemmaForSequenceClassification", "Gemma2ForSequenceClassification",
                        "Phi3ForSequenceClassification", "MixtralForSequenceClassification",
                        "GPT2ForSequenceClassification", "GPTNeoXForSequenceClassification",
                        "StableLmForSequenceClassification"})
    EXPECT_NE(std::find(archs.begin(), archs.end(), a), archs.end()) << a;
}

// ---- every family with random weights ------------------------------------------------------

// A small config of `model_type` for its sequence-classification class (3 labels, pad id 0,
// except RoBERTa's conventional 1).
json small_config(const std::string& model_type, const std::string& arch) {
  json c;
  if (model_type == "bert" || model_type == "roberta") {
    c = {{"model_type", model_type}, {"vocab_size", 97},           {"hidden_size", 32},
         {"num_hidden_layers", 2},   {"num_attention_heads", 4},   {"intermediate_size", 48},
         {"max_position_embeddings", 66}, {"type_vocab_size", 2},  {"hidden_act", "gelu"},
         {"pad_token_id", model_type == "roberta" ? 1 : 0}, {"initializer_range", 0.2}};
  } else if (model_type == "distilbert") {
    c = {{"model_type", model_type}, {"vocab_size", 97}, {"dim", 32}, {"n_layers", 2}, {"n_heads", 4},
         {"hidden_dim", 48}, {"max_position_embeddings", 64}, {"pad_token_id", 0}, {"initializer_range", 0.2}};
  } else {
    InitSizes s{32, 2, 4, 2, 48, 97, 64};
    if (model_type == "gpt2" || model_type == "gpt_neox") s.num_kv_heads = 0;
    c = default_causal_lm_config(model_type, s);
    c["pad_token_id"] = 0;
    c["initializer_range"] = 0.2;
  }
  c["architectures"] = json::array({arch});
  c["id2label"] = kThreeLabels;
  return c;
}

class SeqClsFamilyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SeqClsFamilyTest, RandomModelPoolsLikeHf) {
  const std::string arch = GetParam();
  const auto archs = AutoModelForSequenceClassification::supported_architectures();
  const auto types = AutoModelForSequenceClassification::supported_model_types();
  const std::string type = types[size_t(std::find(archs.begin(), archs.end(), arch) - archs.begin())];
  const json cfg = small_config(type, arch);
  auto store = ParameterStore::creating(DType::F32, 11);
  auto model = AutoModelForSequenceClassification::from_config(cfg, VarBuilder(store), DType::F32, "config");
  EXPECT_EQ(model->architecture(), arch);
  EXPECT_EQ(model->num_labels(), 3);
  EXPECT_EQ(model->id2label().at(0), "neg");
  const bool roberta = type == "roberta";
  const int64_t pad = roberta ? 1 : 0;
  const bool decoder = type != "bert" && type != "roberta" && type != "distilbert";

  // Row 0 unpadded (6 tokens); row 1 = its first 4 tokens right-padded; row 2 left-padded.
  const std::vector<int64_t> text = {5, 9, 11, 3, 40, 7};
  Tensor ids = Tensor::from_vector<int64_t>({5, 9, 11, 3, 40, 7, /**/ 5, 9, 11, 3, pad, pad, /**/ pad, pad, 5, 9, 11, 3},
                                            {3, 6});
  Tensor mask = Tensor::from_vector<int64_t>({1, 1, 1, 1, 1, 1, /**/ 1, 1, 1, 1, 0, 0, /**/ 0, 0, 1, 1, 1, 1}, {3, 6});
  const Tensor logits = model->forward(ids, mask);
  ASSERT_EQ(logits.shape(), Shape({3, 3}));
  ASSERT_EQ(logits.dtype(), DType::F32);
  for (float v : logits.to_vector<float>()) ASSERT_TRUE(std::isfinite(v));
  const Tensor alone = model->forward(Tensor::from_vector<int64_t>({5, 9, 11, 3}, {1, 4}));
  const Tensor full = model->forward(ids.narrow(0, 0, 1));
  EXPECT_LT(max_diff(full, logits.narrow(0, 0, 1)), 1e-5);  // the batch does not mix rows
  // Right padding never changes a row: masked keys, positions unchanged, pooled before the pads.
  EXPECT_LT(max_diff(alone, logits.narrow(0, 1, 1)), 1e-4) << arch;
  // Left padding: decoders pool the last position, and RoPE scores depend only on relative
  // positions, so the row is unchanged too (GPT-2's learned absolute positions do shift).
  // Encoders pool token 0, a pad here: the row differs, as in HF.
  if (decoder && type != "gpt2") {
    EXPECT_LT(max_diff(alone, logits.narrow(0, 2, 1)), 1e-4) << arch;
  }
  if (!decoder) {
    EXPECT_GT(max_diff(alone, logits.narrow(0, 2, 1)), 1e-4) << arch;
  }

  // Token types: BERT/RoBERTa use them (explicit zeros = default), the others reject them.
  const Tensor ones = Tensor::full({1, 6}, 1.0, DType::I64);
  if (type == "bert") {
    EXPECT_LT(max_diff(full, model->forward(ids.narrow(0, 0, 1), Tensor(), Tensor::zeros({1, 6}, DType::I64))), 1e-6);
    EXPECT_GT(max_diff(full, model->forward(ids.narrow(0, 0, 1), Tensor(), ones)), 1e-4);
    EXPECT_NE(error_of([&] { model->forward(ids.narrow(0, 0, 1), Tensor(), Tensor::full({1, 6}, 2.0, DType::I64)); })
                  .find("type_vocab_size"),
              std::string::npos);
  } else if (!roberta) {
    EXPECT_NE(error_of([&] { model->forward(ids.narrow(0, 0, 1), Tensor(), ones); }), "");
  }

  // named_parameters: HF names in state-dict order, the head last; saved and loaded back
  // through from_pretrained they give the same model.
  const auto& params = model->named_parameters();
  ASSERT_FALSE(params.empty());
  const std::string last = params.back().first;
  if (decoder) {
    EXPECT_EQ(last, "score.weight");
  } else {
    EXPECT_TRUE(last == "classifier.bias" || last == "classifier.out_proj.bias") << last;
  }
  const auto dir = automodel::testing::scratch_dir("seqcls_" + type);
  save_safetensors(dir / "model.safetensors", NamedTensors(params.begin(), params.end()), {{"format", "pt"}});
  write_json_file(dir / "config.json", cfg);
  auto loaded = AutoModelForSequenceClassification::from_pretrained(dir.string());
  EXPECT_EQ(max_diff(loaded->forward(ids, mask), logits), 0.0);
  ASSERT_EQ(loaded->named_parameters().size(), params.size());
  for (size_t i = 0; i < params.size(); ++i) EXPECT_EQ(loaded->named_parameters()[i].first, params[i].first);
  // bf16 compute runs and stays close.
  FromPretrainedOptions o;
  o.torch_dtype = "bfloat16";
  auto bf = AutoModelForSequenceClassification::from_pretrained(dir.string(), o);
  EXPECT_LT(max_diff(bf->forward(ids, mask), logits), 0.5);
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(AllFamilies, SeqClsFamilyTest,
                         ::testing::ValuesIn(AutoModelForSequenceClassification::supported_architectures()),
                         [](const ::testing::TestParamInfo<std::string>& i) { return i.param; });

TEST(DecoderClassifier, MissingPadTokenIdWithBatchIsAnError) {
  json cfg = small_config("llama", "LlamaForSequenceClassification");
  cfg.erase("pad_token_id");
  auto store = ParameterStore::creating(DType::F32, 3);
  auto model = AutoModelForSequenceClassification::from_config(cfg, VarBuilder(store), DType::F32);
  EXPECT_EQ(model->forward(Tensor::from_vector<int64_t>({5, 6, 7}, {1, 3})).shape(), Shape({1, 3}));
  EXPECT_NE(error_of([&] { model->forward(Tensor::from_vector<int64_t>({5, 6, 7, 8}, {2, 2})); })
                .find("no pad_token_id"),
            std::string::npos);
}

}  // namespace

namespace {

// ---- a new head on a checkpoint without one (transformers' fine-tuning start) ---------------

TEST(NewHead, CausalLmCheckpointGetsASeededScoreHead) {
  json cfg = small_config("llama", "LlamaForCausalLM");
  cfg.erase("id2label");
  const auto dir = automodel::testing::scratch_dir("seqcls_from_causal_lm");
  write_random_causal_lm(cfg, dir, 5);
  SequenceClassificationOptions sc;
  sc.config_overrides = {{"num_labels", 4}};
  auto model = AutoModelForSequenceClassification::from_pretrained(dir.string(), {}, sc);
  EXPECT_EQ(model->architecture(), "LlamaForSequenceClassification");
  EXPECT_EQ(model->num_labels(), 4);
  EXPECT_EQ(model->id2label().at(3), "LABEL_3");
  EXPECT_EQ(model->newly_initialized_parameters(), std::vector<std::string>{"score.weight"});
  EXPECT_EQ(model->named_parameters().back().first, "score.weight");
  for (const auto& [name, t] : model->named_parameters()) EXPECT_NE(name, "lm_head.weight");  // unused, as in HF
  const Tensor ids = Tensor::from_vector<int64_t>({5, 9, 11, 3, 40, 7, 8, 0}, {2, 4});
  const Tensor a = model->forward(ids);
  ASSERT_EQ(a.shape(), Shape({2, 4}));
  // The same seed gives the same head; another seed another one.
  EXPECT_EQ(max_diff(a, AutoModelForSequenceClassification::from_pretrained(dir.string(), {}, sc)->forward(ids)), 0.0);
  sc.new_head_seed = 1;
  EXPECT_GT(max_diff(a, AutoModelForSequenceClassification::from_pretrained(dir.string(), {}, sc)->forward(ids)), 1e-6);
  std::filesystem::remove_all(dir);
}

TEST(NewHead, OnlyTheHeadMayBeMissing) {
  const json cfg = small_config("bert", "BertForSequenceClassification");
  auto store = ParameterStore::creating(DType::F32, 2);
  auto model = AutoModelForSequenceClassification::from_config(cfg, VarBuilder(store), DType::F32);
  const auto dir = automodel::testing::scratch_dir("seqcls_bert_no_head");
  NamedTensors body;
  for (const auto& [name, t] : model->named_parameters())
    if (name.rfind("classifier.", 0) != 0) body.emplace_back(name, t);
  save_safetensors(dir / "model.safetensors", body, {{"format", "pt"}});
  write_json_file(dir / "config.json", cfg);
  auto fresh = AutoModelForSequenceClassification::from_pretrained(dir.string());
  EXPECT_EQ(fresh->newly_initialized_parameters(), (std::vector<std::string>{"classifier.weight", "classifier.bias"}));
  EXPECT_EQ(fresh->num_labels(), 3);  // the config's id2label; an equal num_labels override keeps the names
  SequenceClassificationOptions same;
  same.config_overrides = {{"num_labels", 3}};
  EXPECT_EQ(AutoModelForSequenceClassification::from_pretrained(dir.string(), {}, same)->id2label().at(2), "pos");
  // A missing body tensor stays an error naming it.
  NamedTensors broken;
  for (const auto& [name, t] : body)
    if (name != "bert.encoder.layer.1.output.dense.weight") broken.emplace_back(name, t);
  save_safetensors(dir / "model.safetensors", broken, {{"format", "pt"}});
  EXPECT_NE(error_of([&] { AutoModelForSequenceClassification::from_pretrained(dir.string()); })
                .find("bert.encoder.layer.1.output.dense.weight"),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace

namespace {

// ---- state-dict order against the fixtures ---------------------------------------------------

// named_parameters() must list the names of transformers' model.named_parameters() in its
// order (what save_pretrained shards by): the train_step goldens of the seq_cls fixtures key
// their gradient norms by exactly that list.
TEST(SeqClsFixtures, NamedParametersInTransformersOrder) {
  AM_REQUIRE_FIXTURES(root);
  int checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(root / "models")) {
    const auto expected_path = entry.path() / "expected.json";
    if (!std::filesystem::exists(expected_path)) continue;
    const json expected = read_json_file(expected_path);
    if (expected.value("kind", std::string()) != "seq_cls") continue;
    const std::string name = entry.path().filename().string();
    FromPretrainedOptions o;
    o.local_files_only = true;
    auto model = AutoModelForSequenceClassification::from_pretrained(entry.path().string(), o);
    EXPECT_TRUE(model->newly_initialized_parameters().empty()) << name;
    std::vector<std::string> ours;
    for (const auto& [n, t] : model->named_parameters()) ours.push_back(n);
    for (const json& c : expected.at("cases")) {
      if (c.value("kind", std::string()) != "train_step") continue;
      std::vector<std::string> hf;
      for (const auto& [n, v] : c.at("grad_norms_before_first_step").items()) hf.push_back(n);
      EXPECT_EQ(ours, hf) << name << " case " << c.value("name", std::string("?"));
      ++checked;
    }
  }
  EXPECT_GT(checked, 0) << "no seq_cls fixture with a train_step case";
}

}  // namespace
