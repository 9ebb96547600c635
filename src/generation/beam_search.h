// Beam bookkeeping of transformers 4.47 (generation/beam_search.py): BeamHypotheses keeps the
// best finished hypotheses of one input row; BeamSearchScorer picks each step's beams from the
// top 2·num_beams candidates, moves eos candidates into the hypotheses and decides when a row is
// done; finalize() returns the best hypotheses padded to one length. Scores are Python floats
// (double) where HF calls .item(), float32 where HF keeps tensors.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "automodel/generation/generation_config.h"

namespace automodel::beam {

struct Hypothesis {
  double score;                       // sum_logprobs / generated_len ** length_penalty
  std::vector<int64_t> tokens;        // prompt + generated, without the eos that ended it
  std::vector<int64_t> beam_indices;  // only when tracked
};

class BeamHypotheses {
 public:
  BeamHypotheses(int64_t num_beams, double length_penalty, EarlyStopping early_stopping,
                 std::optional<int64_t> max_length);
  size_t size() const { return beams_.size(); }
  const std::vector<Hypothesis>& beams() const { return beams_; }
  void add(std::vector<int64_t> tokens, double sum_logprobs, std::vector<int64_t> beam_indices,
           int64_t generated_len);
  bool is_done(double best_sum_logprobs, int64_t cur_len, int64_t decoder_prompt_len) const;
  double worst_score() const { return worst_score_; }

 private:
  int64_t num_beams_;
  double length_penalty_;
  EarlyStopping early_stopping_;
  std::optional<int64_t> max_length_;
  std::vector<Hypothesis> beams_;
  double worst_score_ = 1e9;
};

struct StepResult {
  std::vector<float> next_beam_scores;     // [batch * num_beams]
  std::vector<int64_t> next_beam_tokens;   // [batch * num_beams]
  std::vector<int64_t> next_beam_indices;  // [batch * num_beams]: source row
};

struct FinalResult {
  std::vector<std::vector<int64_t>> sequences;     // [batch * keep][length]
  std::vector<float> sequence_scores;              // [batch * keep]
  std::vector<std::vector<int64_t>> beam_indices;  // [batch * keep][length] (-1 padded) when tracked
};

class BeamSearchScorer {
 public:
  BeamSearchScorer(int64_t batch_size, int64_t num_beams, double length_penalty, EarlyStopping early_stopping,
                   int64_t num_beam_hyps_to_keep, std::optional<int64_t> max_length);
  bool is_done() const;

  // input_ids: the current rows (batch * num_beams). next_*: [batch][2 * num_beams... candidates]
  // sorted by score. beam_indices: per row history, or null when not tracked.
  StepResult process(const std::vector<std::vector<int64_t>>& input_ids,
                     const std::vector<std::vector<float>>& next_scores,
                     const std::vector<std::vector<int64_t>>& next_tokens,
                     const std::vector<std::vector<int64_t>>& next_indices, std::optional<int64_t> pad_token_id,
                     const std::optional<std::vector<int64_t>>& eos_token_id,
                     const std::vector<std::vector<int64_t>>* beam_indices, int64_t decoder_prompt_len);

  FinalResult finalize(const std::vector<std::vector<int64_t>>& input_ids, const std::vector<float>& final_beam_scores,
                       std::optional<int64_t> max_length, std::optional<int64_t> pad_token_id,
                       const std::optional<std::vector<int64_t>>& eos_token_id,
                       const std::vector<std::vector<int64_t>>* beam_indices, int64_t decoder_prompt_len);

 private:
  int64_t num_beams_;
  int64_t keep_;
  std::vector<BeamHypotheses> hyps_;
  std::vector<bool> done_;
};

}  // namespace automodel::beam
