// The interface generation/ drives and every causal-LM family implements.
//
// A forward call takes the new tokens of each row plus the attention mask over everything the
// cache holds so far and the new tokens (HF semantics: mask [batch, past + new], 1 = attend,
// 0 = padding), explicit position ids, and appends the new keys/values to the cache.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "automodel/core/tensor.h"
#include "automodel/hub/json_file.h"
#include "automodel/hub/save_pretrained.h"

namespace automodel {

namespace nn {
class LoraAdapters;
}

// Per-layer key/value storage. Implementations preallocate capacity and grow geometrically, so
// decoding one token never re-allocates per step.
class KVCache {
 public:
  virtual ~KVCache() = default;
  // Tokens currently held per row (all rows hold the same count; padding is in the mask).
  virtual int64_t length() const = 0;
  // Keeps only the rows in `rows` (in that order, repeats allowed): beam search reordering
  // and num_return_sequences expansion.
  virtual void select_rows(const std::vector<int64_t>& rows) = 0;
  // Drops everything after the first `length` tokens.
  virtual void truncate(int64_t length) = 0;
};

struct CausalLMOutput {
  Tensor logits;  // [batch, new_tokens, vocab] float32 (or [batch, 1, vocab] when only_last)
};

// Labels that loss_sum counts: entries of labels[:, 1:] other than -100.
int64_t count_loss_tokens(const Tensor& labels);

class CausalLM {
 public:
  virtual ~CausalLM() = default;

  // input_ids: [batch, new] int64. attention_mask: [batch, past + new] int64 (0/1) or undefined
  // (all ones). position_ids: [batch, new] int64 or undefined (then past..past+new-1 on every
  // row, HF's "model default"). cache: null for a cache-less full forward.
  // only_last_logits: compute the LM head for the last position only (generation).
  virtual CausalLMOutput forward(const Tensor& input_ids, const Tensor& attention_mask, const Tensor& position_ids,
                                 KVCache* cache, bool only_last_logits = false) = 0;

  virtual std::unique_ptr<KVCache> new_cache(int64_t batch, int64_t expected_length) const = 0;

  // Training forward, HF's `model(input_ids, attention_mask=..., labels=labels).loss` before
  // its division: the SUM of token cross-entropies of labels[:, 1:] against the logits of
  // positions [:, :-1] (labels equal to -100 are ignored), in float32. The LM head and the
  // loss run fused in chunks (ops::linear_cross_entropy_sum), so [tokens, vocab] logits never
  // exist. Divide by count_loss_tokens(labels) for HF's mean, or by the count over all
  // micro-batches of a step for gradient accumulation (HF's num_items_in_batch).
  // The default (a model with no training forward, e.g. a test double) throws.
  virtual Tensor loss_sum(const Tensor& input_ids, const Tensor& attention_mask, const Tensor& labels,
                          const Tensor& position_ids = Tensor());

  // The parsed config.json and generation_config.json (null JSON when the file is absent).
  virtual const json& config_json() const = 0;
  virtual const json& generation_config_json() const = 0;
  virtual int64_t vocab_size() const = 0;

  // The model class ("LlamaForCausalLM"), its parameter dtype and its parameters under their HF
  // state-dict names, in state-dict order and HF layout (GPT-2 Conv1D weights [in, out]), tied
  // weights once. Set by the loader that built the model (AutoModelForCausalLM records what
  // its ParameterStore handed out); empty for a model built otherwise.
  const std::string& architecture() const { return architecture_; }
  DType dtype() const { return dtype_; }
  const NamedTensors& named_parameters() const { return parameters_; }
  void set_parameters(std::string architecture, DType dtype, NamedTensors parameters) {
    architecture_ = std::move(architecture);
    dtype_ = dtype;
    parameters_ = std::move(parameters);
  }

  // transformers' save_pretrained: config.json, generation_config.json and the weights
  // (single file or shards per options.max_shard_size, optionally converted to options.dtype)
  // into `dir`, atomically (see hub/save_pretrained.h). Defined in automodel_models.
  SavedModel save_pretrained(const std::filesystem::path& dir, const SaveOptions& options = {}) const;

  // The LoRA adapters attached while loading (FromPretrainedOptions::lora; models/lora.h saves,
  // loads and merges them); null when the model has none.
  const std::shared_ptr<nn::LoraAdapters>& lora() const { return lora_; }
  void set_lora(std::shared_ptr<nn::LoraAdapters> lora) { lora_ = std::move(lora); }

 private:
  std::string architecture_;
  DType dtype_ = DType::F32;
  NamedTensors parameters_;
  std::shared_ptr<nn::LoraAdapters> lora_;
};

}  // namespace automodel
