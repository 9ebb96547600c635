// automodel finetune: a recipe file plus command-line overrides trains, logs and saves (full
// fine-tuning and LoRA followed by merge-lora); --resume continues; bad recipes and overrides
// are one-line errors with exit code 1.
#include <gtest/gtest.h>

#include <fstream>

#include "automodel/hub/json_file.h"
#include "automodel/models/auto_model.h"
#include "automodel/recipes/demo.h"
#include "cli_runner.h"
#include "fixtures.h"

namespace automodel {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;

// A tiny Llama with the demo's byte-level tokenizer, a reversal dataset and a recipe.
fs::path setup_run(const std::string& name) {
  const fs::path root = testing::scratch_dir(name);
  InitSizes s{32, 2, 4, 2, 64, recipes::kDemoVocabSize, 64};
  write_random_causal_lm(recipes::demo_llama_config(s), root / "base", 5);
  recipes::write_byte_level_tokenizer(root / "base");
  std::ofstream data(root / "train.jsonl");
  for (const json& r : recipes::make_reversal_task(40, 2, 3).train) data << r.dump() << "\n";
  data.close();
  std::ofstream recipe(root / "recipe.yaml");
  recipe << "model:\n  name_or_path: " << (root / "base").string() << "\n"
         << "data:\n  train_file: " << (root / "train.jsonl").string() << "\n  max_length: 32\n"
         << "training:\n  output_dir: " << (root / "out").string()
         << "\n  max_steps: 4\n  per_device_batch_size: 8\n  save_every: 2\n  log_every: 1\n"
         << "optim:\n  lr: 1.0e-3\n";
  return root;
}

std::string read_text(const fs::path& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

int64_t log_lines(const fs::path& out) {
  std::ifstream f(out / "training.jsonl");
  std::string line;
  int64_t n = 0;
  while (std::getline(f, line)) n += !line.empty();
  return n;
}

TEST(FinetuneCli, TrainsWithOverridesAndResumes) {
  const fs::path root = setup_run("finetune_cli_full");
  const auto r = run_cli({"finetune", "-c", (root / "recipe.yaml").string(), "--optim.lr", "2e-3",
                          "--training.max_steps=6"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("finetune: 6 steps"), std::string::npos) << r.out;
  EXPECT_EQ(log_lines(root / "out"), 6);
  EXPECT_TRUE(fs::exists(root / "out" / "final" / "model.safetensors"));
  EXPECT_TRUE(fs::exists(root / "out" / "final" / "tokenizer.json"));
  EXPECT_NE(read_text(root / "out" / "recipe.yaml").find("lr: 0.002"), std::string::npos);
  // --resume from checkpoint-4 with more steps continues to the new end.
  const auto r2 = run_cli({"finetune", "-c", (root / "recipe.yaml").string(), "--optim.lr", "2e-3",
                           "--training.max_steps", "8", "--resume"});
  ASSERT_EQ(r2.exit_code, 0) << r2.err;
  EXPECT_NE(r2.err.find("resumed from"), std::string::npos) << r2.err;
  EXPECT_NE(r2.out.find("finetune: 8 steps"), std::string::npos) << r2.out;
}

TEST(FinetuneCli, LoraAdapterThenMergeLora) {
  const fs::path root = setup_run("finetune_cli_lora");
  const auto r = run_cli({"finetune", "-c", (root / "recipe.yaml").string(), "--lora.enabled", "true",
                          "--lora.target_modules", "[q_proj, v_proj]", "--no-progress"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("the adapter (PEFT layout)"), std::string::npos) << r.out;
  const json cfg = read_json_file(root / "out" / "final" / "adapter_config.json");
  EXPECT_EQ(cfg.at("target_modules"), json::parse(R"(["q_proj", "v_proj"])"));
  const auto m = run_cli({"merge-lora", (root / "base").string(), (root / "out" / "final").string(),
                          (root / "merged").string()});
  ASSERT_EQ(m.exit_code, 0) << m.err;
  EXPECT_TRUE(fs::exists(root / "merged" / "config.json"));
}

TEST(FinetuneCli, BadRecipeAndOverridesAreOneLineErrors) {
  const fs::path root = setup_run("finetune_cli_errors");
  const auto unknown = run_cli({"finetune", "-c", (root / "recipe.yaml").string(), "--optim.learning_rate", "1"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("learning_rate"), std::string::npos) << unknown.err;
  const auto typed = run_cli({"finetune", "-c", (root / "recipe.yaml").string(), "--training.max_steps", "many"});
  EXPECT_EQ(typed.exit_code, 1);
  EXPECT_NE(typed.err.find("max_steps"), std::string::npos) << typed.err;
  const auto missing = run_cli({"finetune", "-c", (root / "nope.yaml").string()});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("nope.yaml"), std::string::npos) << missing.err;
}

}  // namespace
}  // namespace automodel
