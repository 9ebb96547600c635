// automodel convert <in> <out> [--dtype bf16] [--max-shard-size 2GB]: load a model (local folder
// or Hub id) and write it back with save_pretrained — in another dtype (round to nearest even),
// sharded or unsharded — plus its tokenizer. The result loads in transformers unchanged.
#include <filesystem>
#include <iostream>

#include "automodel/core/error.h"
#include "automodel/hub/resolve.h"
#include "automodel/hub/save_pretrained.h"
#include "automodel/models/auto_model.h"
#include "automodel/models/sequence_classification.h"
#include "automodel/tokenizers/auto_tokenizer.h"
#include "cli_common.h"
#include "command.h"

namespace automodel::cli {
namespace {

namespace fs = std::filesystem;

struct ConvertOptions {
  std::string input, output, dtype, max_shard_size = "5GB";
  bool no_tokenizer = false;
};

// Files that make a folder hold a tokenizer.
bool has_tokenizer_files(const fs::path& dir) {
  for (const char* f : {"tokenizer.json", "tokenizer.model", "tokenizer_config.json", "vocab.json", "vocab.txt"})
    if (fs::exists(dir / f)) return true;
  return false;
}

bool is_sequence_classification(const json& config) {
  if (!config.contains("architectures") || !config["architectures"].is_array() || config["architectures"].empty())
    return false;
  const auto& a = config["architectures"][0];
  return a.is_string() && a.get<std::string>().find("ForSequenceClassification") != std::string::npos;
}

void run_convert(const ConvertOptions& o) {
  SaveOptions save;
  save.max_shard_size = o.max_shard_size;
  parse_shard_size(o.max_shard_size);  // a bad size fails before anything is loaded
  if (!o.dtype.empty()) {
    const auto d = dtype_from_string(o.dtype);
    AM_CHECK(d && (*d == DType::F32 || *d == DType::BF16 || *d == DType::F16), "convert: --dtype '", o.dtype,
             "' is not one of float32 (f32, fp32), bfloat16 (bf16), float16 (f16, fp16)");
    save.dtype = *d;
  }
  std::error_code ec;
  fs::path folder;
  if (fs::is_directory(o.input, ec)) {
    folder = o.input;
  } else {
    AM_CHECK(!fs::exists(o.input, ec), "convert: ", o.input, " is a file; expected a model folder or a Hub repo id");
    folder = resolve_model(o.input, ResolveOptions{});
  }
  AM_CHECK(fs::exists(folder / "config.json"), "convert: ", folder.string(),
           " has no config.json (not a Hugging Face model folder)");

  FromPretrainedOptions load;
  load.torch_dtype = "auto";  // keep the checkpoint's dtype unless --dtype says otherwise
  const json config = read_json_file(folder / "config.json");
  SavedModel saved;
  std::string architecture;
  if (is_sequence_classification(config)) {
    auto model = AutoModelForSequenceClassification::from_pretrained(folder.string(), load);
    ModelToSave m;
    m.config = model->config_json();
    m.generative = false;
    m.architecture = architecture = model->architecture();
    m.dtype = model->compute_dtype();
    m.parameters = model->named_parameters();
    saved = save_pretrained_model(o.output, m, save);
  } else {
    auto model = AutoModelForCausalLM::from_pretrained(folder.string(), load);
    architecture = model->architecture();
    saved = model->save_pretrained(o.output, save);
  }
  std::cout << "wrote " << architecture << " (" << dtype_name(saved.dtype) << ", " << human_bytes(saved.weights.total_size)
            << " in " << saved.weights.files.size() << (saved.weights.sharded ? " shards + index" : " file") << ") to "
            << saved.folder.string() << "\n";

  if (o.no_tokenizer || !has_tokenizer_files(folder)) return;
  auto tokenizer = AutoTokenizer::from_pretrained(folder.string());
  const auto files = tokenizer.save_pretrained(o.output);
  std::string list;
  for (const auto& f : files) list += (list.empty() ? "" : ", ") + f;
  std::cout << "wrote tokenizer: " << list << "\n";
}

void setup(CLI::App& parent) {
  auto opts = std::make_shared<ConvertOptions>();
  CLI::App* cmd = parent.add_subcommand(
      "convert", "load a model and save it again (HF save_pretrained): change dtype, shard or unshard; copies the tokenizer");
  cmd->add_option("input", opts->input, "model folder or Hugging Face repo id")->required();
  cmd->add_option("output", opts->output, "output folder (created; an existing folder keeps its other files)")->required();
  cmd->add_option("--dtype", opts->dtype, "save weights as float32, bfloat16 (bf16) or float16 (fp16); default: as stored");
  cmd->add_option("--max-shard-size", opts->max_shard_size,
                  "largest shard, like transformers: 5GB (default), 2GB, 500MB, 10GiB or bytes");
  cmd->add_flag("--no-tokenizer", opts->no_tokenizer, "do not write the tokenizer files");
  cmd->callback([opts] { run_convert(*opts); });
}

AUTOMODEL_COMMAND("convert", setup);

}  // namespace
}  // namespace automodel::cli
