// automodel init --arch <model_type> <dir>: writes a random-weight model of any supported
// family, like HF's `AutoModelForCausalLM.from_config(config)` + `save_pretrained(dir)`:
// config.json (the family's HF defaults with the requested sizes), generation_config.json and
// model.safetensors initialised as the family's `_init_weights` does. The folder loads back
// with from_pretrained (here and in transformers).
#include <filesystem>
#include <iostream>
#include <map>

#include "automodel/core/error.h"
#include "automodel/models/auto_model.h"
#include "command.h"

namespace automodel::cli {
namespace {

namespace fs = std::filesystem;

struct InitOptions {
  std::string arch, dir, preset = "tiny", dtype = "float32";
  InitSizes sizes;
  uint64_t seed = 0;
  bool force = false;
};

// Named size presets; "hf-default" keeps the family's full-size HF defaults.
const std::map<std::string, InitSizes>& presets() {
  static const std::map<std::string, InitSizes> p = {
      {"tiny", {64, 2, 4, 2, 128, 512, 256}},
      {"134m", {768, 12, 12, 12, 2048, 32000, 2048}},
      {"tinyllama-1.1b", {2048, 22, 32, 4, 5632, 32000, 2048}},
      {"hf-default", {}},
  };
  return p;
}

void run_init(const InitOptions& o) {
  auto it = presets().find(o.preset);
  if (it == presets().end()) fail("init: unknown --preset '", o.preset, "' (tiny, 134m, tinyllama-1.1b, hf-default)");
  InitSizes s = it->second;
  auto take = [](int64_t v, int64_t& dst) {
    if (v) dst = v;
  };
  take(o.sizes.hidden_size, s.hidden_size);
  take(o.sizes.num_layers, s.num_layers);
  take(o.sizes.num_heads, s.num_heads);
  take(o.sizes.num_kv_heads, s.num_kv_heads);
  take(o.sizes.intermediate_size, s.intermediate_size);
  take(o.sizes.vocab_size, s.vocab_size);
  take(o.sizes.max_position_embeddings, s.max_position_embeddings);
  if (o.sizes.num_heads && !o.sizes.num_kv_heads) s.num_kv_heads = o.sizes.num_heads;
  if (o.arch == "gpt2" || o.arch == "gpt_neox") s.num_kv_heads = 0;  // no GQA in these families
  const auto dtype = dtype_from_string(o.dtype);
  AM_CHECK(dtype && (*dtype == DType::F32 || *dtype == DType::BF16 || *dtype == DType::F16), "init: --dtype '", o.dtype,
           "' is not float32, bfloat16 or float16");
  std::error_code ec;
  if (fs::exists(o.dir, ec) && !fs::is_empty(o.dir, ec) && !o.force)
    fail("init: ", o.dir, " exists and is not empty (use --force to write into it)");
  const json config = default_causal_lm_config(o.arch, s);
  const int64_t params = write_random_causal_lm(config, o.dir, o.seed, *dtype);
  std::cout << "wrote " << config["architectures"][0].get<std::string>() << " (" << o.arch << ", " << params
            << " parameters, " << o.dtype << ") to " << o.dir << "\n";
}

void setup(CLI::App& parent) {
  auto opts = std::make_shared<InitOptions>();
  CLI::App* cmd = parent.add_subcommand("init", "write a random-weight model of a supported family (HF from_config + save_pretrained)");
  std::string types;
  for (const auto& t : AutoModelForCausalLM::supported_model_types()) types += (types.empty() ? "" : ", ") + t;
  cmd->add_option("--arch", opts->arch, "model_type: " + types)->required();
  cmd->add_option("dir", opts->dir, "output folder")->required();
  cmd->add_option("--preset", opts->preset, "sizes: tiny (default), 134m, tinyllama-1.1b, hf-default");
  cmd->add_option("--hidden-size", opts->sizes.hidden_size, "hidden size");
  cmd->add_option("--layers", opts->sizes.num_layers, "number of layers");
  cmd->add_option("--heads", opts->sizes.num_heads, "attention heads");
  cmd->add_option("--kv-heads", opts->sizes.num_kv_heads, "key/value heads (GQA)");
  cmd->add_option("--intermediate-size", opts->sizes.intermediate_size, "MLP intermediate size");
  cmd->add_option("--vocab-size", opts->sizes.vocab_size, "vocabulary size");
  cmd->add_option("--max-positions", opts->sizes.max_position_embeddings, "max_position_embeddings");
  cmd->add_option("--dtype", opts->dtype, "float32 (default), bfloat16, float16");
  cmd->add_option("--seed", opts->seed, "random seed (default 0)");
  cmd->add_flag("--force", opts->force, "write into a non-empty folder");
  cmd->callback([opts] { run_init(*opts); });
}

AUTOMODEL_COMMAND("init", setup);

}  // namespace
}  // namespace automodel::cli
