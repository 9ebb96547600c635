// Logits processors: the score transformations of transformers' generation/logits_process.py
// (v4.47), one class each, same names, same semantics (ties included), chained in HF's order by
// build_logits_processors(). Each processor edits a [rows, vocab] float32 score table in place.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "automodel/core/tensor.h"
#include "automodel/generation/generation_config.h"

namespace automodel {

class LogitsProcessor {
 public:
  virtual ~LogitsProcessor() = default;
  // input_ids: [rows, cur_len] int64, contiguous: prompt plus the tokens generated so far.
  // scores: [rows, vocab] float32, contiguous: edited in place.
  virtual void apply(const Tensor& input_ids, Tensor& scores) = 0;
  // The HF class name ("TopKLogitsWarper"), so chains can be listed and compared with HF's.
  virtual std::string name() const = 0;
};

// An ordered chain; apply() runs every processor in turn.
class LogitsProcessorList {
 public:
  void push_back(std::unique_ptr<LogitsProcessor> p) { items_.push_back(std::move(p)); }
  void apply(const Tensor& input_ids, Tensor& scores) const;
  std::vector<std::string> names() const;
  size_t size() const { return items_.size(); }
  bool empty() const { return items_.empty(); }
  LogitsProcessor& operator[](size_t i) const { return *items_[i]; }

 private:
  std::vector<std::unique_ptr<LogitsProcessor>> items_;
};

// ---- processors (constructor arguments and checks as in HF) ----

class SequenceBiasLogitsProcessor : public LogitsProcessor {
 public:
  explicit SequenceBiasLogitsProcessor(std::vector<std::pair<std::vector<int64_t>, double>> sequence_bias);
  void apply(const Tensor& input_ids, Tensor& scores) override;
  std::string name() const override { return "SequenceBiasLogitsProcessor"; }

 protected:
  SequenceBiasLogitsProcessor() = default;
  // Later entries for the same sequence replace earlier ones (HF builds a dict).
  std::vector<std::pair<std::vector<int64_t>, float>> bias_;
};

// bad_words_ids as sequence biases of -inf; single-token entries equal to an eos id are dropped.
class NoBadWordsLogitsProcessor : public SequenceBiasLogitsProcessor {
 public:
  NoBadWordsLogitsProcessor(const std::vector<std::vector<int64_t>>& bad_words_ids,
                            const std::optional<std::vector<int64_t>>& eos_token_id);
  std::string name() const override { return "NoBadWordsLogitsProcessor"; }
};

// Scores of tokens present in the prompt of the row's batch entry: s<0 ? s*(1/p) : s/(1/p).
class EncoderRepetitionPenaltyLogitsProcessor : public LogitsProcessor {
 public:
  EncoderRepetitionPenaltyLogitsProcessor(double penalty, Tensor encoder_input_ids);
  void apply(const Tensor& input_ids, Tensor& scores) override;
  std::string name() const override { return "EncoderRepetitionPenaltyLogitsProcessor"; }

 private:
  float penalty_;
  Tensor encoder_input_ids_;
};

// Every token id in the row (prompt + generated), once: s<0 ? s*p : s/p.
class RepetitionPenaltyLogitsProcessor : public LogitsProcessor {
 public:
  explicit RepetitionPenaltyLogitsProcessor(double penalty);
  void apply(const Tensor& input_ids, Tensor& scores) override;
  std::string name() const override { return "RepetitionPenaltyLogitsProcessor"; }

 private:
  float penalty_;
};

// Bans each token that would complete an n-gram already present in the row.
class NoRepeatNGramLogitsProcessor : public LogitsProcessor {
 public:
  explicit NoRepeatNGramLogitsProcessor(int64_t ngram_size);
  void apply(const Tensor& input_ids, Tensor& scores) override;
  std::string name() const override { return "NoRepeatNGramLogitsProcessor"; }

 private:
  int64_t n_;
};

// Bans tokens that would complete an n-gram of the prompt (rows map to batch entries).
class EncoderNoRepeatNGramLogitsProcessor : public LogitsProcessor {
 public:
  EncoderNoRepeatNGramLogitsProcessor(int64_t ngram_size, const Tensor& encoder_input_ids);
  void apply(const Tensor& input_ids, Tensor& scores) override;
  std::string name() const override { return "EncoderNoRepeatNGramLogitsProcessor"; }

 private:
  int64_t n_;
  int64_t batch_;
  std::vector<std::vector<std::pair<std::vector<int64_t>, std::vector<int64_t>>>> ngrams_;  // per batch entry
};

// eos scores -inf while the sequence (prompt included) is shorter than min_length.
class MinLengthLogitsProcessor : public LogitsProcessor {
 public:
  MinLengthLogitsProcessor(int64_t min_length, std::vector<int64_t> eos_token_id);
  void apply(const Tensor& input_ids, Tensor& scores) override;
  std::string name() const override { return "MinLengthLogitsProcessor"; }

 private:
  int64_t min_length_;
  std::vector<int64_t> eos_;
};

class MinNewTokensLengthLogitsProcessor : public LogitsProcessor {
 public:
  MinNewTokensLengthLogitsProcessor(int64_t prompt_length_to_skip, int64_t min_new_tokens,
                                    std::vector<int64_t> eos_token_id);
  void apply(const Tensor& input_ids, Tensor& scores) override;
  std::string name() const override { return "MinNewTokensLengthLogitsProcessor"; }

 private:
  int64_t prompt_length_;
  int64_t min_new_tokens_;
  std::vector<int64_t> eos_;
};

// When the sequence has exactly one token: everything -inf except bos (0).
class ForcedBOSTokenLogitsProcessor : public LogitsProcessor {
 public:
  explicit ForcedBOSTokenLogitsProcessor(int64_t bos_token_id) : bos_(bos_token_id) {}
  void apply(const Tensor& input_ids, Tensor& scores) override;
  std::string name() const override { return "ForcedBOSTokenLogitsProcessor"; }

 private:
  int64_t bos_;
};

// At length max_length - 1: everything -inf except the eos ids (0).
class ForcedEOSTokenLogitsProcessor : public LogitsProcessor {
 public:
  ForcedEOSTokenLogitsProcessor(int64_t max_length, std::vector<int64_t> eos_token_id);
  void apply(const Tensor& input_ids, Tensor& scores) override;
  std::string name() const override { return "ForcedEOSTokenLogitsProcessor"; }

 private:
  int64_t max_length_;
  std::vector<int64_t> eos_;
};

// nan -> 0, +inf -> FLT_MAX, -inf -> -FLT_MAX.
class InfNanRemoveLogitsProcessor : public LogitsProcessor {
 public:
  void apply(const Tensor& input_ids, Tensor& scores) override;
  std::string name() const override { return "InfNanRemoveLogitsProcessor"; }
};

// After start_index new tokens: eos score += |eos score| * (factor^(len - start) - 1).
class ExponentialDecayLengthPenalty : public LogitsProcessor {
 public:
  ExponentialDecayLengthPenalty(std::pair<int64_t, double> start_and_factor, std::vector<int64_t> eos_token_id,
                                int64_t input_ids_seq_length);
  void apply(const Tensor& input_ids, Tensor& scores) override;
  std::string name() const override { return "ExponentialDecayLengthPenalty"; }

 private:
  int64_t regulation_start_;
  double regulation_factor_;
  std::vector<int64_t> eos_;
};

class SuppressTokensLogitsProcessor : public LogitsProcessor {
 public:
  explicit SuppressTokensLogitsProcessor(std::vector<int64_t> suppress_tokens) : tokens_(std::move(suppress_tokens)) {}
  void apply(const Tensor& input_ids, Tensor& scores) override;
  std::string name() const override { return "SuppressTokensLogitsProcessor"; }

 private:
  std::vector<int64_t> tokens_;
};

// Suppresses tokens only at the step whose input length equals begin_index.
class SuppressTokensAtBeginLogitsProcessor : public LogitsProcessor {
 public:
  SuppressTokensAtBeginLogitsProcessor(std::vector<int64_t> begin_suppress_tokens, int64_t begin_index)
      : tokens_(std::move(begin_suppress_tokens)), begin_index_(begin_index) {}
  void apply(const Tensor& input_ids, Tensor& scores) override;
  std::string name() const override { return "SuppressTokensAtBeginLogitsProcessor"; }

 private:
  std::vector<int64_t> tokens_;
  int64_t begin_index_;
};

// ---- warpers (sampling only) ----

class TemperatureLogitsWarper : public LogitsProcessor {
 public:
  explicit TemperatureLogitsWarper(double temperature);
  void apply(const Tensor& input_ids, Tensor& scores) override;
  std::string name() const override { return "TemperatureLogitsWarper"; }

 private:
  float temperature_;
};

// Keeps scores >= the k-th largest (ties at the k-th value are all kept); k = max(top_k, min_keep).
class TopKLogitsWarper : public LogitsProcessor {
 public:
  explicit TopKLogitsWarper(int64_t top_k, int64_t min_tokens_to_keep = 1);
  void apply(const Tensor& input_ids, Tensor& scores) override;
  std::string name() const override { return "TopKLogitsWarper"; }

 private:
  int64_t top_k_;
};

// Ascending sort; removes tokens whose cumulative probability is <= 1 - top_p, except the last
// min_tokens_to_keep of the sort.
class TopPLogitsWarper : public LogitsProcessor {
 public:
  explicit TopPLogitsWarper(double top_p, int64_t min_tokens_to_keep = 1);
  void apply(const Tensor& input_ids, Tensor& scores) override;
  std::string name() const override { return "TopPLogitsWarper"; }

 private:
  double top_p_;
  int64_t min_keep_;
};

// Removes tokens with prob < min_p * max prob, except the first min_tokens_to_keep by score.
class MinPLogitsWarper : public LogitsProcessor {
 public:
  explicit MinPLogitsWarper(double min_p, int64_t min_tokens_to_keep = 1);
  void apply(const Tensor& input_ids, Tensor& scores) override;
  std::string name() const override { return "MinPLogitsWarper"; }

 private:
  double min_p_;
  int64_t min_keep_;
};

// Locally typical sampling (Meister et al.), HF's formulation.
class TypicalLogitsWarper : public LogitsProcessor {
 public:
  explicit TypicalLogitsWarper(double mass = 0.9, int64_t min_tokens_to_keep = 1);
  void apply(const Tensor& input_ids, Tensor& scores) override;
  std::string name() const override { return "TypicalLogitsWarper"; }

 private:
  double mass_;
  int64_t min_keep_;
};

// Removes tokens with prob < epsilon, never the top min_tokens_to_keep.
class EpsilonLogitsWarper : public LogitsProcessor {
 public:
  explicit EpsilonLogitsWarper(double epsilon, int64_t min_tokens_to_keep = 1);
  void apply(const Tensor& input_ids, Tensor& scores) override;
  std::string name() const override { return "EpsilonLogitsWarper"; }

 private:
  float epsilon_;
  int64_t min_keep_;
};

// Removes tokens with prob < min(eps, sqrt(eps) * exp(-entropy)), never the top min_tokens_to_keep.
class EtaLogitsWarper : public LogitsProcessor {
 public:
  explicit EtaLogitsWarper(double epsilon, int64_t min_tokens_to_keep = 1);
  void apply(const Tensor& input_ids, Tensor& scores) override;
  std::string name() const override { return "EtaLogitsWarper"; }

 private:
  float epsilon_;
  int64_t min_keep_;
};

// log_softmax over the vocabulary.
class LogitNormalization : public LogitsProcessor {
 public:
  void apply(const Tensor& input_ids, Tensor& scores) override;
  std::string name() const override { return "LogitNormalization"; }
};

// HF's GenerationMixin._get_logits_processor. `config` must be prepared as generate() does
// (max_length / min_length resolved against the prompt, eos ids final). `prompt_ids` are the
// un-expanded input ids [batch, input_len] (the "encoder" ids of the encoder_* processors).
// User processors are inserted where HF merges them; a user processor of a type the config
// already created is an error, as in HF.
LogitsProcessorList build_logits_processors(const GenerationConfig& config, int64_t input_ids_seq_length,
                                             const Tensor& prompt_ids,
                                             std::vector<std::unique_ptr<LogitsProcessor>> user_processors = {});

}  // namespace automodel
