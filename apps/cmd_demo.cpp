// automodel demo: from nothing to a fine-tuned model that answers held-out prompts, with no
// downloads (include/automodel/recipes/demo.h). README command (1) runs it.
#include <iostream>

#include "automodel/recipes/demo.h"
#include "command.h"

namespace automodel::cli {
namespace {

void setup(CLI::App& parent) {
  auto opts = std::make_shared<recipes::DemoOptions>();
  auto dir = std::make_shared<std::string>(opts->dir.string());
  CLI::App* cmd = parent.add_subcommand(
      "demo", "build a small Llama and tokenizer, fine-tune it on a word-reversal task, reload it and measure accuracy");
  cmd->add_option("--dir", *dir, "working folder (replaced)")->capture_default_str();
  cmd->add_option("--steps", opts->max_steps, "optimizer steps")->capture_default_str();
  cmd->add_option("--seed", opts->seed, "seed of the model, the task and the data order")->capture_default_str();
  cmd->callback([opts, dir] {
    opts->dir = *dir;
    const recipes::DemoResult r = recipes::run_demo(*opts);
    if (r.accuracy_after <= r.accuracy_before)
      throw std::runtime_error("demo: fine-tuning did not improve held-out accuracy");
  });
}

AUTOMODEL_COMMAND("demo", setup);

}  // namespace
}  // namespace automodel::cli
