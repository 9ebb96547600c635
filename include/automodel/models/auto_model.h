// AutoModelForCausalLM: load an unmodified Hugging Face causal-LM repository (config.json,
// generation_config.json, safetensors single file or shards) from a local folder or the Hub
// cache, picking the family from config.architectures[0] (fallback: model_type).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "automodel/core/device.h"
#include "automodel/models/causal_lm.h"
#include "automodel/nn/lora.h"

namespace automodel {

class VarBuilder;

struct FromPretrainedOptions {
  // Like transformers v4: "float32" (default, also "float"), "auto" (the checkpoint's dtype:
  // config.json torch_dtype, else the dtype of most weight bytes), "bfloat16", "float16".
  // Weights stay in their stored dtype when the kernels can widen them exactly (bf16/f16
  // checkpoint, float32 compute); otherwise they are converted once at load, as HF does.
  std::string torch_dtype = "float32";
  std::string device = "cpu";
  std::string revision = "main";
  bool local_files_only = false;
  // PEFT's get_peft_model at load time: every targeted linear gets a fresh LoRA adapter
  // (CausalLM::lora()); base parameters are left as loaded (nothing requires grad).
  std::optional<nn::LoraConfig> lora;
};

class AutoModelForCausalLM {
 public:
  static std::unique_ptr<CausalLM> from_pretrained(const std::string& id_or_path,
                                                   const FromPretrainedOptions& options = {});
  // Builds the model of `config` with parameters from `vb` (a checkpoint or a creating store).
  static std::unique_ptr<CausalLM> from_config(const json& config, const VarBuilder& vb, DType compute_dtype,
                                               const json& generation_config = json(),
                                               const std::string& what = "config.json");
  // Architecture names (config.architectures[0]) and model_types the registry knows.
  static std::vector<std::string> supported_architectures();
  static std::vector<std::string> supported_model_types();
};

// Sizes for a new random model (`automodel init`); 0 keeps the family's HF default.
struct InitSizes {
  int64_t hidden_size = 0, num_layers = 0, num_heads = 0, num_kv_heads = 0, intermediate_size = 0, vocab_size = 0;
  int64_t max_position_embeddings = 0;
};

// config.json of a new `model_type` model with the family's HF defaults and `sizes` applied.
json default_causal_lm_config(const std::string& model_type, const InitSizes& sizes);

// Writes a random-weight model like HF's `AutoModelForCausalLM.from_config(config)` followed
// by `save_pretrained(dir)`: config.json, generation_config.json, model.safetensors, weights
// initialised as the family's `_init_weights` does. Returns the number of parameters.
int64_t write_random_causal_lm(const json& config, const std::filesystem::path& dir, uint64_t seed,
                               DType dtype = DType::F32);

}  // namespace automodel
