// generate(): transformers' GenerationMixin.generate (v4.47) for decoder-only causal LMs: greedy,
// multinomial sampling, beam search and beam sampling, with HF's config merging, processors,
// stopping criteria, left-padded batches and outputs. See src/generation/README.md.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "automodel/core/tensor.h"
#include "automodel/generation/generation_config.h"
#include "automodel/generation/logits_process.h"
#include "automodel/generation/stopping_criteria.h"
#include "automodel/generation/streamer.h"
#include "automodel/models/causal_lm.h"

namespace automodel {

struct GenerateOptions {
  // Receives HF's warnings (same text); null = silent.
  GenerationLogger logger;
  Streamer* streamer = nullptr;  // not owned
  // Extra processors / criteria, merged where HF merges `logits_processor=` / `stopping_criteria=`.
  std::vector<std::unique_ptr<LogitsProcessor>> logits_processors;
  std::vector<std::unique_ptr<StoppingCriterion>> stopping_criteria;
  // The tokenizer, for stop_strings (HF's generate(tokenizer=...)): token id -> token text.
  TokenStringFn token_string;
  int64_t tokenizer_vocab_size = 0;
  // Sampling seed. Absent: a random seed. The generator is std::mt19937_64 (see README: it cannot
  // reproduce torch's stream, only its distribution).
  std::optional<uint64_t> seed;
};

struct GenerateOutput {
  Tensor sequences;            // int64 [rows, length]: prompt + new tokens; rows = batch * num_return_sequences
  std::vector<Tensor> scores;  // return_dict_in_generate && output_scores: per step, float32 [rows', vocab], processed
  std::vector<Tensor> logits;  // return_dict_in_generate && output_logits: per step, float32 [rows', vocab], raw
  // Beam methods: float32 [rows], the length-penalised score of each returned sequence (always
  // filled here; HF only returns it with output_scores).
  Tensor sequences_scores;
  // Beam methods with return_dict_in_generate && output_scores: int64 [rows, length - prompt_len],
  // the beam row each step's token came from, -1 past the end.
  Tensor beam_indices;
  GenerationConfig config;  // the effective config (max_length resolved, pad/eos final)
};
// (rows' = batch * num_beams for beam methods, batch * num_return_sequences otherwise.)

// input_ids: int64 [batch, prompt_len] (left-padded for batches). attention_mask: int64/bool
// [batch, prompt_len] or undefined (then inferred from pad ids as HF does). kwargs: call-site
// overrides keyed by GenerationConfig field names; the model's generation_config.json (or its
// config.json) is the default layer. A key that is not a generation field is an error.
GenerateOutput generate(CausalLM& model, const Tensor& input_ids, const Tensor& attention_mask,
                        const json& kwargs = json::object(), GenerateOptions options = {});

// The same with an explicit base config instead of the model's (HF's generation_config=...):
// its unset bos/eos/pad/decoder_start ids are taken from the model's default config.
GenerateOutput generate(CausalLM& model, const Tensor& input_ids, const Tensor& attention_mask,
                        const GenerationConfig& base_config, const json& kwargs, GenerateOptions options = {});

}  // namespace automodel
