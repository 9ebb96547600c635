// LoRA adapters (nn/lora.h) and their PEFT files (models/lora.h): PEFT's target matching and
// init, the adapted linear against a torch computation, base+adapter == merged model, PEFT's
// adapter_config.json keys and tensor names, a bit-identical save/load round trip, and clear
// errors for adapters that do not fit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <set>

#include "automodel/core/autograd.h"
#include "automodel/hub/json_file.h"
#include "automodel/hub/safetensors.h"
#include "automodel/models/auto_model.h"
#include "automodel/models/lora.h"
#include "automodel/nn/layers.h"
#include "fixtures.h"

using namespace automodel;
namespace fs = std::filesystem;

namespace {

double max_abs(const Tensor& t) {
  double m = 0;
  for (double v : t.to_vector<double>()) m = std::max(m, std::fabs(v));
  return m;
}

double max_diff(const Tensor& a, const Tensor& b) {
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  EXPECT_EQ(x.size(), y.size());
  double m = 0;
  for (size_t i = 0; i < x.size() && i < y.size(); ++i) m = std::max(m, std::fabs(x[i] - y[i]));
  return m;
}

void expect_near_all(const Tensor& t, const std::vector<double>& want, double tol, const std::string& what) {
  const auto got = t.to_vector<double>();
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tol) << what << " element " << i;
}

// Deterministic values: float32(((i * a) % 17) / 17 * 2 - 1 + b), as the torch script below.
Tensor values(int64_t n, int64_t a, double b, const Shape& shape) {
  std::vector<float> v;
  for (int64_t i = 0; i < n; ++i) v.push_back(float(double((i * a) % 17) / 17.0 * 2 - 1 + b));
  return Tensor::from_vector(v, shape);
}

// Fills every adapter's B (and A) with seeded non-zero values so the adapters change the output.
void randomize_adapters(nn::LoraAdapters& lora, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (const auto& m : lora.modules()) {
    for (Tensor t : {m.adapter->A, m.adapter->B}) {
      std::vector<float> v(size_t(t.numel()));
      for (auto& x : v) x = float(double(rng() >> 11) / 9007199254740992.0 - 0.5) * 0.2f;
      t.copy_from(Tensor::from_vector(v, t.shape()));
    }
  }
}

struct Batch {
  Tensor ids = Tensor::from_vector<int64_t>({5, 9, 11, 3, 40, 7, 0, 0, 13, 21, 8, 60}, {2, 6});
  Tensor mask = Tensor::from_vector<int64_t>({1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1}, {2, 6});
  Tensor pos = Tensor::from_vector<int64_t>({0, 1, 2, 3, 4, 5, 1, 1, 0, 1, 2, 3}, {2, 6});
  Tensor logits(CausalLM& m) const { return m.forward(ids, mask, pos, nullptr).logits; }
};

fs::path tiny_model(const std::string& type, const std::string& name) {
  InitSizes s{32, 2, 4, 2, 48, 97, 64};
  if (type == "gpt2" || type == "gpt_neox") s.num_kv_heads = 0;
  const auto dir = automodel::testing::scratch_dir(name);
  write_random_causal_lm(default_causal_lm_config(type, s), dir, 11);
  return dir;
}

FromPretrainedOptions with_lora(nn::LoraConfig c) {
  FromPretrainedOptions o;
  o.lora = std::move(c);
  return o;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

// ---- target_modules ---------------------------------------------------------------------

TEST(LoraConfig, PlainNamesFollowPeftListSemantics) {
  nn::LoraConfig c;
  c.target_modules = {"q_proj", "mlp.down_proj"};
  EXPECT_TRUE(c.targets("model.layers.0.self_attn.q_proj"));
  EXPECT_TRUE(c.targets("q_proj"));                       // equal
  EXPECT_TRUE(c.targets("model.layers.3.mlp.down_proj"));  // ends with ".mlp.down_proj"
  EXPECT_FALSE(c.targets("model.layers.0.self_attn.xq_proj"));
  EXPECT_FALSE(c.targets("model.layers.0.self_attn.q_proj.inner"));
  EXPECT_FALSE(c.targets("model.layers.0.self_attn.down_proj"));
}

TEST(LoraConfig, GlobsMatchFullNameOrLastComponent) {
  nn::LoraConfig c;  // default: *_proj
  EXPECT_TRUE(c.targets("model.layers.0.self_attn.o_proj"));
  EXPECT_TRUE(c.targets("model.layers.1.mlp.gate_proj"));
  EXPECT_FALSE(c.targets("transformer.h.0.attn.c_attn"));
  EXPECT_FALSE(c.targets("model.layers.0.block_sparse_moe.gate"));
  c.target_modules = {"model.layers.1.*"};
  EXPECT_TRUE(c.targets("model.layers.1.mlp.up_proj"));
  EXPECT_FALSE(c.targets("model.layers.0.mlp.up_proj"));
  c.target_modules = {"c_*"};
  EXPECT_TRUE(c.targets("transformer.h.0.attn.c_attn"));
  EXPECT_TRUE(c.targets("transformer.h.0.mlp.c_proj"));
}

TEST(LoraConfig, RegexStringIsAFullMatchAndAllLinearTakesEverything) {
  nn::LoraConfig c;
  c.target_regex = R"(.*\.(q_proj|v_proj))";
  EXPECT_TRUE(c.targets("model.layers.0.self_attn.v_proj"));
  EXPECT_FALSE(c.targets("model.layers.0.self_attn.v_proj2"));  // fullmatch, not search
  EXPECT_FALSE(c.targets("model.layers.0.self_attn.k_proj"));
  c.target_regex = "all-linear";
  EXPECT_TRUE(c.targets("transformer.h.0.attn.c_attn"));
  c.target_regex = "(unclosed";
  EXPECT_NE(error_of([&] { c.validate("cfg"); }).find("does not compile"), std::string::npos);
}

TEST(LoraConfig, LayersToTransformUsesPeftLayerIndex) {
  nn::LoraConfig c;
  c.target_modules = {"q_proj"};
  c.layers_to_transform = {1};
  EXPECT_TRUE(c.targets("model.layers.1.self_attn.q_proj"));
  EXPECT_FALSE(c.targets("model.layers.0.self_attn.q_proj"));
  c.layers_pattern = {"h"};
  EXPECT_FALSE(c.targets("model.layers.1.self_attn.q_proj"));  // no ".h.<n>." in the name
  EXPECT_TRUE(c.targets("transformer.h.1.attn.q_proj"));
}

TEST(LoraConfig, ScalingAndValidation) {
  nn::LoraConfig c;
  c.r = 16;
  c.alpha = 32;
  EXPECT_DOUBLE_EQ(c.scaling(), 2.0);
  c.use_rslora = true;
  EXPECT_DOUBLE_EQ(c.scaling(), 8.0);
  c.r = 0;
  EXPECT_NE(error_of([&] { c.validate("cfg"); }).find("rank r must be positive"), std::string::npos);
  c.r = 4;
  c.dropout = 1.0;
  EXPECT_NE(error_of([&] { c.validate("cfg"); }).find("lora_dropout"), std::string::npos);
}

// ---- the adapted linear -----------------------------------------------------------------

// Reference numbers from torch 1.13 (CPU), computing PEFT's lora.Linear forward by hand:
//   vals = lambda n, a, b: torch.tensor([((i*a) % 17)/17.0*2 - 1 + b for i in range(n)])
//   W = vals(12,5,0).reshape(3,4); bias = vals(3,3,.1); A = vals(8,7,.05).reshape(2,4)
//   B = vals(6,11,-.02).reshape(3,2); x = vals(8,13,0).reshape(2,4); alpha, r = 4, 2
//   y = F.linear(x, W, bias) + F.linear(F.linear(x, A), B) * scaling      (scaling 2 or 4/sqrt 2)
//   merged = W + (B @ A) * scaling
//   bf16: out = (F.linear(x.bf16(), W.bf16(), bias.bf16()) + F.linear(F.linear(x.bf16().float(), A), B) * 2).bf16()
//         merged = (W.bf16().float() + (B @ A) * 2).bf16()
TEST(LoraLinear, MatchesTorchReference) {
  const Tensor W = values(12, 5, 0, {3, 4}), bias = values(3, 3, 0.1, {3}), x = values(8, 13, 0, {2, 4});
  for (const bool rs : {false, true}) {
    nn::Linear l;
    l.weight = W.clone();
    l.bias = bias;
    l.lora = std::make_shared<nn::LoraAdapter>();
    l.lora->A = values(8, 7, 0.05, {2, 4});
    l.lora->B = values(6, 11, -0.02, {3, 2});
    l.lora->scaling = rs ? 4.0 / std::sqrt(2.0) : 2.0;
    const std::vector<double> want =
        rs ? std::vector<double>{-4.526829719543457, -3.6398653984069824, 2.7635531425476074, -4.261724948883057,
                                 -3.549893856048584, 2.702287197113037}
           : std::vector<double>{-3.3246967792510986, -2.4380698204040527, 2.1080732345581055, -3.1534552574157715,
                                 -2.410935163497925, 2.076913833618164};
    expect_near_all(l.forward(x), want, 2e-6, rs ? "rslora forward" : "forward");
  }
  // Merge through LoraAdapters (the registry path), f32.
  nn::LoraConfig c;
  c.r = 2;
  c.alpha = 4;
  nn::LoraAdapters lora(c);
  Tensor w = W.clone();
  auto a = lora.add("m", 4, 3, w, w, false);
  a->A.copy_from(values(8, 7, 0.05, {2, 4}));
  a->B.copy_from(values(6, 11, -0.02, {3, 2}));
  lora.merge();
  expect_near_all(w, {1.126657485961914, -0.6100899577140808, -1.2503666877746582, 2.1893563270568848,
                      0.7667957544326782, -1.3851765394210815, -0.08773696422576904, 0.9367612600326538,
                      -0.969536304473877, 1.1691488027572632, 1.1101868152618408, -1.5746574401855469},
                  2e-6, "merged W");
}

TEST(LoraLinear, Bf16BaseWithFloat32AdapterMatchesTorchReference) {
  nn::Linear l;
  l.weight = values(12, 5, 0, {3, 4}).to(DType::BF16);
  l.bias = values(3, 3, 0.1, {3}).to(DType::BF16);
  l.lora = std::make_shared<nn::LoraAdapter>();
  l.lora->A = values(8, 7, 0.05, {2, 4});
  l.lora->B = values(6, 11, -0.02, {3, 2});
  l.lora->scaling = 2.0;
  const Tensor y = l.forward(values(8, 13, 0, {2, 4}).to(DType::BF16));
  EXPECT_EQ(y.dtype(), DType::BF16);
  expect_near_all(y, {-3.328125, -2.4375, 2.109375, -3.15625, -2.40625, 2.078125}, 0, "bf16 forward");
  // Merging a bf16 weight rounds once.
  nn::LoraConfig c;
  c.r = 2;
  c.alpha = 4;
  nn::LoraAdapters lora(c);
  Tensor w = values(12, 5, 0, {3, 4}).to(DType::BF16);
  auto a = lora.add("m", 4, 3, w, w, false);
  a->A.copy_from(values(8, 7, 0.05, {2, 4}));
  a->B.copy_from(values(6, 11, -0.02, {3, 2}));
  lora.merge();
  EXPECT_EQ(w.dtype(), DType::BF16);
  expect_near_all(w, {1.125, -0.609375, -1.25, 2.1875, 0.765625, -1.3828125, -0.0859375, 0.9375, -0.96875, 1.171875,
                      1.109375, -1.578125},
                  0, "bf16 merged W");
}

// torch 1.13, same tensors as MatchesTorchReference with requires_grad on A and B:
//   y = F.linear(x, W, bias) + F.linear(F.linear(x, A), B) * 2.0; (y * y).sum().backward()
TEST(LoraLinear, GradientsReachAAndBLikeTorch) {
  nn::Linear l;
  l.weight = values(12, 5, 0, {3, 4});
  l.bias = values(3, 3, 0.1, {3});
  l.lora = std::make_shared<nn::LoraAdapter>();
  l.lora->A = values(8, 7, 0.05, {2, 4});
  l.lora->B = values(6, 11, -0.02, {3, 2});
  l.lora->scaling = 2.0;
  autograd::set_requires_grad(l.lora->A);
  autograd::set_requires_grad(l.lora->B);
  const Tensor y = l.forward(values(8, 13, 0, {2, 4}));
  autograd::backward(ops::sum_last(ops::sum_last(ops::mul(y, y)).unsqueeze(0)));
  expect_near_all(autograd::grad(l.lora->A),
                  {-35.26823806762695, 21.969520568847656, 4.357902526855469, -13.253715515136719, 31.104290008544922,
                   -19.406742095947266, -3.8648853302001953, 11.676970481872559},
                  2e-4, "grad A");
  expect_near_all(autograd::grad(l.lora->B),
                  {-27.78530502319336, 28.570466995239258, -20.777347564697266, 21.377920150756836, 17.93368148803711,
                   -18.451026916503906},
                  2e-4, "grad B");
  EXPECT_FALSE(autograd::grad(l.weight).defined());  // the frozen base gets nothing
}

TEST(LoraLinear, InitIsKaimingUniformAAndZeroB) {
  nn::LoraConfig c;
  c.r = 4;
  nn::LoraAdapters lora(c);
  Tensor w = Tensor::zeros({6, 100});
  auto a = lora.add("m", 100, 6, w, w, false);
  EXPECT_EQ(a->A.shape(), Shape({4, 100}));
  EXPECT_EQ(a->B.shape(), Shape({6, 4}));
  EXPECT_EQ(a->A.dtype(), DType::F32);
  EXPECT_EQ(max_abs(a->B), 0.0);
  const auto v = a->A.to_vector<double>();
  double lo = 1, hi = -1, sum_sq = 0;
  for (double x : v) lo = std::min(lo, x), hi = std::max(hi, x), sum_sq += x * x;
  EXPECT_LE(hi, 0.1);  // bound 1/sqrt(100)
  EXPECT_GE(lo, -0.1);
  EXPECT_GT(hi, 0.09);  // 400 draws fill the interval
  EXPECT_LT(lo, -0.09);
  EXPECT_NEAR(sum_sq / double(v.size()), 0.01 / 3, 0.0008);  // variance of U(-b, b) is b^2/3
  // Same seed, same init; another seed, another.
  nn::LoraAdapters same(c);
  EXPECT_EQ(max_diff(same.add("m", 100, 6, w, w, false)->A, a->A), 0.0);
  c.seed = 1;
  nn::LoraAdapters other(c);
  EXPECT_GT(max_diff(other.add("m", 100, 6, w, w, false)->A, a->A), 0.0);
}

TEST(LoraLinear, DropoutOnlyInTrainingSeededAndResumable) {
  nn::LoraConfig c;
  c.r = 1;
  c.alpha = 1;
  c.dropout = 0.25;
  nn::LoraAdapters lora(c);
  Tensor w = Tensor::zeros({1, 1000});
  nn::Linear l;
  l.weight = w;
  l.lora = lora.add("m", 1000, 1, w, w, false);
  l.lora->A.copy_from(Tensor::full({1, 1000}, 1.0));
  l.lora->B.copy_from(Tensor::full({1, 1}, 1.0));
  const Tensor x = Tensor::full({1, 1000}, 1.0);
  EXPECT_EQ(l.forward(x).item(), 1000.0);  // eval: no dropout
  lora.set_training(true);
  const std::string state = lora.dropout_rng_state();
  const double y1 = l.forward(x).item(), y2 = l.forward(x).item();
  // y = kept / (1 - p): a multiple of 4/3 with about 750 kept.
  const double kept = y1 * 0.75;
  EXPECT_NEAR(kept, std::round(kept), 1e-3);
  EXPECT_GT(kept, 690);
  EXPECT_LT(kept, 810);
  EXPECT_NE(y1, y2);  // a fresh mask per call
  lora.set_dropout_rng_state(state);
  EXPECT_EQ(l.forward(x).item(), y1);  // restored generator: the same masks again
  EXPECT_EQ(l.forward(x).item(), y2);
  EXPECT_NE(error_of([&] { lora.set_dropout_rng_state("nonsense"); }).find("dropout generator state"), std::string::npos);
}

// ---- adapters on whole models ---------------------------------------------------------------

TEST(LoraModel, AttachesToTargetsAndZeroBKeepsTheBaseOutput) {
  const auto dir = tiny_model("llama", "lora_llama_zero_b");
  const Batch batch;
  auto base = AutoModelForCausalLM::from_pretrained(dir.string());
  EXPECT_EQ(base->lora(), nullptr);
  auto adapted = AutoModelForCausalLM::from_pretrained(dir.string(), with_lora({}));
  ASSERT_NE(adapted->lora(), nullptr);
  const auto& lora = *adapted->lora();
  ASSERT_EQ(lora.modules().size(), 2u * 7u);  // q k v o gate up down per layer
  EXPECT_EQ(lora.modules()[0].name, "model.layers.0.self_attn.q_proj");
  const NamedTensors params = lora.parameters();
  ASSERT_EQ(params.size(), 28u);
  EXPECT_EQ(params[0].first, "model.layers.0.self_attn.q_proj.lora_A.weight");
  EXPECT_EQ(params[1].first, "model.layers.0.self_attn.q_proj.lora_B.weight");
  EXPECT_EQ(params[0].second.shape(), Shape({8, 32}));
  EXPECT_EQ(adapted->lora()->base_model_name_or_path(), dir.string());
  // Base parameters are left as loaded: nothing requires grad until the trainer asks.
  for (const auto& [name, t] : adapted->named_parameters()) EXPECT_FALSE(autograd::requires_grad(t)) << name;
  EXPECT_EQ(max_diff(batch.logits(*base), batch.logits(*adapted)), 0.0);
  fs::remove_all(dir);
}

// Training only the adapters: the loss gradient reaches B (A's gradient is zero while B is
// zero, as in PEFT's first step) and no base parameter.
TEST(LoraModel, LossGradientsReachOnlyAdapters) {
  const auto dir = tiny_model("llama", "lora_grad");
  auto model = AutoModelForCausalLM::from_pretrained(dir.string(), with_lora({}));
  for (const auto& [name, t] : model->lora()->parameters()) autograd::set_requires_grad(t);
  const Batch batch;
  Tensor labels = batch.ids.clone();
  const Tensor loss = model->loss_sum(batch.ids, batch.mask, labels, batch.pos);
  autograd::backward(loss);
  for (const auto& [name, t] : model->named_parameters()) EXPECT_FALSE(autograd::grad(t).defined()) << name;
  for (const auto& [name, t] : model->lora()->parameters()) {
    const Tensor g = autograd::grad(t);
    ASSERT_TRUE(g.defined()) << name;
    EXPECT_EQ(g.shape(), t.shape()) << name;
    if (name.find("lora_B") != std::string::npos) EXPECT_GT(max_abs(g), 0.0) << name;
    else EXPECT_EQ(max_abs(g), 0.0) << name;
  }
  fs::remove_all(dir);
}

TEST(LoraModel, NoMatchingModuleIsAnError) {
  const auto dir = tiny_model("llama", "lora_no_match");
  nn::LoraConfig c;
  c.target_modules = {"c_attn"};
  const std::string e = error_of([&] { AutoModelForCausalLM::from_pretrained(dir.string(), with_lora(c)); });
  EXPECT_NE(e.find("match none of the model's linear modules"), std::string::npos) << e;
  EXPECT_NE(e.find("c_attn"), std::string::npos) << e;
  fs::remove_all(dir);
}

// base + adapter and the merged model give the same logits; the merged model saved with
// save_pretrained and reloaded without LoRA gives them too.
void check_merge(const fs::path& dir, const nn::LoraConfig& c, double tol, const std::string& what) {
  const Batch batch;
  auto adapted = AutoModelForCausalLM::from_pretrained(dir.string(), with_lora(c));
  randomize_adapters(*adapted->lora(), 5);
  auto base = AutoModelForCausalLM::from_pretrained(dir.string());
  const Tensor with_adapter = batch.logits(*adapted);
  const Tensor base_logits = batch.logits(*base);
  const double scale = std::max(1.0, max_abs(with_adapter));
  EXPECT_GT(max_diff(with_adapter, base_logits), 100 * tol * scale) << what << ": the adapter changes nothing";
  merge_lora(*adapted);
  EXPECT_EQ(adapted->lora(), nullptr);
  const Tensor merged = batch.logits(*adapted);
  EXPECT_LT(max_diff(merged, with_adapter), tol * scale) << what;
  const auto out = automodel::testing::scratch_dir("lora_merged_" + std::to_string(std::hash<std::string>{}(what)));
  adapted->save_pretrained(out);
  auto reloaded = AutoModelForCausalLM::from_pretrained(out.string());
  EXPECT_EQ(max_diff(batch.logits(*reloaded), merged), 0.0) << what;
  // The merged weights differ from the base only where adapters were.
  const auto& lora_names = adapted->named_parameters();
  EXPECT_EQ(lora_names.size(), base->named_parameters().size()) << what;
  fs::remove_all(out);
}

TEST(LoraModel, MergedEqualsBasePlusAdapterOnCreatedModels) {
  for (const std::string type : {"llama", "gpt2", "phi3", "gpt_neox"}) {
    const auto dir = tiny_model(type, "lora_merge_" + type);
    nn::LoraConfig c;
    c.target_regex = "all-linear";
    c.r = 4;
    c.alpha = 8;
    check_merge(dir, c, 2e-5, type);
    fs::remove_all(dir);
  }
}

TEST(LoraModel, MergedEqualsBasePlusAdapterOnFixtureModels) {
  AM_REQUIRE_FIXTURES(root);
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(root / "models")) {
    if (!fs::exists(entry.path() / "config.json")) continue;
    const json config = read_json_file(entry.path() / "config.json");
    const std::string arch = config.contains("architectures") ? config["architectures"][0].get<std::string>() : "";
    if (arch.find("ForSequenceClassification") != std::string::npos) continue;
    nn::LoraConfig c;
    c.target_regex = "all-linear";
    c.use_rslora = true;
    check_merge(entry.path(), c, 5e-5, entry.path().filename().string());
    ++checked;
  }
  EXPECT_GE(checked, 15);
}

// ---- PEFT files -------------------------------------------------------------------------------

// The keys of peft 0.13's LoraConfig.to_dict() (PeftConfigMixin: peft_type, auto_mapping;
// PeftConfig: base_model_name_or_path, revision, task_type, inference_mode; LoraConfig's
// fields minus runtime_config), read from peft/tuners/lora/config.py and peft/config.py.
const std::set<std::string> kPeft013Keys = {
    "alpha_pattern", "auto_mapping",     "base_model_name_or_path", "bias",           "fan_in_fan_out",
    "inference_mode", "init_lora_weights", "layer_replication",      "layers_pattern", "layers_to_transform",
    "loftq_config",  "lora_alpha",       "lora_dropout",            "megatron_config", "megatron_core",
    "modules_to_save", "peft_type",      "r",                       "rank_pattern",   "revision",
    "target_modules", "task_type",       "use_dora",                "use_rslora"};

TEST(PeftFiles, AdapterConfigAndTensorNamesAreWhatPeftWrites) {
  const auto dir = tiny_model("llama", "peft_llama");
  nn::LoraConfig c;
  c.r = 4;
  c.alpha = 16;
  c.dropout = 0.05;
  auto model = AutoModelForCausalLM::from_pretrained(dir.string(), with_lora(c));
  const auto out = automodel::testing::scratch_dir("peft_llama_adapter");
  const SavedAdapter saved = save_adapter(*model, out);
  ASSERT_TRUE(fs::exists(out / "adapter_config.json"));
  const json cfg = read_json_file(out / "adapter_config.json");
  std::set<std::string> keys;
  for (const auto& [k, v] : cfg.items()) keys.insert(k);
  EXPECT_EQ(keys, kPeft013Keys);
  EXPECT_EQ(cfg["peft_type"], "LORA");
  EXPECT_EQ(cfg["task_type"], "CAUSAL_LM");
  EXPECT_EQ(cfg["r"], 4);
  EXPECT_EQ(cfg["lora_alpha"], 16);
  EXPECT_TRUE(cfg["lora_alpha"].is_number_integer());
  EXPECT_DOUBLE_EQ(cfg["lora_dropout"].get<double>(), 0.05);
  EXPECT_EQ(cfg["bias"], "none");
  EXPECT_EQ(cfg["inference_mode"], true);
  EXPECT_EQ(cfg["init_lora_weights"], true);
  EXPECT_EQ(cfg["fan_in_fan_out"], false);
  EXPECT_EQ(cfg["use_dora"], false);
  EXPECT_EQ(cfg["megatron_core"], "megatron.core");
  EXPECT_EQ(cfg["base_model_name_or_path"], dir.string());
  // "*_proj" resolved to the plain names PEFT understands.
  EXPECT_EQ(cfg["target_modules"],
            json::array({"down_proj", "gate_proj", "k_proj", "o_proj", "q_proj", "up_proj", "v_proj"}));
  // The file is json.dumps(indent=2, sort_keys=True): sorted keys, no trailing newline.
  const std::string text = [&] {
    std::ifstream f(out / "adapter_config.json");
    return std::string(std::istreambuf_iterator<char>(f), {});
  }();
  EXPECT_EQ(text.substr(0, 25), "{\n  \"alpha_pattern\": {},\n");
  EXPECT_NE(text.back(), '\n');
  // Tensor names and shapes.
  const SafetensorsFile f = SafetensorsFile::open(out / "adapter_model.safetensors");
  EXPECT_EQ(f.names().size(), 28u);
  EXPECT_EQ(f.metadata().at("format"), "pt");
  EXPECT_EQ(f.entry("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight").shape, Shape({4, 32}));
  EXPECT_EQ(f.entry("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight").shape, Shape({32, 4}));
  EXPECT_EQ(f.entry("base_model.model.model.layers.1.mlp.down_proj.lora_A.weight").shape, Shape({4, 48}));
  EXPECT_EQ(f.entry("base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight").shape, Shape({16, 4}));
  EXPECT_EQ(f.entry("base_model.model.model.layers.1.self_attn.k_proj.lora_B.weight").dtype, DType::F32);
  EXPECT_EQ(saved.tensor_names.size(), 28u);
  fs::remove_all(out);
  fs::remove_all(dir);
}

TEST(PeftFiles, Gpt2Conv1DAdaptersAreFanInFanOut) {
  const auto dir = tiny_model("gpt2", "peft_gpt2");
  nn::LoraConfig c;
  c.target_modules = {"c_attn", "c_proj"};
  auto model = AutoModelForCausalLM::from_pretrained(dir.string(), with_lora(c));
  ASSERT_EQ(model->lora()->modules().size(), 6u);  // attn.c_attn, attn.c_proj, mlp.c_proj in each of 2 layers
  const auto out = automodel::testing::scratch_dir("peft_gpt2_adapter");
  save_adapter(*model, out);
  const json cfg = read_json_file(out / "adapter_config.json");
  EXPECT_EQ(cfg["fan_in_fan_out"], true);
  EXPECT_EQ(cfg["target_modules"], json::array({"c_attn", "c_proj"}));
  const SafetensorsFile f = SafetensorsFile::open(out / "adapter_model.safetensors");
  // lora_A [r, in_features], lora_B [out_features, r], with Conv1D's in/out (weight [in, out]).
  EXPECT_EQ(f.entry("base_model.model.transformer.h.0.attn.c_attn.lora_A.weight").shape, Shape({8, 32}));
  EXPECT_EQ(f.entry("base_model.model.transformer.h.0.attn.c_attn.lora_B.weight").shape, Shape({96, 8}));
  EXPECT_TRUE(f.contains("base_model.model.transformer.h.1.mlp.c_proj.lora_A.weight"));
  fs::remove_all(out);
  fs::remove_all(dir);
}

TEST(PeftFiles, GlobThatPlainNamesCannotExpressIsWrittenAsAnExactRegex) {
  const auto dir = tiny_model("llama", "peft_regex");
  nn::LoraConfig c;
  c.target_modules = {"model.layers.1.*"};
  auto model = AutoModelForCausalLM::from_pretrained(dir.string(), with_lora(c));
  EXPECT_EQ(model->lora()->modules().size(), 7u);
  randomize_adapters(*model->lora(), 3);
  const auto out = automodel::testing::scratch_dir("peft_regex_adapter");
  save_adapter(*model, out);
  const json cfg = read_json_file(out / "adapter_config.json");
  ASSERT_TRUE(cfg["target_modules"].is_string());
  auto loaded = load_peft_model(dir.string(), out);
  ASSERT_EQ(loaded->lora()->modules().size(), 7u);
  for (const auto& m : loaded->lora()->modules()) EXPECT_EQ(m.name.rfind("model.layers.1.", 0), 0u) << m.name;
  const Batch batch;
  EXPECT_EQ(max_diff(batch.logits(*loaded), batch.logits(*model)), 0.0);
  fs::remove_all(out);
  fs::remove_all(dir);
}

TEST(PeftFiles, SaveLoadRoundTripIsBitIdentical) {
  const auto dir = tiny_model("qwen2", "peft_roundtrip");
  nn::LoraConfig c;
  c.r = 3;
  c.alpha = 7.5;
  c.use_rslora = true;
  c.target_modules = {"q_proj", "v_proj", "down_proj"};
  auto model = AutoModelForCausalLM::from_pretrained(dir.string(), with_lora(c));
  randomize_adapters(*model->lora(), 9);
  const auto out = automodel::testing::scratch_dir("peft_roundtrip_adapter");
  save_adapter(*model, out);
  auto loaded = load_peft_model(dir.string(), out);
  const auto& lc = loaded->lora()->config();
  EXPECT_EQ(lc.r, 3);
  EXPECT_EQ(lc.alpha, 7.5);
  EXPECT_TRUE(lc.use_rslora);
  const NamedTensors a = model->lora()->parameters(), b = loaded->lora()->parameters();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    const auto x = a[i].second.to_vector<float>(), y = b[i].second.to_vector<float>();
    EXPECT_EQ(std::memcmp(x.data(), y.data(), x.size() * sizeof(float)), 0) << a[i].first;
  }
  const Batch batch;
  EXPECT_EQ(max_diff(batch.logits(*loaded), batch.logits(*model)), 0.0);
  // Saving the loaded adapter again writes the same bytes.
  const auto again = automodel::testing::scratch_dir("peft_roundtrip_again");
  save_adapter(*loaded, again);
  auto bytes = [](const fs::path& p) {
    std::ifstream f(p, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  EXPECT_EQ(bytes(out / "adapter_model.safetensors"), bytes(again / "adapter_model.safetensors"));
  EXPECT_EQ(bytes(out / "adapter_config.json"), bytes(again / "adapter_config.json"));
  fs::remove_all(again);
  fs::remove_all(out);
  fs::remove_all(dir);
}

// An adapter as PEFT writes it by hand: a regex string target_modules, a subset of the keys,
// and lora_alpha as an int.
TEST(PeftFiles, LoadsPeftStyleConfigVariants) {
  const auto dir = tiny_model("llama", "peft_variants");
  const auto out = automodel::testing::scratch_dir("peft_variants_adapter");
  write_json_file(out / "adapter_config.json", json{{"peft_type", "LORA"}, {"task_type", "CAUSAL_LM"}, {"r", 2},
                                                    {"lora_alpha", 4}, {"target_modules", R"(.*\.(q_proj|o_proj))"},
                                                    {"bias", "none"}, {"modules_to_save", nullptr}});
  NamedTensors tensors;
  for (int layer = 0; layer < 2; ++layer)
    for (const char* m : {"q_proj", "o_proj"}) {
      const std::string base = "base_model.model.model.layers." + std::to_string(layer) + ".self_attn." + m;
      tensors.emplace_back(base + ".lora_A.weight", Tensor::full({2, 32}, 0.01 * (layer + 1), DType::BF16));
      tensors.emplace_back(base + ".lora_B.weight", Tensor::full({32, 2}, 0.02, DType::BF16));
    }
  save_safetensors(out / "adapter_model.safetensors", tensors);
  auto model = load_peft_model(dir.string(), out);
  ASSERT_EQ(model->lora()->modules().size(), 4u);
  EXPECT_DOUBLE_EQ(model->lora()->modules()[0].adapter->scaling, 2.0);
  EXPECT_EQ(model->lora()->modules()[0].adapter->A.dtype(), DType::F32);
  EXPECT_NEAR(model->lora()->modules()[2].adapter->A.item_at({0, 0}), 0.02, 1e-3);  // layer 1, bf16-rounded
  fs::remove_all(out);
  fs::remove_all(dir);
}

TEST(PeftFiles, BadAdaptersGiveClearErrors) {
  const auto dir = tiny_model("llama", "peft_bad");
  nn::LoraConfig c;
  c.r = 2;
  c.target_modules = {"q_proj"};
  auto model = AutoModelForCausalLM::from_pretrained(dir.string(), with_lora(c));
  const auto good = automodel::testing::scratch_dir("peft_bad_good");
  save_adapter(*model, good);
  const json cfg = read_json_file(good / "adapter_config.json");
  const SafetensorsFile f = SafetensorsFile::open(good / "adapter_model.safetensors");
  NamedTensors all;
  for (const auto& n : f.names()) all.emplace_back(n, f.tensor(n));
  const std::string qa = "base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight";

  auto case_dir = [&](const std::string& name, const json& config, const NamedTensors& tensors) {
    const auto d = automodel::testing::scratch_dir("peft_bad_" + name);
    write_json_file(d / "adapter_config.json", config);
    if (!tensors.empty()) save_safetensors(d / "adapter_model.safetensors", tensors);
    return d;
  };
  auto load_error = [&](const fs::path& d) { return error_of([&] { load_peft_model(dir.string(), d); }); };

  NamedTensors missing;
  for (const auto& t : all)
    if (t.first != qa) missing.push_back(t);
  std::string e = load_error(case_dir("missing", cfg, missing));
  EXPECT_NE(e.find("missing tensor " + qa), std::string::npos) << e;
  EXPECT_NE(e.find("adapter_model.safetensors"), std::string::npos) << e;

  NamedTensors wrong_shape = missing;
  wrong_shape.emplace_back(qa, Tensor::zeros({2, 31}));
  e = load_error(case_dir("shape", cfg, wrong_shape));
  EXPECT_NE(e.find("tensor " + qa + " has shape [2, 31], expected [2, 32]"), std::string::npos) << e;

  NamedTensors extra = all;
  extra.emplace_back("base_model.model.model.layers.0.self_attn.k_proj.lora_A.weight", Tensor::zeros({2, 32}));
  e = load_error(case_dir("extra", cfg, extra));
  EXPECT_NE(e.find("k_proj.lora_A.weight belongs to no adapted module"), std::string::npos) << e;

  json rank = cfg;
  rank["r"] = 3;
  e = load_error(case_dir("rank", rank, all));
  EXPECT_NE(e.find("has shape [2, 32], expected [3, 32]"), std::string::npos) << e;

  json prefix = cfg;
  prefix["peft_type"] = "PREFIX_TUNING";
  e = load_error(case_dir("peft_type", prefix, all));
  EXPECT_NE(e.find("\"peft_type\" is \"PREFIX_TUNING\""), std::string::npos) << e;
  EXPECT_NE(e.find("adapter_config.json"), std::string::npos) << e;

  json dora = cfg;
  dora["use_dora"] = true;
  EXPECT_NE(load_error(case_dir("dora", dora, all)).find("DoRA"), std::string::npos);
  json bias = cfg;
  bias["bias"] = "all";
  EXPECT_NE(load_error(case_dir("bias", bias, all)).find("\"bias\""), std::string::npos);
  json save = cfg;
  save["modules_to_save"] = json::array({"lm_head"});
  EXPECT_NE(load_error(case_dir("modules_to_save", save, all)).find("modules_to_save"), std::string::npos);
  json pattern = cfg;
  pattern["rank_pattern"] = json{{"q_proj", 4}};
  EXPECT_NE(load_error(case_dir("rank_pattern", pattern, all)).find("rank_pattern"), std::string::npos);
  json null_targets = cfg;
  null_targets["target_modules"] = nullptr;
  EXPECT_NE(load_error(case_dir("null_targets", null_targets, all)).find("target_modules"), std::string::npos);
  json bad_r = cfg;
  bad_r["r"] = "eight";
  EXPECT_NE(load_error(case_dir("bad_r", bad_r, all)).find("\"r\" must be a positive integer, found \"eight\""),
            std::string::npos);

  const auto pickle = case_dir("pickle", cfg, {});
  std::ofstream(pickle / "adapter_model.bin") << "x";
  EXPECT_NE(load_error(pickle).find("adapter_model.bin"), std::string::npos);
  EXPECT_NE(load_error(dir / "nonexistent").find("adapter_config.json is missing"), std::string::npos);

  // Saving without adapters, and after merging.
  auto plain = AutoModelForCausalLM::from_pretrained(dir.string());
  EXPECT_NE(error_of([&] { save_adapter(*plain, good / "x"); }).find("no LoRA adapters"), std::string::npos);
  fs::remove_all(good);
  fs::remove_all(dir);
}
