// CausalLM::save_pretrained: the model's recorded parameters through the shared writer.
#include "automodel/models/causal_lm.h"

#include "automodel/core/error.h"

namespace automodel {

SavedModel CausalLM::save_pretrained(const std::filesystem::path& dir, const SaveOptions& options) const {
  AM_CHECK(!parameters_.empty(), "save_pretrained(", dir.string(),
           "): this model has no recorded parameters (it was not built by AutoModelForCausalLM)");
  ModelToSave m;
  m.config = config_json();
  m.generation_config = generation_config_json();
  m.generative = true;
  m.architecture = architecture_;
  m.dtype = dtype_;
  m.parameters = parameters_;
  return save_pretrained_model(dir, m, options);
}

}  // namespace automodel
