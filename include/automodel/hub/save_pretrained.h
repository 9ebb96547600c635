// Writing a model folder the way transformers 4.47's `PreTrainedModel.save_pretrained` does,
// from a parameter list: every model kind (causal LM, sequence classification, ...) saves through
// this one function.
//
// What is written (into a staged folder swapped in at the end, see staged_folder.h):
//  * config.json: the loaded config with every key kept; `architectures` = [the model class],
//    `torch_dtype` = the saved dtype, `transformers_version` = "4.47.1"; keys sorted, 2-space
//    indent, ASCII-escaped (Python's json.dumps(indent=2, sort_keys=True)).
//  * generation_config.json (generative models): the loaded one with `transformers_version`
//    restamped, or, when the model had none, the one transformers derives from config.json
//    (`_from_model_config`, bos/eos/pad ids).
//  * the weights: `model.safetensors`, or `model-0000i-of-0000N.safetensors` +
//    `model.safetensors.index.json` when they exceed max_shard_size (huggingface_hub's greedy
//    split in state-dict order; metadata {"format": "pt"}).
// Files of an existing target folder that this save does not write are kept (as transformers
// does), except weight files of an older save (`model.safetensors`, its index and shards).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "automodel/core/dtype.h"
#include "automodel/hub/json_file.h"
#include "automodel/hub/safetensors.h"

namespace automodel {

// The version string written into config.json / generation_config.json: the transformers
// release whose formats and semantics automodel reproduces.
inline constexpr const char* kTransformersVersionStamp = "4.47.1";

struct SaveOptions {
  // transformers' max_shard_size: "5GB" (v4 default), "2GB", "500MB", "50KB", "10GiB" or a
  // plain number of bytes ("1000000").
  std::string max_shard_size = "5GB";
  // Convert floating-point weights to this dtype (round to nearest even, as torch's .to());
  // nullopt saves them in the model's dtype. config.json torch_dtype follows.
  std::optional<DType> dtype;
  // safetensors (true) is the only format written; false (PyTorch pickle files) is refused
  // with an error, since automodel writes no pickle files.
  bool safe_serialization = true;
};

struct ModelToSave {
  json config;             // config.json as loaded (every key)
  json generation_config;  // generation_config.json as loaded; null: derive from config (if generative)
  bool generative = true;  // transformers writes generation_config.json only for models that can generate()
  std::string architecture;  // the model class name ("LlamaForCausalLM")
  DType dtype = DType::F32;  // the model's parameter dtype (what torch_dtype says without a conversion)
  // Parameters under their HF state-dict names in state-dict order and HF layout; tied weights
  // once (only the tensor the others are tied to).
  NamedTensors parameters;
};

struct SavedModel {
  std::filesystem::path folder;
  SavedCheckpoint weights;
  DType dtype = DType::F32;  // the dtype written (torch_dtype)
};

SavedModel save_pretrained_model(const std::filesystem::path& dir, const ModelToSave& model,
                                 const SaveOptions& options = {});

// The config.json / generation_config.json values save_pretrained_model writes (exposed for
// tests and for savers of other artifacts).
json saved_config_json(const json& config, const std::string& architecture, DType dtype);
json saved_generation_config_json(const json& generation_config, const json& config);
// Python's json.dumps(value, indent=2, sort_keys=True[, ensure_ascii]) + "\n".
std::string python_json_dumps(const json& value, bool ensure_ascii);

}  // namespace automodel
