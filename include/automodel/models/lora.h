// LoRA adapters of a causal LM in Hugging Face PEFT's on-disk layout (peft 0.13):
//
//   adapter_config.json        the LoraConfig dict (peft_type "LORA", task_type "CAUSAL_LM", r,
//                              lora_alpha, target_modules, ...; keys sorted, 2-space indent)
//   adapter_model.safetensors  base_model.model.<module>.lora_A.weight [r, in] and
//                              base_model.model.<module>.lora_B.weight [out, r]
//
// Enabling LoRA for training: FromPretrainedOptions::lora (auto_model.h) or, for a model built
// from a store, ParameterStore::set_lora before AutoModelForCausalLM::from_config; the model's
// lora()->parameters() are then the tensors to train.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "automodel/models/auto_model.h"
#include "automodel/nn/lora.h"

namespace automodel {

inline constexpr const char* kAdapterConfigFile = "adapter_config.json";
inline constexpr const char* kAdapterWeightsFile = "adapter_model.safetensors";
// PEFT's prefix of adapter tensor names (PeftModel -> LoraModel -> the transformers model).
inline constexpr const char* kPeftTensorPrefix = "base_model.model.";

// The adapter_config.json PEFT 0.13 writes for these adapters (every LoraConfig field).
// target_modules: the regex string when the config used one, else the plain module names
// the adapted modules end with (globs resolved), sorted, or, when such names would select
// other modules too, a regex matching exactly the adapted ones.
json peft_adapter_config(const nn::LoraAdapters& lora);

// Reads an adapter_config.json dict (as PEFT writes it, or a subset: PEFT tolerates missing
// keys) into a LoraConfig. Throws naming `what` and the key for anything automodel cannot apply
// exactly: another peft_type, use_dora, bias other than "none", modules_to_save, rank_pattern /
// alpha_pattern, layer_replication, a null target_modules.
nn::LoraConfig lora_config_from_peft(const json& config, const std::string& what);

struct SavedAdapter {
  std::filesystem::path folder;
  std::vector<std::string> tensor_names;  // as written, with the base_model.model. prefix
};

// PeftModel.save_pretrained: adapter_config.json + adapter_model.safetensors written into a
// staged folder that replaces `dir` atomically. Throws when the model has no adapters.
SavedAdapter save_adapter(const CausalLM& model, const std::filesystem::path& dir);

// Copies the tensors of `adapter_dir`/adapter_model.safetensors into the model's adapters
// (converted to float32). Every adapter tensor must be present with its shape and the file must
// hold nothing else; errors name the tensor and the file.
void load_adapter_weights(CausalLM& model, const std::filesystem::path& adapter_dir);

// PeftModel.from_pretrained(AutoModelForCausalLM.from_pretrained(base), adapter_dir): loads the
// base with the adapter's LoraConfig (options.lora is replaced) and then its weights.
std::unique_ptr<CausalLM> load_peft_model(const std::string& base, const std::filesystem::path& adapter_dir,
                                          FromPretrainedOptions options = {});

// merge_and_unload(): W += scaling * B @ A into the base weights (float32, rounded once to W's
// dtype); the model is then a plain model (lora() is null) that save_pretrained writes in HF
// layout.
void merge_lora(CausalLM& model);

}  // namespace automodel
