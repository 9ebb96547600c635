// save_pretrained_model: config.json, generation_config.json and safetensors weights, written
// like transformers 4.47's PreTrainedModel.save_pretrained into a staged folder.
#include "automodel/hub/save_pretrained.h"

#include <algorithm>
#include <regex>

#include "automodel/core/error.h"
#include "automodel/hub/staged_folder.h"

namespace automodel {

namespace fs = std::filesystem;

namespace {

// PretrainedConfig._get_global_generation_defaults (transformers 4.47): generation parameters
// that a config.json may still carry from older versions.
const std::vector<std::pair<const char*, json>>& global_generation_defaults() {
  static const std::vector<std::pair<const char*, json>> d = {
      {"max_length", 20},           {"min_length", 0},
      {"do_sample", false},         {"early_stopping", false},
      {"num_beams", 1},             {"num_beam_groups", 1},
      {"diversity_penalty", 0.0},   {"temperature", 1.0},
      {"top_k", 50},                {"top_p", 1.0},
      {"typical_p", 1.0},           {"repetition_penalty", 1.0},
      {"length_penalty", 1.0},      {"no_repeat_ngram_size", 0},
      {"encoder_no_repeat_ngram_size", 0}, {"bad_words_ids", nullptr},
      {"num_return_sequences", 1},  {"output_scores", false},
      {"return_dict_in_generate", false}, {"forced_bos_token_id", nullptr},
      {"forced_eos_token_id", nullptr},   {"remove_invalid_values", false},
      {"exponential_decay_length_penalty", nullptr}, {"suppress_tokens", nullptr},
      {"begin_suppress_tokens", nullptr}};
  return d;
}

// Generation parameters config.json sets to a non-default value (None counts as unset).
std::vector<std::string> misplaced_generation_parameters(const json& config) {
  std::vector<std::string> out;
  for (const auto& [name, def] : global_generation_defaults()) {
    auto it = config.find(name);
    if (it != config.end() && !it->is_null() && *it != def) out.push_back(name);
  }
  return out;
}

// Weight files of a save in either layout (model.safetensors, its index, its shards).
bool is_weight_file(const std::string& name) {
  static const std::regex shard(R"(model-\d{5}-of-\d{5}\.safetensors)");
  return name == "model.safetensors" || name == "model.safetensors.index.json" || std::regex_match(name, shard);
}

}  // namespace

std::string python_json_dumps(const json& value, bool ensure_ascii) {
  // nlohmann::json (not ordered) keeps object keys sorted by their UTF-8 bytes, which is the
  // code-point order Python's sort_keys uses.
  const nlohmann::json sorted = nlohmann::json::parse(value.dump());
  return sorted.dump(2, ' ', ensure_ascii) + "\n";
}

json saved_config_json(const json& config, const std::string& architecture, DType dtype) {
  AM_CHECK(config.is_object(), "save_pretrained: config must be a JSON object, found ", json_type_name(config));
  json out = config;
  if (!architecture.empty()) out["architectures"] = json::array({architecture});
  out["torch_dtype"] = std::string(dtype_name(dtype));
  out["transformers_version"] = kTransformersVersionStamp;
  // transformers moves generation parameters left in config.json to generation_config.json and
  // sets them to None in the config (see saved_generation_config_json).
  for (const auto& name : misplaced_generation_parameters(config)) out[name] = nullptr;
  return out;
}

json saved_generation_config_json(const json& generation_config, const json& config) {
  json out;
  if (generation_config.is_object()) {
    out = generation_config;
  } else {
    // GenerationConfig.from_model_config: the config's special ids (None dropped); other
    // generation fields at their defaults are not written (to_diff_dict).
    out = json::object();
    out["_from_model_config"] = true;
    for (const char* key : {"bos_token_id", "decoder_start_token_id", "eos_token_id", "pad_token_id"})
      if (config.is_object() && config.contains(key) && !config[key].is_null()) out[key] = config[key];
  }
  if (config.is_object())
    for (const auto& name : misplaced_generation_parameters(config)) out[name] = config[name];
  out["transformers_version"] = kTransformersVersionStamp;
  return out;
}

SavedModel save_pretrained_model(const fs::path& dir, const ModelToSave& model, const SaveOptions& options) {
  AM_CHECK(options.safe_serialization, "save_pretrained: safe_serialization=false asks for PyTorch pickle files ",
           "(pytorch_model.bin), which automodel does not write; safetensors files load everywhere transformers does");
  const uint64_t max_shard = parse_shard_size(options.max_shard_size);
  AM_CHECK(!model.parameters.empty(), "save_pretrained: the model has no parameters to save");
  const DType dtype = options.dtype.value_or(model.dtype);
  AM_CHECK(dtype == DType::F32 || dtype == DType::BF16 || dtype == DType::F16, "save_pretrained: dtype ",
           dtype_name(dtype), " is not one of float32, bfloat16, float16");

  // Every floating tensor in the saved dtype (torch's .to(): round to nearest even).
  NamedTensors tensors;
  tensors.reserve(model.parameters.size());
  for (const auto& [name, t] : model.parameters) {
    AM_CHECK(t.defined(), "save_pretrained: parameter '", name, "' is undefined");
    tensors.emplace_back(name, dtype_info(t.dtype()).is_floating && t.dtype() != dtype ? t.to(dtype) : t);
  }

  const json config = saved_config_json(model.config, model.architecture, dtype);
  StagedFolder staged(dir);
  SavedModel saved;
  saved.folder = staged.target();
  saved.dtype = dtype;
  saved.weights = save_safetensors_sharded(staged.path(), tensors, max_shard, {{"format", "pt"}});
  if (model.generative)
    write_file_atomic(staged.path() / "generation_config.json",
                      python_json_dumps(saved_generation_config_json(model.generation_config, model.config), true));
  write_file_atomic(staged.path() / "config.json", python_json_dumps(config, true));
  staged.commit([&](const std::string& name) {
    // Weights of an older save never mix with these; a generation config of an older save
    // is kept only by a non-generative save (transformers leaves it too).
    return is_weight_file(name);
  });
  return saved;
}

}  // namespace automodel
