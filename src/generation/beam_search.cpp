#include "beam_search.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "automodel/core/error.h"

namespace automodel::beam {

BeamHypotheses::BeamHypotheses(int64_t num_beams, double length_penalty, EarlyStopping early_stopping,
                               std::optional<int64_t> max_length)
    : num_beams_(num_beams), length_penalty_(length_penalty), early_stopping_(early_stopping), max_length_(max_length) {
  AM_CHECK(early_stopping != EarlyStopping::kNever || max_length,
           "When `do_early_stopping` is set to a string, `max_length` must be defined.");
}

void BeamHypotheses::add(std::vector<int64_t> tokens, double sum_logprobs, std::vector<int64_t> beam_indices,
                         int64_t generated_len) {
  const double score = sum_logprobs / std::pow(double(generated_len), length_penalty_);
  if (int64_t(beams_.size()) < num_beams_ || score > worst_score_) {
    beams_.push_back({score, std::move(tokens), std::move(beam_indices)});
    if (int64_t(beams_.size()) > num_beams_) {
      // Python sorts (score, index) pairs: equal scores drop the earliest entry first.
      std::vector<size_t> order(beams_.size());
      std::iota(order.begin(), order.end(), 0);
      std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        if (beams_[a].score != beams_[b].score) return beams_[a].score < beams_[b].score;
        return a < b;
      });
      const double second_worst = beams_[order[1]].score;
      beams_.erase(beams_.begin() + order[0]);
      worst_score_ = second_worst;
    } else {
      worst_score_ = std::min(score, worst_score_);
    }
  }
}

bool BeamHypotheses::is_done(double best_sum_logprobs, int64_t cur_len, int64_t decoder_prompt_len) const {
  if (int64_t(beams_.size()) < num_beams_) return false;
  if (early_stopping_ == EarlyStopping::kTrue) return true;
  double highest_attainable;
  if (early_stopping_ == EarlyStopping::kHeuristic || length_penalty_ <= 0.0) {
    highest_attainable = best_sum_logprobs / std::pow(double(cur_len - decoder_prompt_len), length_penalty_);
  } else {
    AM_CHECK(*max_length_ > decoder_prompt_len, "max_length is not larger than decoder prompt length");
    highest_attainable = best_sum_logprobs / std::pow(double(*max_length_ - decoder_prompt_len), length_penalty_);
  }
  return worst_score_ >= highest_attainable;
}

BeamSearchScorer::BeamSearchScorer(int64_t batch_size, int64_t num_beams, double length_penalty,
                                   EarlyStopping early_stopping, int64_t num_beam_hyps_to_keep,
                                   std::optional<int64_t> max_length)
    : num_beams_(num_beams), keep_(num_beam_hyps_to_keep), done_(batch_size, false) {
  AM_CHECK(num_beams > 1, "`num_beams` has to be an integer strictly greater than 1, but is ", num_beams,
           ". For `num_beams` == 1, one should make use of `greedy_search` instead.");
  for (int64_t b = 0; b < batch_size; ++b) hyps_.emplace_back(num_beams, length_penalty, early_stopping, max_length);
}

bool BeamSearchScorer::is_done() const {
  return std::all_of(done_.begin(), done_.end(), [](bool d) { return d; });
}

StepResult BeamSearchScorer::process(const std::vector<std::vector<int64_t>>& input_ids,
                                     const std::vector<std::vector<float>>& next_scores,
                                     const std::vector<std::vector<int64_t>>& next_tokens,
                                     const std::vector<std::vector<int64_t>>& next_indices,
                                     std::optional<int64_t> pad_token_id,
                                     const std::optional<std::vector<int64_t>>& eos_token_id,
                                     const std::vector<std::vector<int64_t>>* beam_indices,
                                     int64_t decoder_prompt_len) {
  const int64_t batch = int64_t(hyps_.size());
  AM_CHECK(int64_t(input_ids.size()) == batch * num_beams_, "A beam size of ", input_ids.size(),
           " is used as the input, but a beam size of ", num_beams_, " is expected by the beam scorer.");
  const int64_t cur_len = int64_t(input_ids[0].size()) + 1;  // the length next_scores are computed for
  StepResult out;
  out.next_beam_scores.assign(batch * num_beams_, 0.0f);
  out.next_beam_tokens.assign(batch * num_beams_, 0);
  out.next_beam_indices.assign(batch * num_beams_, 0);
  auto is_eos = [&](int64_t t) {
    return eos_token_id && std::find(eos_token_id->begin(), eos_token_id->end(), t) != eos_token_id->end();
  };
  for (int64_t b = 0; b < batch; ++b) {
    if (done_[b]) {
      AM_CHECK(eos_token_id && pad_token_id, "Generated beams >= num_beams -> eos_token_id and pad_token have to be defined");
      for (int64_t j = 0; j < num_beams_; ++j) {
        out.next_beam_scores[b * num_beams_ + j] = 0.0f;
        out.next_beam_tokens[b * num_beams_ + j] = *pad_token_id;
        out.next_beam_indices[b * num_beams_ + j] = 0;  // HF points a finished row's beams at row 0
      }
      continue;
    }
    int64_t beam_idx = 0;
    for (size_t rank = 0; rank < next_tokens[b].size(); ++rank) {
      const int64_t token = next_tokens[b][rank];
      const float score = next_scores[b][rank];
      const int64_t batch_beam_idx = b * num_beams_ + next_indices[b][rank];
      if (is_eos(token)) {
        // an eos outside the top num_beams candidates is not a hypothesis worth keeping
        if (int64_t(rank) >= num_beams_) continue;
        std::vector<int64_t> idx;
        if (beam_indices) {
          idx = (*beam_indices)[batch_beam_idx];
          idx.push_back(batch_beam_idx);
        }
        hyps_[b].add(input_ids[batch_beam_idx], double(score), std::move(idx), cur_len - decoder_prompt_len);
      } else {
        out.next_beam_scores[b * num_beams_ + beam_idx] = score;
        out.next_beam_tokens[b * num_beams_ + beam_idx] = token;
        out.next_beam_indices[b * num_beams_ + beam_idx] = batch_beam_idx;
        ++beam_idx;
      }
      if (beam_idx == num_beams_) break;
    }
    AM_CHECK(beam_idx >= num_beams_, "At most ", num_beams_, " tokens can be equal to `eos_token_id` among the ",
             next_tokens[b].size(), " beam candidates.");
    const double best = double(*std::max_element(next_scores[b].begin(), next_scores[b].end()));
    done_[b] = done_[b] || hyps_[b].is_done(best, cur_len, decoder_prompt_len);
  }
  return out;
}

FinalResult BeamSearchScorer::finalize(const std::vector<std::vector<int64_t>>& input_ids,
                                       const std::vector<float>& final_beam_scores, std::optional<int64_t> max_length,
                                       std::optional<int64_t> pad_token_id,
                                       const std::optional<std::vector<int64_t>>& eos_token_id,
                                       const std::vector<std::vector<int64_t>>* beam_indices,
                                       int64_t decoder_prompt_len) {
  const int64_t batch = int64_t(hyps_.size());
  for (int64_t b = 0; b < batch; ++b) {
    if (done_[b]) continue;
    for (int64_t j = 0; j < num_beams_; ++j) {
      const int64_t row = b * num_beams_ + j;
      std::vector<int64_t> idx = beam_indices ? (*beam_indices)[row] : std::vector<int64_t>{};
      hyps_[b].add(input_ids[row], double(final_beam_scores[row]), std::move(idx),
                   int64_t(input_ids[row].size()) - decoder_prompt_len);
    }
  }
  FinalResult out;
  std::vector<const Hypothesis*> best;
  for (int64_t b = 0; b < batch; ++b) {
    // Python: sorted(key=score) is stable, pop() takes from the end, so among equal scores the
    // hypothesis added last comes first.
    std::vector<const Hypothesis*> sorted;
    for (const auto& h : hyps_[b].beams()) sorted.push_back(&h);
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Hypothesis* x, const Hypothesis* y) { return x->score < y->score; });
    AM_CHECK(int64_t(sorted.size()) >= keep_, "beam search finished with ", sorted.size(),
             " hypotheses, fewer than num_return_sequences = ", keep_);
    for (int64_t j = 0; j < keep_; ++j) {
      best.push_back(sorted.back());
      sorted.pop_back();
    }
  }
  size_t max_len = 0, min_len = SIZE_MAX;
  for (const Hypothesis* h : best) {
    max_len = std::max(max_len, h->tokens.size());
    min_len = std::min(min_len, h->tokens.size());
  }
  size_t sent_max_len = max_len + 1;
  if (max_length) sent_max_len = std::min<size_t>(sent_max_len, size_t(*max_length));
  int64_t fill = 0;
  if (min_len != max_len) {
    AM_CHECK(pad_token_id, "`pad_token_id` has to be defined");
    fill = *pad_token_id;
  }
  const bool track = beam_indices != nullptr;
  for (const Hypothesis* h : best) {
    std::vector<int64_t> seq(sent_max_len, fill);
    std::copy(h->tokens.begin(), h->tokens.end(), seq.begin());
    if (h->tokens.size() < sent_max_len) {
      AM_CHECK(eos_token_id && !eos_token_id->empty(), "beam search: a hypothesis ended early without an eos id");
      seq[h->tokens.size()] = (*eos_token_id)[0];  // HF writes the first eos id, whichever ended it
    }
    out.sequences.push_back(std::move(seq));
    out.sequence_scores.push_back(float(h->score));
    if (track) {
      std::vector<int64_t> idx(sent_max_len, -1);
      std::copy(h->beam_indices.begin(), h->beam_indices.begin() + std::min(h->beam_indices.size(), sent_max_len),
                idx.begin());
      out.beam_indices.push_back(std::move(idx));
    }
  }
  return out;
}

}  // namespace automodel::beam
