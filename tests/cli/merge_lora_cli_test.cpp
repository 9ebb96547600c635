// automodel merge-lora: a PEFT adapter merged into its base gives a plain HF model whose logits
// equal base + adapter; errors are one line with the right exit code.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "automodel/hub/json_file.h"
#include "automodel/models/auto_model.h"
#include "automodel/models/lora.h"
#include "cli_runner.h"
#include "fixtures.h"

namespace automodel {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;

double max_diff(const Tensor& a, const Tensor& b) {
  const auto x = a.to_vector<double>(), y = b.to_vector<double>();
  double m = 0;
  for (size_t i = 0; i < x.size(); ++i) m = std::max(m, std::fabs(x[i] - y[i]));
  return m;
}

Tensor logits(CausalLM& m) {
  const Tensor ids = Tensor::from_vector<int64_t>({5, 9, 11, 3, 40, 7}, {1, 6});
  return m.forward(ids, Tensor(), Tensor(), nullptr).logits;
}

// Saves an adapter with non-zero B for `base` and returns base + adapter logits.
Tensor write_adapter(const fs::path& base, const fs::path& adapter, const std::vector<std::string>& targets) {
  FromPretrainedOptions o;
  o.lora = nn::LoraConfig{};
  o.lora->r = 4;
  o.lora->target_modules = targets;
  auto model = AutoModelForCausalLM::from_pretrained(base.string(), o);
  std::mt19937_64 rng(1);
  for (const auto& [name, t] : model->lora()->parameters()) {
    std::vector<float> v(size_t(t.numel()));
    for (auto& x : v) x = float(double(rng() >> 11) / 9007199254740992.0 - 0.5) * 0.3f;
    Tensor(t).copy_from(Tensor::from_vector(v, t.shape()));
  }
  save_adapter(*model, adapter);
  return logits(*model);
}

TEST(MergeLoraCli, MergedModelEqualsBasePlusAdapter) {
  const fs::path base = testing::scratch_dir("merge_cli_base"), adapter = testing::scratch_dir("merge_cli_adapter"),
                 out = testing::scratch_dir("merge_cli_out");
  InitSizes s{32, 2, 4, 2, 48, 97, 64};
  write_random_causal_lm(default_causal_lm_config("llama", s), base, 3);
  const Tensor want = write_adapter(base, adapter, {"q_proj", "v_proj", "down_proj"});
  const auto r = run_cli({"merge-lora", base.string(), adapter.string(), out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("merged 6 LoRA adapters into LlamaForCausalLM (float32, 1 file)"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(out / "config.json"));
  EXPECT_FALSE(fs::exists(out / "adapter_config.json"));
  auto merged = AutoModelForCausalLM::from_pretrained(out.string());
  EXPECT_LT(max_diff(logits(*merged), want), 2e-5);
  auto plain = AutoModelForCausalLM::from_pretrained(base.string());
  EXPECT_GT(max_diff(logits(*plain), want), 1e-3);  // the adapter mattered
  // --dtype bf16 writes a bf16 model.
  const auto r16 = run_cli({"merge-lora", base.string(), adapter.string(), out.string(), "--dtype", "bf16"});
  ASSERT_EQ(r16.exit_code, 0) << r16.err;
  EXPECT_EQ(read_json_file(out / "config.json")["torch_dtype"], "bfloat16");
  for (const auto& d : {base, adapter, out}) fs::remove_all(d);
}

TEST(MergeLoraCli, Gpt2FixtureWithTokenizer) {
  AM_REQUIRE_FIXTURES(root);
  const fs::path base = root / "models" / "tiny_gpt2_bpe";
  const fs::path adapter = testing::scratch_dir("merge_cli_gpt2_adapter"), out = testing::scratch_dir("merge_cli_gpt2_out");
  const Tensor want = write_adapter(base, adapter, {"c_attn", "c_fc"});
  const auto r = run_cli({"merge-lora", base.string(), adapter.string(), out.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote tokenizer:"), std::string::npos) << r.out;
  EXPECT_EQ(read_json_file(out / "config.json")["torch_dtype"], "bfloat16");  // the base's dtype
  // The checkpoint is bf16: the merged weights are W + scaling * B @ A rounded once to bf16, so
  // the merged logits sit within bf16 rounding of base + adapter, far closer than the base.
  auto merged = AutoModelForCausalLM::from_pretrained(out.string());
  auto plain = AutoModelForCausalLM::from_pretrained(base.string());
  const double adapter_effect = max_diff(logits(*plain), want);
  EXPECT_GT(adapter_effect, 0.05);
  EXPECT_LT(max_diff(logits(*merged), want), 0.05 * adapter_effect);
  for (const auto& d : {adapter, out}) fs::remove_all(d);
}

TEST(MergeLoraCli, Errors) {
  const fs::path base = testing::scratch_dir("merge_cli_err_base"), adapter = testing::scratch_dir("merge_cli_err_adapter");
  InitSizes s{32, 2, 4, 2, 48, 97, 64};
  write_random_causal_lm(default_causal_lm_config("llama", s), base, 3);
  write_adapter(base, adapter, {"q_proj"});
  auto one_line_error = [](const testing::CliResult& r, int code, const std::string& needle) {
    EXPECT_EQ(r.exit_code, code) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
  };
  one_line_error(run_cli({"merge-lora", base.string()}), 2, "required");
  one_line_error(run_cli({"merge-lora", base.string(), "/nonexistent/adapter", "/tmp/x"}), 1,
                 "adapter folder '/nonexistent/adapter' does not exist");
  json cfg = read_json_file(adapter / "adapter_config.json");
  cfg["peft_type"] = "IA3";
  write_json_file(adapter / "adapter_config.json", cfg);
  const fs::path out = testing::scratch_dir("merge_cli_err_out");
  one_line_error(run_cli({"merge-lora", base.string(), adapter.string(), (out / "m").string()}), 1, "\"peft_type\" is \"IA3\"");
  EXPECT_FALSE(fs::exists(out / "m"));  // nothing half-written
  for (const auto& d : {base, adapter, out}) fs::remove_all(d);
}

}  // namespace
}  // namespace automodel
