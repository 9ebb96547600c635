// Prefix-scoped access to a model's parameters by their Hugging Face state-dict names, in the
// style of candle's VarBuilder: `vb.pp("model").pp("layers").pp(3).get("self_attn.q_proj.weight", shape)`.
//
// A ParameterStore is either
// * a loaded checkpoint (one `model.safetensors` or the shards of `model.safetensors.index.json`,
//   memory-mapped, tensors viewed in place), or
// * a creating store (used by `automodel init`): each get() makes a fresh tensor initialised
//   like HF's `_init_weights` and records it, so a family's loading code is also the single
//   enumeration of its parameters for writing a new checkpoint.
// Either way the store records which names were asked for, so a load can report checkpoint
// tensors the model never used.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "automodel/core/tensor.h"
#include "automodel/hub/checkpoint.h"

namespace automodel {

namespace nn {
class LoraAdapters;
}

// How a creating store initialises a parameter (HF `_init_weights` conventions).
struct ParamInit {
  enum class Kind { kNormal, kZeros, kOnes } kind = Kind::kNormal;
  double std = 0.02;  // for kNormal
  static ParamInit normal(double std) { return {Kind::kNormal, std}; }
  static ParamInit zeros() { return {Kind::kZeros, 0}; }
  static ParamInit ones() { return {Kind::kOnes, 0}; }
};

class ParameterStore {
 public:
  // Opens the safetensors checkpoint in `folder` (index file or single file).
  static std::shared_ptr<ParameterStore> open_checkpoint(const std::filesystem::path& folder);
  // A creating store: parameters are generated in `dtype` from a seeded generator.
  static std::shared_ptr<ParameterStore> creating(DType dtype, uint64_t seed);

  // The dtype parameters are handed out in: a stored tensor of another dtype is converted
  // (rounded) on get() unless widening it inside the kernels is exact (bf16/f16 stored, f32
  // requested). Undefined (default) keeps every tensor in its stored dtype.
  void set_target_dtype(std::optional<DType> dtype) { target_dtype_ = dtype; }
  std::optional<DType> target_dtype() const { return target_dtype_; }

  bool creating() const { return creating_; }
  bool contains(const std::string& name) const;
  // The tensor `name`; when `shape` is non-empty it must match. Creating stores make it.
  Tensor get(const std::string& name, const Shape& shape, const ParamInit& init);
  // The stored dtype of `name` (checkpoint stores only).
  DType stored_dtype(const std::string& name) const;
  // The most common floating dtype among the checkpoint's tensors ("auto" torch_dtype).
  DType dominant_dtype() const;

  // Checkpoint stores: a parameter the checkpoint lacks whose name starts with one of
  // `prefixes` is created (seeded, initialised like HF's `_init_weights`, in the target dtype)
  // instead of failing: a new task head on a base or causal-LM checkpoint, as transformers'
  // from_pretrained does. Listed by newly_created() (what transformers warns about).
  void create_missing(std::vector<std::string> prefixes, uint64_t seed);
  const std::vector<std::string>& newly_created() const { return newly_created_; }

  // Names present in the checkpoint that no get() asked for.
  std::vector<std::string> unused_names() const;
  // Tensors made by a creating store, in creation order (HF state-dict order).
  const std::vector<std::pair<std::string, Tensor>>& created() const { return created_; }
  // Every parameter handed out by get() so far, once each, in first-request order (HF
  // state-dict order), as handed out: a model built from this store holds these under their
  // HF names (GPT-2's Conv1D weights in their stored [in, out] layout). For a creating store
  // this is created().
  const std::vector<std::pair<std::string, Tensor>>& named_parameters() const { return created_; }
  // Where the tensors came from, for error messages.
  const std::string& source() const { return source_; }

  // LoRA (nn/lora.h): with adapters set, every nn::Linear built from this store whose module
  // is targeted gets a new adapter, recorded in `lora`. Null (default): no adapters.
  void set_lora(std::shared_ptr<nn::LoraAdapters> lora) { lora_ = std::move(lora); }
  const std::shared_ptr<nn::LoraAdapters>& lora() const { return lora_; }

 private:
  ParameterStore() = default;
  Tensor lookup(const std::string& name) const;
  Tensor create(const Shape& shape, const ParamInit& init);

  bool creating_ = false;
  std::string source_;
  std::optional<Checkpoint> checkpoint_;  // absent when creating
  std::set<std::string> used_;
  std::optional<DType> target_dtype_;
  // creating mode
  DType create_dtype_ = DType::F32;
  std::mt19937_64 rng_;
  // Both modes: what get() handed out (see named_parameters()).
  std::vector<std::pair<std::string, Tensor>> created_;
  std::map<std::string, size_t> created_index_;
  // checkpoint mode: see create_missing()
  std::vector<std::string> create_missing_prefixes_, newly_created_;
  std::shared_ptr<nn::LoraAdapters> lora_;
};

class VarBuilder {
 public:
  VarBuilder(std::shared_ptr<ParameterStore> store, std::string prefix = "")
      : store_(std::move(store)), prefix_(std::move(prefix)) {}

  // A builder whose names are prefixed by `name.` (push prefix).
  VarBuilder pp(const std::string& name) const;
  VarBuilder pp(int64_t index) const { return pp(std::to_string(index)); }

  std::string full_name(const std::string& name) const { return prefix_.empty() ? name : prefix_ + "." + name; }
  bool contains(const std::string& name) const { return store_->contains(full_name(name)); }
  // Throws naming the full parameter name and the checkpoint when absent or of the wrong shape.
  Tensor get(const std::string& name, const Shape& shape, const ParamInit& init = ParamInit::normal(0.02)) const {
    return store_->get(full_name(name), shape, init);
  }
  bool creating() const { return store_->creating(); }
  ParameterStore& store() const { return *store_; }
  const std::string& prefix() const { return prefix_; }

 private:
  std::shared_ptr<ParameterStore> store_;
  std::string prefix_;
};

}  // namespace automodel
