// Measuring generation speed the same way everywhere (`automodel bench`, bench/generate_bench):
// prefill rate from one cached forward over the prompt, time to first token and decode rate from
// the streamer's per-step timestamps of a full greedy generate(), and the process's peak RSS.
#pragma once

#include <cstdint>

#include "automodel/core/tensor.h"
#include "automodel/models/causal_lm.h"

namespace automodel {

struct GenerationTiming {
  int64_t prompt_tokens = 0;
  int64_t new_tokens = 0;          // tokens generate() produced (forced to the requested count)
  double prefill_tokens_per_s = 0; // prompt tokens / time of one forward filling the KV cache
  double ttft_s = 0;               // generate() call to the first new token
  double decode_tokens_per_s = 0;  // tokens after the first / time between first and last token
  double total_s = 0;              // the whole generate() call
  uint64_t peak_rss_bytes = 0;     // the process's peak resident set after the run
};

// Runs on `input_ids` (int64 [1, prompt_len]): a warm-up prefill forward that faults the
// memory-mapped weights in, the best of `prefill_runs` timed prefill forwards (as llama-bench
// reports repetitions after a warm-up), then a greedy generate() of exactly `new_tokens` tokens
// (eos ignored through min_new_tokens).
GenerationTiming measure_generation(CausalLM& model, const Tensor& input_ids, int64_t new_tokens, int prefill_runs = 3);

// getrusage's ru_maxrss of this process, in bytes.
uint64_t peak_rss_bytes();

}  // namespace automodel
