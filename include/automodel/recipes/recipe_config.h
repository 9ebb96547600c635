// The SFT recipe: one YAML file with typed sections, defaults a Hugging Face / TRL user expects,
// command-line overrides, and the effective recipe written back as YAML into every checkpoint.
//
//   model:     {name_or_path, torch_dtype}
//   data:      {train_file, validation_file, format, max_length, packing, shuffle_seed, add_eos}
//   training:  {output_dir, num_epochs, max_steps, per_device_batch_size,
//               gradient_accumulation_steps, eval_every, save_every, log_every, seed,
//               max_checkpoints_to_keep}
//   optim:     {name, lr, betas, eps, weight_decay, momentum, max_grad_norm}
//   scheduler: {name, warmup_steps, warmup_ratio}
//   lora:      {enabled, r, alpha, dropout, target_modules, use_rslora}
//
// Every key is optional except model.name_or_path, data.train_file and training.output_dir
// (which an override may supply). Unknown sections and keys are errors that list the known
// ones; a value of the wrong type is an error naming the file, line and column, the key path,
// what was expected and what was found. Values are typed by the schema, not guessed from the
// text: `lr: 2e-4` is a number (PyYAML would read it as a string), `lr: "2e-4"` is a string and
// therefore an error, `name_or_path: 123` is the string "123".
//
// Overrides (`automodel finetune -c recipe.yaml --optim.lr 2e-4 --lora.enabled true
// --lora.target_modules '[q_proj, v_proj]'`) name a `section.key`; the value is parsed as YAML
// and checked against the field exactly like a value in the file. They apply in order after the
// file, before the checks that relate keys (required keys, ranges, eval_every needing a
// validation file), so an override can supply a required key.
//
// Relative paths (data files, output_dir) are kept as written: the caller resolves them against
// the working directory, as transformers and TRL scripts do.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "automodel/recipes/sft_data.h"

namespace automodel::recipes {

// model.torch_dtype: the dtype the weights are trained in. `auto` keeps the checkpoint's dtype
// (config.json torch_dtype); the default float32 is what from_pretrained loads without a dtype.
enum class TorchDtype { float32, bfloat16, from_checkpoint };

enum class OptimizerName { adamw, sgd };

struct ModelSection {
  std::string name_or_path;  // required: a local model folder or a Hub repo id
  TorchDtype torch_dtype = TorchDtype::float32;
  bool operator==(const ModelSection&) const = default;
};

struct DataSection {
  std::string train_file;                      // required: JSONL (see sft_data.h)
  std::optional<std::string> validation_file;  // JSONL in the same format; null: none
  DataFormat format = DataFormat::auto_detect;  // auto: from the first record's keys
  int64_t max_length = 1024;                   // TRL SFTConfig.max_length
  bool packing = false;                        // TRL SFTConfig.packing
  // Seed of the per-epoch shuffle. Not given: training.seed (transformers' data_seed = None);
  // the loaded recipe always holds the effective value.
  int64_t shuffle_seed = 42;
  bool add_eos = true;  // append eos_token to text / completion (TRL); never to chat messages
  bool operator==(const DataSection&) const = default;
};

struct TrainingSection {
  std::string output_dir;  // required: checkpoints, training.jsonl, the final model
  // transformers' num_train_epochs (may be fractional); used when max_steps is -1.
  double num_epochs = 3.0;
  int64_t max_steps = -1;  // optimizer steps; -1: from num_epochs (HF: a positive value wins)
  int64_t per_device_batch_size = 8;  // micro-batch size (examples or packed blocks)
  int64_t gradient_accumulation_steps = 1;
  int64_t eval_every = 0;    // optimizer steps between validation passes; 0: never
  int64_t save_every = 500;  // optimizer steps between checkpoints; 0: only the final save
  int64_t log_every = 10;    // optimizer steps between training.jsonl records (TRL logging_steps)
  int64_t seed = 42;         // transformers' seed: model init (LoRA A, dropout) and default data seed
  std::optional<int64_t> max_checkpoints_to_keep;  // save_total_limit; null: keep all
  bool operator==(const TrainingSection&) const = default;
};

struct OptimSection {
  OptimizerName name = OptimizerName::adamw;
  double lr = 2e-5;  // TRL SFTConfig.learning_rate
  std::array<double, 2> betas = {0.9, 0.999};  // adamw
  double eps = 1e-8;                           // adamw
  double weight_decay = 0.0;                   // transformers' default (decoupled for adamw)
  double momentum = 0.0;                       // sgd
  double max_grad_norm = 1.0;                  // clip the global gradient norm; 0: no clipping
  bool operator==(const OptimSection&) const = default;
};

struct SchedulerSection {
  // transformers' lr_scheduler_type (see lr_scheduler_names()).
  std::string name = "linear";
  int64_t warmup_steps = 0;   // wins over warmup_ratio when > 0 (TrainingArguments.get_warmup_steps)
  double warmup_ratio = 0.0;  // fraction of the total optimizer steps
  bool operator==(const SchedulerSection&) const = default;
};

struct LoraSection {
  bool enabled = false;
  int64_t r = 8;         // PEFT LoraConfig defaults
  double alpha = 8.0;    // lora_alpha; scaling = alpha / r (alpha / sqrt(r) with use_rslora)
  double dropout = 0.0;  // lora_dropout
  // Globs over module names (`*`, `?`); a module is adapted when its full name or its last
  // component matches one. A single string in the file is a one-glob list.
  std::vector<std::string> target_modules = {"*_proj"};
  bool use_rslora = false;
  bool operator==(const LoraSection&) const = default;
};

struct SftRecipe {
  ModelSection model;
  DataSection data;
  TrainingSection training;
  OptimSection optim;
  SchedulerSection scheduler;
  LoraSection lora;

  // Where the recipe came from (a file path, or the name given to parse_recipe), and where
  // each key was last set: "recipe.yaml:12:3" or "--optim.lr". Keys left at their default
  // are absent. Used in error messages; not part of equality.
  std::string source;
  std::map<std::string, std::string> origin;

  bool operator==(const SftRecipe& o) const {
    return model == o.model && data == o.data && training == o.training && optim == o.optim &&
           scheduler == o.scheduler && lora == o.lora;
  }
};

// One command-line override: key "section.key", value YAML text.
struct RecipeOverride {
  std::string key;
  std::string value;
  bool operator==(const RecipeOverride&) const = default;
};

// Splits command-line words into overrides: "--optim.lr 2e-4" and "--optim.lr=2e-4". Every
// word must belong to an override (an unpaired "--key" or a stray value is an error).
std::vector<RecipeOverride> parse_override_args(const std::vector<std::string>& args);

// Reads the recipe file, applies the overrides in order, fills in the defaults that depend on
// other keys (data.shuffle_seed) and checks it (validate_recipe). Throws automodel::Error.
SftRecipe load_recipe(const std::filesystem::path& file, const std::vector<RecipeOverride>& overrides = {});
// The same from YAML text; `source` names it in errors (the file name for load_recipe).
SftRecipe parse_recipe(std::string_view yaml_text, const std::string& source,
                       const std::vector<RecipeOverride>& overrides = {});

// Applies overrides to a recipe, each value type-checked against its field; no cross-key
// checks (call validate_recipe after the last change).
void apply_overrides(SftRecipe& recipe, const std::vector<RecipeOverride>& overrides);

// The checks that involve ranges or several keys: required keys present, positive sizes,
// betas in [0, 1), warmup_ratio in [0, 1], a known scheduler, eval_every > 0 only with a
// validation file, LoRA rank/alpha/dropout/targets. The error names the key and where it was set.
void validate_recipe(const SftRecipe& recipe);

// The effective recipe as YAML: every key with its value (defaults included), in the section
// order above, under a comment header; parse_recipe of it gives back an equal recipe. Numbers
// are written so that YAML 1.1 readers (PyYAML) see floats too ("2.0e-05", "1.0").
std::string recipe_to_yaml(const SftRecipe& recipe);
// Writes recipe_to_yaml atomically to `path` (checkpoints keep it as recipe.yaml).
void save_recipe(const SftRecipe& recipe, const std::filesystem::path& path);

// Every "section.key" the schema knows, in file order (for --help texts).
std::vector<std::string> recipe_keys();
// transformers' lr_scheduler_type names accepted by scheduler.name.
const std::vector<std::string>& lr_scheduler_names();

// The options SftDataset takes from the data section.
SftDataOptions data_options(const DataSection& data);

// The number of optimizer steps a run makes, with transformers' Trainer arithmetic:
// max_steps when positive, else ceil(num_epochs * max(batches_per_epoch // accumulation, 1)).
int64_t total_optimizer_steps(const SftRecipe& recipe, int64_t batches_per_epoch);

std::string_view to_string(TorchDtype dtype);      // "float32", "bfloat16", "auto"
std::string_view to_string(OptimizerName name);    // "adamw", "sgd"

inline constexpr const char* kRecipeFileName = "recipe.yaml";

}  // namespace automodel::recipes
