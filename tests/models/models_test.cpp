// Model-layer tests that need no fixtures: every family written by write_random_causal_lm
// (the `automodel init` path) loads back with from_pretrained, and decoding token by token
// through the KV cache gives the logits of one full forward over the same sequence.
#include <gtest/gtest.h>

#include <cmath>

#include "automodel/hub/json_file.h"
#include "automodel/hub/safetensors.h"
#include "automodel/models/auto_model.h"
#include "fixtures.h"

using namespace automodel;

namespace {

double max_diff(const Tensor& a, const Tensor& b) {
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) m = std::max(m, std::fabs(x[i] - y[i]));
  return m;
}

class FamilyTest : public ::testing::TestWithParam<std::string> {};

TEST_P(FamilyTest, InitRoundTripAndCachedDecodeMatchesFullForward) {
  const std::string type = GetParam();
  InitSizes s{32, 2, 4, 2, 48, 97, 64};
  if (type == "gpt2" || type == "gpt_neox") s.num_kv_heads = 0;  // no grouped-query attention there
  json cfg = default_causal_lm_config(type, s);
  if (cfg.contains("sliding_window") && cfg["sliding_window"].is_number()) cfg["sliding_window"] = 3;
  const auto dir = automodel::testing::scratch_dir("init_" + type);
  const int64_t params = write_random_causal_lm(cfg, dir, 7);
  EXPECT_GT(params, 0);
  auto model = AutoModelForCausalLM::from_pretrained(dir.string());
  EXPECT_EQ(model->vocab_size(), 97);
  // A left-padded batch of 2, 6 tokens.
  Tensor ids = Tensor::from_vector<int64_t>({5, 9, 11, 3, 40, 7, 0, 0, 13, 21, 8, 60}, {2, 6});
  Tensor mask = Tensor::from_vector<int64_t>({1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1}, {2, 6});
  Tensor pos = Tensor::from_vector<int64_t>({0, 1, 2, 3, 4, 5, 1, 1, 0, 1, 2, 3}, {2, 6});
  Tensor full = model->forward(ids, mask, pos, nullptr).logits;
  ASSERT_EQ(full.shape(), Shape({2, 6, 97}));
  for (float v : full.to_vector<float>()) ASSERT_TRUE(std::isfinite(v));
  auto cache = model->new_cache(2, 2);  // small capacity: forces growth
  Tensor prefill = model->forward(ids.narrow(1, 0, 3), mask.narrow(1, 0, 3), pos.narrow(1, 0, 3), cache.get()).logits;
  // Pad positions are unspecified (a fully masked query averages all keys, as HF's eager does),
  // so row 1 is compared from its first real token on.
  EXPECT_LT(max_diff(prefill.narrow(0, 0, 1), full.narrow(0, 0, 1).narrow(1, 0, 3)), 1e-4);
  EXPECT_LT(max_diff(prefill.narrow(0, 1, 1).narrow(1, 2, 1), full.narrow(0, 1, 1).narrow(1, 2, 1)), 1e-4);
  for (int64_t t = 3; t < 6; ++t) {
    Tensor step = model->forward(ids.narrow(1, t, 1), mask.narrow(1, 0, t + 1), pos.narrow(1, t, 1), cache.get(), true).logits;
    EXPECT_LT(max_diff(step, full.narrow(1, t, 1)), 1e-4) << "step " << t;
  }
  EXPECT_EQ(cache->length(), 6);
  // Reorder rows (beam search): row 1 twice; its next step must equal a fresh single-row run.
  cache->select_rows({1, 1});
  Tensor next = Tensor::from_vector<int64_t>({17, 17}, {2, 1});
  Tensor mask7 = Tensor::from_vector<int64_t>({0, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1}, {2, 7});
  Tensor pos7 = Tensor::from_vector<int64_t>({4, 4}, {2, 1});
  Tensor stepped = model->forward(next, mask7, pos7, cache.get(), true).logits;
  Tensor row_ids = Tensor::from_vector<int64_t>({0, 0, 13, 21, 8, 60, 17}, {1, 7});
  Tensor row_full = model->forward(row_ids, mask7.narrow(0, 0, 1), Tensor::from_vector<int64_t>({1, 1, 0, 1, 2, 3, 4}, {1, 7}),
                                   nullptr).logits;
  EXPECT_LT(max_diff(stepped.narrow(0, 0, 1), row_full.narrow(1, 6, 1)), 1e-4);
  EXPECT_LT(max_diff(stepped.narrow(0, 1, 1), row_full.narrow(1, 6, 1)), 1e-4);
  // bf16 compute runs and stays finite.
  FromPretrainedOptions o;
  o.torch_dtype = "bfloat16";
  auto bf = AutoModelForCausalLM::from_pretrained(dir.string(), o);
  Tensor lb = bf->forward(ids, mask, pos, nullptr).logits;
  EXPECT_LT(max_diff(lb, full), 0.5);
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(AllFamilies, FamilyTest, ::testing::ValuesIn(AutoModelForCausalLM::supported_model_types()));

TEST(Registry, UnknownArchitectureListsSupported) {
  const auto dir = automodel::testing::scratch_dir("unknown_arch");
  write_json_file(dir / "config.json", json{{"architectures", json::array({"FooForCausalLM"})}, {"model_type", "foo"}});
  try {
    AutoModelForCausalLM::from_pretrained(dir.string());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("FooForCausalLM"), std::string::npos) << msg;
    EXPECT_NE(msg.find("LlamaForCausalLM"), std::string::npos) << msg;
    EXPECT_NE(msg.find("GPT2LMHeadModel"), std::string::npos) << msg;
  }
  std::filesystem::remove_all(dir);
}

TEST(Registry, ClassifierCheckpointPointsToItsAutoClass) {
  const auto dir = automodel::testing::scratch_dir("seqcls_as_lm");
  write_json_file(dir / "config.json",
                  json{{"architectures", json::array({"LlamaForSequenceClassification"})}, {"model_type", "llama"}});
  try {
    AutoModelForCausalLM::from_pretrained(dir.string());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("LlamaForSequenceClassification"), std::string::npos) << msg;
    EXPECT_NE(msg.find("load it with AutoModelForSequenceClassification"), std::string::npos) << msg;
  }
  std::filesystem::remove_all(dir);
}

TEST(Init, GemmaNormsStartAtZeroLlamaAtOne) {
  const auto dir = automodel::testing::scratch_dir("init_norms");
  write_random_causal_lm(default_causal_lm_config("gemma", {16, 1, 2, 1, 32, 50, 32}), dir / "g", 1);
  write_random_causal_lm(default_causal_lm_config("llama", {16, 1, 2, 1, 32, 50, 32}), dir / "l", 1);
  auto g = SafetensorsFile::open(dir / "g" / "model.safetensors");
  auto l = SafetensorsFile::open(dir / "l" / "model.safetensors");
  EXPECT_EQ(g.tensor("model.norm.weight").to_vector<float>(), std::vector<float>(16, 0.0f));
  EXPECT_EQ(l.tensor("model.norm.weight").to_vector<float>(), std::vector<float>(16, 1.0f));
  EXPECT_FALSE(g.contains("lm_head.weight"));  // tied: not saved, as HF does
  EXPECT_TRUE(l.contains("lm_head.weight"));
  std::filesystem::remove_all(dir);
}

}  // namespace
