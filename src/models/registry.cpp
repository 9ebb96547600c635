#include "registry.h"

namespace automodel::models {

const std::vector<Family>& families() {
  static const std::vector<Family> all = {
      llama_family(), mistral_family(), qwen2_family(),    gemma_family(),    gemma2_family(), phi3_family(),
      mixtral_family(), gpt2_family(), gpt_neox_family(), olmo_family(), olmo2_family(), stablelm_family(),
  };
  return all;
}

}  // namespace automodel::models
