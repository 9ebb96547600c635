// automodel merge-lora <base> <adapter> <out> [--dtype bf16] [--max-shard-size 2GB]: load a base
// causal LM and a PEFT LoRA adapter (adapter_config.json + adapter_model.safetensors), merge
// W += scaling * B @ A into the base weights (PEFT's merge_and_unload) and write a plain model
// with save_pretrained, plus the tokenizer (the adapter folder's if it has one, else the
// base's). The result loads in transformers without PEFT.
#include <filesystem>
#include <iostream>

#include "automodel/core/error.h"
#include "automodel/hub/resolve.h"
#include "automodel/hub/save_pretrained.h"
#include "automodel/models/lora.h"
#include "automodel/tokenizers/auto_tokenizer.h"
#include "command.h"

namespace automodel::cli {
namespace {

namespace fs = std::filesystem;

struct MergeLoraOptions {
  std::string base, adapter, output, dtype, max_shard_size = "5GB";
  bool no_tokenizer = false;
};

bool has_tokenizer_files(const fs::path& dir) {
  for (const char* f : {"tokenizer.json", "tokenizer.model", "tokenizer_config.json", "vocab.json", "vocab.txt"})
    if (fs::exists(dir / f)) return true;
  return false;
}

fs::path model_folder(const std::string& id_or_path, const char* what) {
  std::error_code ec;
  if (fs::is_directory(id_or_path, ec)) return id_or_path;
  AM_CHECK(!fs::exists(id_or_path, ec), "merge-lora: ", what, " ", id_or_path,
           " is a file; expected a folder or a Hub repo id");
  return resolve_model(id_or_path, ResolveOptions{});
}

void run_merge_lora(const MergeLoraOptions& o) {
  SaveOptions save;
  save.max_shard_size = o.max_shard_size;
  parse_shard_size(o.max_shard_size);  // a bad size fails before anything is loaded
  if (!o.dtype.empty()) {
    const auto d = dtype_from_string(o.dtype);
    AM_CHECK(d && (*d == DType::F32 || *d == DType::BF16 || *d == DType::F16), "merge-lora: --dtype '", o.dtype,
             "' is not one of float32 (f32, fp32), bfloat16 (bf16), float16 (f16, fp16)");
    save.dtype = *d;
  }
  std::error_code ec;
  AM_CHECK(fs::is_directory(o.adapter, ec), "merge-lora: adapter folder '", o.adapter, "' does not exist");
  const fs::path base = model_folder(o.base, "base model");
  AM_CHECK(fs::absolute(o.output) != fs::absolute(o.adapter), "merge-lora: the output folder is the adapter folder");

  FromPretrainedOptions load;
  load.torch_dtype = "auto";  // merge in the checkpoint's dtype unless --dtype says otherwise
  auto model = load_peft_model(base.string(), o.adapter, load);
  const size_t adapters = model->lora()->modules().size();
  merge_lora(*model);
  const SavedModel saved = model->save_pretrained(o.output, save);
  std::cout << "merged " << adapters << " LoRA adapters into " << model->architecture() << " ("
            << dtype_name(saved.dtype) << ", " << saved.weights.files.size()
            << (saved.weights.sharded ? " shards + index" : " file") << ") -> " << saved.folder.string() << "\n";

  if (o.no_tokenizer) return;
  const fs::path tokenizer_dir = has_tokenizer_files(o.adapter) ? fs::path(o.adapter) : base;
  if (!has_tokenizer_files(tokenizer_dir)) return;
  const auto files = AutoTokenizer::from_pretrained(tokenizer_dir.string()).save_pretrained(o.output);
  std::string list;
  for (const auto& f : files) list += (list.empty() ? "" : ", ") + f;
  std::cout << "wrote tokenizer: " << list << "\n";
}

void setup(CLI::App& parent) {
  auto opts = std::make_shared<MergeLoraOptions>();
  CLI::App* cmd = parent.add_subcommand(
      "merge-lora", "merge a PEFT LoRA adapter into its base model and save the result (PEFT merge_and_unload + save_pretrained)");
  cmd->add_option("base", opts->base, "base model folder or Hugging Face repo id")->required();
  cmd->add_option("adapter", opts->adapter, "adapter folder (adapter_config.json + adapter_model.safetensors)")->required();
  cmd->add_option("output", opts->output, "output folder (created; an existing folder keeps its other files)")->required();
  cmd->add_option("--dtype", opts->dtype, "save weights as float32, bfloat16 (bf16) or float16 (fp16); default: the base's");
  cmd->add_option("--max-shard-size", opts->max_shard_size,
                  "largest shard, like transformers: 5GB (default), 2GB, 500MB, 10GiB or bytes");
  cmd->add_flag("--no-tokenizer", opts->no_tokenizer, "do not write the tokenizer files");
  cmd->callback([opts] { run_merge_lora(*opts); });
}

AUTOMODEL_COMMAND("merge-lora", setup);

}  // namespace
}  // namespace automodel::cli
