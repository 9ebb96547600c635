// The SFT training loop of `automodel finetune`: a recipe (recipe_config.h) in, a fine-tuned
// model (or PEFT adapter) out, with checkpoints that resume bit-identically.
//
// One optimizer step = gradient_accumulation_steps micro-batches; the loss of a step is the sum
// of the token cross-entropies of its micro-batches divided by their total count of trained
// label tokens (transformers' num_items_in_batch), so accumulation equals one large batch.
// Then: clip by global norm (optim.max_grad_norm > 0), optimizer step, LR scheduler step,
// gradients dropped.
//
// Output folder (training.output_dir):
//   training.jsonl        one JSON record per log_every steps ({"step", "epoch", "loss",
//                         "grad_norm", "learning_rate", "tokens_per_second", ...}) and per
//                         validation pass ({"step", "eval_loss", ...})
//   checkpoint-<step>/    every save_every steps: model/ (HF layout, loadable by transformers)
//                         or adapter/ (PEFT layout), optimizer.safetensors + optimizer.json,
//                         scheduler.json, trainer_state.json (step, data position, RNG
//                         states, dataset fingerprint), recipe.yaml
//   final/                the model (save_pretrained + the tokenizer) or the adapter
// A checkpoint is assembled in a hidden temporary folder and renamed into place only when
// complete, so a run killed at any moment (SIGKILL mid-save included) leaves either a complete
// checkpoint-<step> or none; temporaries of a killed run are removed by the next run.
// `resume` continues from the newest checkpoint: model weights, optimizer state (float32 master
// weights included), scheduler, data position and LoRA dropout RNG are restored, so a stopped
// and resumed run ends with the same weights as an uninterrupted one, bit for bit.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>

#include "automodel/hub/json_file.h"
#include "automodel/recipes/recipe_config.h"

namespace automodel::recipes {

struct SftRunOptions {
  bool resume = false;  // continue from the newest complete checkpoint-<step> in output_dir
  bool progress = true;  // a one-line progress bar on stderr when it is a terminal
  // Called with every training.jsonl record as it is written.
  std::function<void(const json&)> on_record;
  // Testing hooks. stop_after_steps: return after this many optimizer steps as if the process
  // had been killed (no final save). exit_during_save_at_step: std::_Exit(137) half-way through
  // writing that step's checkpoint (after the model files, before it is complete).
  std::optional<int64_t> stop_after_steps;
  std::optional<int64_t> exit_during_save_at_step;
};

struct SftResult {
  int64_t steps = 0;        // optimizer steps completed (resumed ones included)
  int64_t start_step = 0;   // the checkpoint step a resumed run started from (0: fresh)
  double last_loss = 0;     // loss of the last step
  std::optional<double> eval_loss;  // the last validation loss
  double tokens_per_second = 0;     // over the steps this run took
  std::filesystem::path final_dir;  // empty when stopped early
};

SftResult run_sft(const SftRecipe& recipe, const SftRunOptions& options = {});

// The newest complete checkpoint-<step> folder of output_dir (nullopt: none).
std::optional<std::filesystem::path> latest_checkpoint(const std::filesystem::path& output_dir);

}  // namespace automodel::recipes
