// LoRA (Hu et al. 2021) adapters on linear layers, with PEFT's semantics (peft 0.13 LoraConfig /
// lora.Linear): y = base(x) + scaling * B(A(dropout(x))), A [r, in] kaiming-uniform(a=sqrt 5),
// i.e. U(-1/sqrt(in), 1/sqrt(in)), B [out, r] zeros, scaling = alpha / r (rsLoRA: alpha / sqrt r).
//
// Adapters are attached while a model is built: a ParameterStore with enable_lora(config)
// gives every nn::Linear whose full HF module name is targeted an adapter (Linear::load and
// GPT-2's Conv1D loader call attach_lora), and records it in the store's LoraAdapters, which
// the loaded model then exposes (CausalLM::lora(), models/lora.h).
//
// Adapter weights are float32 whatever the model dtype (PEFT's autocast_adapter_dtype=True
// default): the adapter branch casts x to float32, adds its float32 delta to the base output and
// rounds the sum once to the base output's dtype, as lora.Linear.forward does.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "automodel/core/tensor.h"
#include "automodel/hub/safetensors.h"

namespace automodel {
class VarBuilder;
}

namespace automodel::nn {

struct Linear;

struct LoraConfig {
  // PEFT's LoraConfig defaults.
  int64_t r = 8;
  double alpha = 8;     // lora_alpha
  double dropout = 0;   // lora_dropout (training mode only)
  // Which linear modules get an adapter, matched against the module's full HF name
  // ("model.layers.0.self_attn.q_proj"). Each entry is either
  //  * a plain name: PEFT's list semantics, matches when the name equals it or ends with
  //    ".<entry>" ("q_proj", "self_attn.q_proj", "model.layers.0.mlp.up_proj"), or
  //  * a glob (contains *, ? or [): fnmatch against the full name or its last component
  //    ("*_proj", "model.layers.1*.mlp.*"). This is an automodel extension; adapter_config.json
  //    is written with the plain names the globs selected, so PEFT reads it back unchanged.
  std::vector<std::string> target_modules = {"*_proj"};
  // PEFT's string form of target_modules: a Python-style regular expression that must match
  // the whole module name (re.fullmatch), or "all-linear". When set, target_modules is ignored.
  std::optional<std::string> target_regex;
  // PEFT layers_to_transform / layers_pattern (list semantics only): only modules in these
  // layer indices (the number after "<layers_pattern>." or after any "<name>." when no pattern).
  std::vector<int64_t> layers_to_transform;
  std::vector<std::string> layers_pattern;
  bool use_rslora = false;
  uint64_t seed = 0;  // A's initialisation and the dropout masks

  double scaling() const;
  // Whether the module with full name `module` gets an adapter (PEFT's check_target_module_exists
  // plus the glob extension).
  bool targets(const std::string& module) const;
  // Throws naming `what` when r, alpha or dropout are out of range or a pattern is invalid.
  void validate(const std::string& what) const;
};

// Shared by all adapters of one model: train/eval mode (dropout is active only in training)
// and the generator of the dropout masks (a trainer saves and restores it for resume).
struct LoraRuntime {
  bool training = false;
  std::mt19937_64 dropout_rng;
};

struct LoraAdapter {
  Tensor A, B;  // lora_A.weight [r, in], lora_B.weight [out, r], float32
  double scaling = 1.0;
  double dropout = 0.0;
  bool merged = false;  // merged into the base weight: forward skips it
  std::shared_ptr<LoraRuntime> runtime;

  // base_out + scaling * B(A(dropout(x))) (see the file comment for the dtypes). Built only
  // from ops, so autograd differentiates it.
  Tensor add_to(const Tensor& x, const Tensor& base_out) const;
};

// One adapted module.
struct LoraModule {
  std::string name;  // full HF module name, e.g. "model.layers.0.self_attn.q_proj"
  std::shared_ptr<LoraAdapter> adapter;
  Tensor weight;         // the Linear's [out, in] weight that forward uses
  Tensor stored_weight;  // the state-dict tensor (the same handle unless fan_in_fan_out)
  bool fan_in_fan_out = false;  // stored_weight is [in, out] (GPT-2 Conv1D)
  int64_t in = 0, out = 0;
};

// Every adapter of one model, in the order the model was built (HF module order).
class LoraAdapters {
 public:
  explicit LoraAdapters(LoraConfig config);

  const LoraConfig& config() const { return config_; }
  const std::vector<LoraModule>& modules() const { return modules_; }
  // Every linear module the loader built, adapted or not (for exporting target_modules).
  const std::vector<std::string>& linear_names() const { return linear_names_; }
  // Where the base model came from (adapter_config.json base_model_name_or_path).
  const std::string& base_model_name_or_path() const { return base_model_; }
  void set_base_model_name_or_path(std::string s) { base_model_ = std::move(s); }

  // "<module>.lora_A.weight" / "<module>.lora_B.weight" (PEFT's names without the
  // "base_model.model." prefix), A then B per module, module order. These are the only
  // parameters a LoRA run trains.
  NamedTensors parameters() const;

  // Dropout on (training) or off (eval, the default).
  void set_training(bool on) { runtime_->training = on; }
  bool training() const { return runtime_->training; }
  // The dropout generator's state as text (std::mt19937_64 stream form), for checkpoints.
  std::string dropout_rng_state() const;
  void set_dropout_rng_state(const std::string& state);

  // W += scaling * B @ A (transposed for fan_in_fan_out), computed in float32 and rounded once
  // to `dtype` (the model's parameter dtype: a bf16-stored weight of a float32 model becomes
  // float32, as it is in transformers; default W's dtype). W gets owned storage
  // (Tensor::replace_data), so the model's named parameters (what save_pretrained writes) and
  // its forward both see the merged weight. The adapters are then inactive (merged).
  void merge(std::optional<DType> dtype = std::nullopt);
  bool merged() const { return merged_; }

  // Called by the loaders (attach_lora).
  void record_linear(const std::string& name) { linear_names_.push_back(name); }
  std::shared_ptr<LoraAdapter> add(const std::string& name, int64_t in, int64_t out, const Tensor& weight,
                                   const Tensor& stored_weight, bool fan_in_fan_out);

 private:
  LoraConfig config_;
  std::shared_ptr<LoraRuntime> runtime_;
  std::mt19937_64 init_rng_;
  std::vector<LoraModule> modules_;
  std::vector<std::string> linear_names_;
  std::string base_model_;
  bool merged_ = false;
};

// Gives `linear` (built under vb's prefix, in/out features) an adapter when vb's store has
// LoRA enabled and the module is targeted. `stored_weight` is the state-dict tensor:
// linear.weight itself, or the [in, out] Conv1D weight with fan_in_fan_out.
void attach_lora(const VarBuilder& vb, Linear& linear, int64_t in, int64_t out, const Tensor& stored_weight,
                 bool fan_in_fan_out);

}  // namespace automodel::nn
