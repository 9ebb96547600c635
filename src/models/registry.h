// The family registry: each family file registers the architecture names it serves, its
// model_type, a builder (config + parameters -> DecoderModel) and its HF config defaults.
// The same builder serves the family's `*ForSequenceClassification` class (Head::kNone: the
// decoder body without its LM head; decoder_classifier.cpp adds the `score` head).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "automodel/models/auto_model.h"
#include "automodel/nn/var_builder.h"
#include "decoder.h"

namespace automodel::models {

struct Family {
  std::string model_type;
  std::vector<std::string> architectures;
  // The family's HF sequence-classification class (empty when transformers 4.47 has none:
  // OLMo, OLMo2).
  std::string seq_cls_architecture;
  // Builds the model; `what` names the config file in errors. With Head::kNone no LM head is
  // read (DecoderModel::lm_head stays undefined).
  std::function<DecoderModel(const json& config, const VarBuilder& root, DType compute, const std::string& what,
                             Head head)>
      build;
  // HF's config defaults for this model_type with `sizes` applied (for `automodel init`).
  std::function<json(const InitSizes& sizes)> default_config;
};

// One function per family file (explicit list: static registration would be dropped by the
// linker from a static library).
Family llama_family();
Family mistral_family();
Family qwen2_family();
Family gemma_family();
Family gemma2_family();
Family phi3_family();
Family mixtral_family();
Family gpt2_family();
Family gpt_neox_family();
Family olmo_family();
Family olmo2_family();
Family stablelm_family();

// Every registered family.
const std::vector<Family>& families();

}  // namespace automodel::models
