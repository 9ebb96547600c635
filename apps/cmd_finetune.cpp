// automodel finetune -c recipe.yaml [--resume] [--section.key value ...]: the SFT recipe
// (include/automodel/recipes/sft_trainer.h). Any `--a.b value` after the options overrides the
// recipe's key a.b (the value is parsed as YAML and type-checked against the key).
#include <iostream>

#include "automodel/recipes/recipe_config.h"
#include "automodel/recipes/sft_trainer.h"
#include "command.h"

namespace automodel::cli {
namespace {

struct FinetuneOptions {
  std::string config;
  bool resume = false, no_progress = false;
};

void run_finetune(const FinetuneOptions& o, const std::vector<std::string>& extras) {
  const auto overrides = recipes::parse_override_args(extras);
  const recipes::SftRecipe recipe = recipes::load_recipe(o.config, overrides);
  recipes::SftRunOptions ro;
  ro.resume = o.resume;
  ro.progress = !o.no_progress;
  const recipes::SftResult r = recipes::run_sft(recipe, ro);
  std::cout << "finetune: " << r.steps << " steps, last loss " << r.last_loss;
  if (r.eval_loss) std::cout << ", eval loss " << *r.eval_loss;
  std::cout << ", " << r.tokens_per_second << " tokens/s\n";
  std::cout << "finetune: saved " << (recipe.lora.enabled ? "the adapter (PEFT layout)" : "the model (HF layout)")
            << " to " << r.final_dir.string() << "\n";
}

void setup(CLI::App& parent) {
  auto opts = std::make_shared<FinetuneOptions>();
  CLI::App* cmd = parent.add_subcommand(
      "finetune", "supervised fine-tuning (full or LoRA) driven by a YAML recipe; --section.key value overrides a key");
  cmd->add_option("-c,--config", opts->config, "the recipe (YAML)")->required();
  cmd->add_flag("--resume", opts->resume, "continue from the newest complete checkpoint in training.output_dir");
  cmd->add_flag("--no-progress", opts->no_progress, "no progress bar");
  cmd->allow_extras();
  cmd->callback([opts, cmd] { run_finetune(*opts, cmd->remaining()); });
}

AUTOMODEL_COMMAND("finetune", setup);

}  // namespace
}  // namespace automodel::cli
