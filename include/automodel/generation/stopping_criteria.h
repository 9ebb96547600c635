// Stopping criteria of transformers' generation/stopping_criteria.py (v4.47). Each returns, per
// row of the [rows, cur_len] ids generated so far, whether that row is done; generate() ORs them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "automodel/core/tensor.h"
#include "automodel/generation/generation_config.h"

namespace automodel {

class StoppingCriterion {
 public:
  virtual ~StoppingCriterion() = default;
  // input_ids: [rows, cur_len] int64 contiguous (prompt + generated). One flag per row.
  virtual std::vector<bool> is_done(const Tensor& input_ids) = 0;
  virtual std::string name() const = 0;  // HF class name
};

// cur_len >= max_length. Warns once (through `log`) when the sequence passes
// max_position_embeddings before max_length.
class MaxLengthCriteria : public StoppingCriterion {
 public:
  MaxLengthCriteria(int64_t max_length, std::optional<int64_t> max_position_embeddings = std::nullopt,
                    GenerationLogger log = {});
  std::vector<bool> is_done(const Tensor& input_ids) override;
  std::string name() const override { return "MaxLengthCriteria"; }
  int64_t max_length() const { return max_length_; }

 private:
  int64_t max_length_;
  std::optional<int64_t> max_position_embeddings_;
  GenerationLogger log_;
  bool warned_ = false;
};

// Every row is done once more than max_time seconds passed since construction.
class MaxTimeCriteria : public StoppingCriterion {
 public:
  explicit MaxTimeCriteria(double max_time_s);
  std::vector<bool> is_done(const Tensor& input_ids) override;
  std::string name() const override { return "MaxTimeCriteria"; }

 private:
  double max_time_;
  std::chrono::steady_clock::time_point start_;
};

// The text of one token as HF's StopStringCriteria sees it: the token's string when decoded after
// other text (HF decodes it behind a fixed prefix and strips the prefix, so a leading-space marker
// such as sentencepiece's "▁" becomes " ").
using TokenStringFn = std::function<std::string(int64_t token_id)>;

// HF's StopStringCriteria: a row is done when one of the stop strings occurs in the text of its
// last tokens and ends inside the last token (the last token may run past the string's end; the
// first may start before it). Only the last max(len(stop string)) tokens are considered, lengths
// in Unicode code points as Python counts them.
class StopStringCriteria : public StoppingCriterion {
 public:
  // vocab_size > 0 enables HF's up-front check that some token can end each stop string.
  StopStringCriteria(std::vector<std::string> stop_strings, TokenStringFn token_string, int64_t vocab_size = 0);
  std::vector<bool> is_done(const Tensor& input_ids) override;
  std::string name() const override { return "StopStringCriteria"; }

 private:
  const std::string& token_text(int64_t id);
  std::vector<std::string> stop_strings_;
  TokenStringFn token_string_;
  size_t max_len_codepoints_ = 0;
  std::unordered_map<int64_t, std::string> cache_;
};

// The row's last token is one of the eos ids.
class EosTokenCriteria : public StoppingCriterion {
 public:
  explicit EosTokenCriteria(std::vector<int64_t> eos_token_id) : eos_(std::move(eos_token_id)) {}
  std::vector<bool> is_done(const Tensor& input_ids) override;
  std::string name() const override { return "EosTokenCriteria"; }

 private:
  std::vector<int64_t> eos_;
};

}  // namespace automodel
