// The SFT recipe file: defaults (transformers / TRL / PEFT values), typed reading, overrides,
// the errors (file:line:column, key path, expected vs found, known keys) and the YAML written
// back into checkpoints.
#include <gtest/gtest.h>

#include <fstream>

#include "automodel/core/error.h"
#include "automodel/recipes/recipe_config.h"
#include "fixtures.h"

namespace {

using namespace automodel::recipes;
using automodel::Error;

const char* kMinimal = R"(model:
  name_or_path: ./tiny
data:
  train_file: train.jsonl
training:
  output_dir: out
)";

// The message of the Error `f` throws ("" when it does not throw).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(RecipeConfig, DefaultsAreTheHfTrlAndPeftOnes) {
  const SftRecipe r = parse_recipe(kMinimal, "recipe.yaml");
  EXPECT_EQ(r.model.name_or_path, "./tiny");
  EXPECT_EQ(r.model.torch_dtype, TorchDtype::float32);  // from_pretrained without torch_dtype
  EXPECT_EQ(r.data.format, DataFormat::auto_detect);
  EXPECT_FALSE(r.data.validation_file.has_value());
  EXPECT_EQ(r.data.max_length, 1024);  // SFTConfig.max_length
  EXPECT_FALSE(r.data.packing);
  EXPECT_TRUE(r.data.add_eos);
  EXPECT_EQ(r.training.seed, 42);            // TrainingArguments.seed
  EXPECT_EQ(r.data.shuffle_seed, 42);        // data_seed None: follows seed
  EXPECT_EQ(r.training.num_epochs, 3.0);     // num_train_epochs
  EXPECT_EQ(r.training.max_steps, -1);
  EXPECT_EQ(r.training.per_device_batch_size, 8);
  EXPECT_EQ(r.training.gradient_accumulation_steps, 1);
  EXPECT_EQ(r.training.save_every, 500);  // save_steps
  EXPECT_EQ(r.training.log_every, 10);    // SFTConfig.logging_steps
  EXPECT_EQ(r.training.eval_every, 0);
  EXPECT_FALSE(r.training.max_checkpoints_to_keep.has_value());  // save_total_limit None
  EXPECT_EQ(r.optim.name, OptimizerName::adamw);
  EXPECT_EQ(r.optim.lr, 2e-5);  // SFTConfig.learning_rate
  EXPECT_EQ(r.optim.betas[0], 0.9);
  EXPECT_EQ(r.optim.betas[1], 0.999);
  EXPECT_EQ(r.optim.eps, 1e-8);
  EXPECT_EQ(r.optim.weight_decay, 0.0);
  EXPECT_EQ(r.optim.max_grad_norm, 1.0);
  EXPECT_EQ(r.scheduler.name, "linear");
  EXPECT_EQ(r.scheduler.warmup_steps, 0);
  EXPECT_EQ(r.scheduler.warmup_ratio, 0.0);
  EXPECT_FALSE(r.lora.enabled);
  EXPECT_EQ(r.lora.r, 8);  // LoraConfig
  EXPECT_EQ(r.lora.alpha, 8.0);
  EXPECT_EQ(r.lora.dropout, 0.0);
  EXPECT_EQ(r.lora.target_modules, std::vector<std::string>{"*_proj"});
  EXPECT_FALSE(r.lora.use_rslora);
}

TEST(RecipeConfig, ReadsEveryKey) {
  const char* text = R"(
model: {name_or_path: meta/llama, torch_dtype: bfloat16}
data:
  train_file: t.jsonl
  validation_file: v.jsonl
  format: messages
  max_length: 256
  packing: yes
  shuffle_seed: 7
  add_eos: False
training:
  output_dir: runs/a
  num_epochs: 1.5
  max_steps: 100
  per_device_batch_size: 4
  gradient_accumulation_steps: 2
  eval_every: 20
  save_every: 50
  log_every: 5
  seed: 3
  max_checkpoints_to_keep: 2
optim:
  name: sgd
  lr: 2e-4
  betas: [0.8, 0.95]
  eps: 1.0e-6
  weight_decay: 0.01
  momentum: 0.9
  max_grad_norm: 0
scheduler: {name: cosine, warmup_steps: 10, warmup_ratio: 0.1}
lora:
  enabled: true
  r: 16
  alpha: 32
  dropout: 0.05
  target_modules: [q_proj, v_proj]
  use_rslora: true
)";
  const SftRecipe r = parse_recipe(text, "all.yaml");
  EXPECT_EQ(r.model.name_or_path, "meta/llama");
  EXPECT_EQ(r.model.torch_dtype, TorchDtype::bfloat16);
  EXPECT_EQ(r.data.validation_file, std::optional<std::string>("v.jsonl"));
  EXPECT_EQ(r.data.format, DataFormat::messages);
  EXPECT_EQ(r.data.max_length, 256);
  EXPECT_TRUE(r.data.packing);
  EXPECT_EQ(r.data.shuffle_seed, 7);
  EXPECT_FALSE(r.data.add_eos);
  EXPECT_EQ(r.training.num_epochs, 1.5);
  EXPECT_EQ(r.training.max_steps, 100);
  EXPECT_EQ(r.training.max_checkpoints_to_keep, std::optional<int64_t>(2));
  EXPECT_EQ(r.optim.name, OptimizerName::sgd);
  EXPECT_EQ(r.optim.lr, 2e-4);  // a plain 2e-4 is a number (PyYAML would say string)
  EXPECT_EQ(r.optim.betas[0], 0.8);
  EXPECT_EQ(r.optim.betas[1], 0.95);
  EXPECT_EQ(r.optim.eps, 1e-6);
  EXPECT_EQ(r.optim.momentum, 0.9);
  EXPECT_EQ(r.optim.max_grad_norm, 0.0);
  EXPECT_EQ(r.scheduler.name, "cosine");
  EXPECT_EQ(r.scheduler.warmup_ratio, 0.1);
  EXPECT_TRUE(r.lora.enabled);
  EXPECT_EQ(r.lora.alpha, 32.0);
  EXPECT_EQ(r.lora.target_modules, (std::vector<std::string>{"q_proj", "v_proj"}));
  EXPECT_TRUE(r.lora.use_rslora);
  EXPECT_EQ(r.origin.at("optim.lr"), "all.yaml:24:3");
}

TEST(RecipeConfig, OverridesAreTypedLikeTheFile) {
  const auto overrides = parse_override_args({"--optim.lr", "2e-4", "--lora.enabled", "true", "--lora.target_modules",
                                              "[q_proj, v_proj]", "--data.validation_file=", "--training.seed=5"});
  ASSERT_EQ(overrides.size(), 5u);
  EXPECT_EQ(overrides[0], (RecipeOverride{"optim.lr", "2e-4"}));
  EXPECT_EQ(overrides[3], (RecipeOverride{"data.validation_file", ""}));
  const SftRecipe r = parse_recipe(kMinimal, "r.yaml", overrides);
  EXPECT_EQ(r.optim.lr, 2e-4);
  EXPECT_TRUE(r.lora.enabled);
  EXPECT_EQ(r.lora.target_modules, (std::vector<std::string>{"q_proj", "v_proj"}));
  EXPECT_FALSE(r.data.validation_file.has_value());  // an empty value is YAML null
  EXPECT_EQ(r.training.seed, 5);
  EXPECT_EQ(r.data.shuffle_seed, 5);  // still following the seed
  EXPECT_EQ(r.origin.at("optim.lr"), "--optim.lr");

  // A single string is a one-glob list; later overrides win.
  SftRecipe s = r;
  apply_overrides(s, {{"lora.target_modules", "qkv_proj"}, {"optim.lr", "1e-3"}, {"optim.lr", "3e-3"}});
  EXPECT_EQ(s.lora.target_modules, std::vector<std::string>{"qkv_proj"});
  EXPECT_EQ(s.optim.lr, 3e-3);
}

TEST(RecipeConfig, OverridesSupplyRequiredKeys) {
  const SftRecipe r = parse_recipe("", "empty.yaml",
                                   {{"model.name_or_path", "m"}, {"data.train_file", "t"}, {"training.output_dir", "o"}});
  EXPECT_EQ(r.model.name_or_path, "m");
  const std::string e = error_of([] { parse_recipe("", "empty.yaml"); });
  EXPECT_TRUE(e.find("empty.yaml: model.name_or_path is required") != std::string::npos) << e;
}

TEST(RecipeConfig, WrongTypesNameFileLineKeyExpectedAndFound) {
  std::string e = error_of([] { parse_recipe(std::string(kMinimal) + "optim:\n  lr: fast\n", "r.yaml"); });
  EXPECT_EQ(e, "r.yaml:8:3: optim.lr: expected a number, found 'fast'");
  e = error_of([] { parse_recipe(std::string(kMinimal) + "optim:\n  lr: \"2e-4\"\n", "r.yaml"); });
  EXPECT_EQ(e, "r.yaml:8:3: optim.lr: expected a number, found the string \"2e-4\"");
  e = error_of([] { parse_recipe(std::string(kMinimal) + "lora:\n  r: 8.5\n", "r.yaml"); });
  EXPECT_EQ(e, "r.yaml:8:3: lora.r: expected an integer, found '8.5'");
  e = error_of([] { parse_recipe(std::string(kMinimal) + "lora:\n  enabled: maybe\n", "r.yaml"); });
  EXPECT_EQ(e, "r.yaml:8:3: lora.enabled: expected true or false, found 'maybe'");
  e = error_of([] { parse_recipe(std::string(kMinimal) + "optim:\n  betas: 0.9\n", "r.yaml"); });
  EXPECT_EQ(e, "r.yaml:8:3: optim.betas: expected a list of two numbers, found '0.9'");
  e = error_of([] { parse_recipe(std::string(kMinimal) + "optim:\n  name: adam\n", "r.yaml"); });
  EXPECT_EQ(e, "r.yaml:8:3: optim.name: expected one of adamw, sgd, found 'adam'");
  e = error_of([] { parse_recipe(std::string(kMinimal) + "lora:\n  target_modules: {a: 1}\n", "r.yaml"); });
  EXPECT_EQ(e, "r.yaml:8:3: lora.target_modules: expected a list of strings, found a mapping");
  e = error_of([] { parse_recipe(std::string(kMinimal) + "lora:\n  target_modules: [q_proj, [x]]\n", "r.yaml"); });
  EXPECT_EQ(e, "r.yaml:8:3: lora.target_modules[1]: expected a string, found a list");
  e = error_of([] { parse_recipe("model: ./m\n", "r.yaml"); });
  EXPECT_EQ(e, "r.yaml:1:1: model: expected a mapping of keys, found './m'");
  e = error_of([] { parse_recipe("- a\n- b\n", "r.yaml"); });
  EXPECT_NE(e.find("r.yaml: a recipe is a mapping of sections (model, data, training, optim, scheduler, lora)"),
            std::string::npos)
      << e;
  e = error_of([] { parse_recipe(std::string(kMinimal) + "lora:\n  r: 99999999999999999999\n", "r.yaml"); });
  EXPECT_NE(e.find("r.yaml:8:3: lora.r: 99999999999999999999 is out of the 64-bit integer range"),
            std::string::npos)
      << e;
  e = error_of([] { parse_recipe(kMinimal, "r.yaml", {{"optim.lr", "[1, 2]"}}); });
  EXPECT_EQ(e, "--optim.lr: optim.lr: expected a number, found a list");
  e = error_of([] { parse_recipe(kMinimal, "r.yaml", {{"model.name_or_path", ""}}); });
  EXPECT_EQ(e, "--model.name_or_path: model.name_or_path: expected a string, found null");
}

TEST(RecipeConfig, UnknownKeysListTheKnownOnes) {
  std::string e = error_of([] { parse_recipe(std::string(kMinimal) + "optim:\n  learning_rate: 1e-4\n", "r.yaml"); });
  EXPECT_EQ(e,
            "r.yaml:8:3: unknown key 'optim.learning_rate'; the keys of 'optim' are: name, lr, betas, eps, "
            "weight_decay, momentum, max_grad_norm");
  e = error_of([] { parse_recipe(std::string(kMinimal) + "peft:\n  r: 4\n", "r.yaml"); });
  EXPECT_EQ(e, "r.yaml:7:1: unknown section 'peft'; the sections are: model, data, training, optim, scheduler, lora");
  e = error_of([] { parse_recipe(kMinimal, "r.yaml", {{"lora.rank", "4"}}); });
  EXPECT_EQ(e, "--lora.rank: unknown key 'lora.rank'; the keys of 'lora' are: enabled, r, alpha, dropout, "
               "target_modules, use_rslora");
  e = error_of([] { parse_recipe(kMinimal, "r.yaml", {{"lr", "4"}}); });
  EXPECT_EQ(e, "--lr: an override names section.key (e.g. --optim.lr 2e-4)");
  e = error_of([] { parse_recipe(std::string(kMinimal) + "optim:\n  lr: 1\n  lr: 2\n", "r.yaml"); });
  EXPECT_EQ(e, "r.yaml:9:3: key 'optim.lr' appears twice");
  e = error_of([] { parse_recipe(std::string(kMinimal) + "model:\n  torch_dtype: auto\n", "r.yaml"); });
  EXPECT_EQ(e, "r.yaml:7:1: section 'model' appears twice");
}

TEST(RecipeConfig, InvalidYamlAndMissingFile) {
  std::string e = error_of([] { parse_recipe("optim: [1, 2\n", "bad.yaml"); });
  EXPECT_EQ(e.rfind("bad.yaml:", 0), 0u) << e;
  EXPECT_NE(e.find("invalid YAML"), std::string::npos) << e;
  e = error_of([] { parse_recipe(kMinimal, "r.yaml", {{"optim.betas", "[0.9,"}}); });
  EXPECT_NE(e.find("--optim.betas: the value '[0.9,' is not valid YAML"), std::string::npos) << e;
  // YAML is Unicode text: malformed UTF-8 (here an overlong '/') is refused where it occurs.
  e = error_of([] { parse_recipe("model:\n  name_or_path: ab\xc0\xaf\n", "bin.yaml"); });
  EXPECT_EQ(e, "bin.yaml:2:19: not UTF-8 text (byte 0xc0)");
  e = error_of([] { parse_recipe(kMinimal, "r.yaml", {{"lora.target_modules", "[\xff]"}}); });
  EXPECT_EQ(e, "--lora.target_modules: the value is not UTF-8 text");
  e = error_of([] { load_recipe("/nonexistent/recipe.yaml"); });
  EXPECT_EQ(e, "/nonexistent/recipe.yaml: recipe file not found");
}

TEST(RecipeConfig, RangeAndCrossKeyChecksSayWhereTheValueCameFrom) {
  std::string e = error_of([] { parse_recipe(std::string(kMinimal) + "optim:\n  lr: -1\n", "r.yaml"); });
  EXPECT_EQ(e, "r.yaml:8:3: optim.lr must be > 0, found -1");
  e = error_of([] { parse_recipe(kMinimal, "r.yaml", {{"optim.betas", "[0.9, 1.0]"}}); });
  EXPECT_EQ(e, "--optim.betas: optim.betas must be two numbers in [0, 1), found [0.9, 1]");
  e = error_of([] { parse_recipe(kMinimal, "r.yaml", {{"training.eval_every", "10"}}); });
  EXPECT_EQ(e, "--training.eval_every: training.eval_every is 10 but data.validation_file is not set (nothing to "
               "evaluate on)");
  e = error_of([] { parse_recipe(kMinimal, "r.yaml", {{"scheduler.name", "cosine_annealing"}}); });
  EXPECT_NE(e.find("--scheduler.name: scheduler.name must be a transformers lr_scheduler_type (linear, cosine,"),
            std::string::npos)
      << e;
  e = error_of([] { parse_recipe(kMinimal, "r.yaml", {{"training.max_steps", "0"}}); });
  EXPECT_EQ(e, "--training.max_steps: training.max_steps must be -1 (from num_epochs) or > 0, found 0");
  e = error_of([] { parse_recipe(kMinimal, "r.yaml", {{"lora.enabled", "on"}, {"lora.target_modules", "[]"}}); });
  EXPECT_EQ(e, "--lora.target_modules: lora.target_modules must name at least one module glob when lora.enabled is "
               "true");
  e = error_of([] { parse_recipe(kMinimal, "r.yaml", {{"data.max_length", "1"}}); });
  EXPECT_EQ(e, "--data.max_length: data.max_length must be at least 2 (one token and its next), found 1");
  e = error_of([] { parse_recipe(kMinimal, "r.yaml", {{"scheduler.warmup_ratio", "1.5"}}); });
  EXPECT_EQ(e, "--scheduler.warmup_ratio: scheduler.warmup_ratio must be in [0, 1], found 1.5");
}

TEST(RecipeConfig, OverrideArgumentErrors) {
  EXPECT_EQ(error_of([] { parse_override_args({"--optim.lr"}); }), "command line: --optim.lr needs a value");
  EXPECT_EQ(error_of([] { parse_override_args({"--optim.lr", "--lora.r", "4"}); }),
            "command line: --optim.lr needs a value (found the next option --lora.r)");
  EXPECT_EQ(error_of([] { parse_override_args({"optim.lr", "1"}); }),
            "command line: 'optim.lr' is not an override (expected --section.key value, e.g. --optim.lr 2e-4)");
  // Negative numbers are values, not options.
  EXPECT_EQ(parse_override_args({"--training.max_steps", "-1"}).at(0).value, "-1");
}

TEST(RecipeConfig, EffectiveYamlReadsBackEqualAndStaysFloatForPyYaml) {
  SftRecipe r = parse_recipe(kMinimal, "r.yaml",
                             {{"optim.lr", "2e-5"}, {"lora.target_modules", "[\"q_proj\", \"*.o_proj\"]"},
                              {"model.name_or_path", "'123'"}, {"training.max_checkpoints_to_keep", "3"},
                              {"data.validation_file", "\"v: 1.jsonl\""}, {"optim.max_grad_norm", "1"}});
  const std::string yaml = recipe_to_yaml(r);
  const SftRecipe back = parse_recipe(yaml, "written.yaml");
  EXPECT_EQ(back, r);
  EXPECT_EQ(back.model.name_or_path, "123");
  // YAML 1.1 floats need a '.' and a signed exponent; integers-looking doubles get ".0".
  EXPECT_NE(yaml.find("lr: 2.0e-05\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("eps: 1.0e-08\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("max_grad_norm: 1.0\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("num_epochs: 3.0\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("betas: [0.9, 0.999]\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("name_or_path: \"123\"\n"), std::string::npos) << yaml;
  EXPECT_NE(yaml.find("shuffle_seed: 42\n"), std::string::npos) << yaml;

  // Every key of the schema is written.
  for (const auto& key : recipe_keys()) {
    const std::string leaf = key.substr(key.find('.') + 1);
    EXPECT_NE(yaml.find("  " + leaf + ":"), std::string::npos) << key;
  }
  // save_recipe writes the same text.
  const auto dir = automodel::testing::scratch_dir("recipe-save");
  save_recipe(r, dir / kRecipeFileName);
  EXPECT_EQ(load_recipe(dir / kRecipeFileName), r);
}

TEST(RecipeConfig, TotalStepsFollowTrainerArithmetic) {
  SftRecipe r = parse_recipe(kMinimal, "r.yaml", {{"training.gradient_accumulation_steps", "4"}});
  // num_update_steps_per_epoch = max(len_dataloader // accumulation, 1); ceil(epochs * that).
  EXPECT_EQ(total_optimizer_steps(r, 10), 3 * 2);
  EXPECT_EQ(total_optimizer_steps(r, 3), 3 * 1);
  r.training.num_epochs = 1.5;
  EXPECT_EQ(total_optimizer_steps(r, 10), 3);  // ceil(1.5 * 2)
  r.training.max_steps = 7;
  EXPECT_EQ(total_optimizer_steps(r, 10), 7);
  const SftDataOptions o = data_options(r.data);
  EXPECT_EQ(o.max_length, 1024);
  EXPECT_TRUE(o.add_eos);
}

}  // namespace
