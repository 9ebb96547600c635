// The processors of logits_process.h. Arithmetic on scores stays in float32 like torch's; the
// reductions that torch accumulates in double on CPU (cumsum, softmax sums) use double here too.
// Sorts are stable (ties keep ascending token order): torch's CPU sort leaves tie order
// unspecified, so only exact ties at a cut-off can differ from a torch run.
#include "automodel/generation/logits_process.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <numeric>

#include "automodel/core/error.h"
#include "score_math.h"

namespace automodel {

namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

struct Rows {
  int64_t rows, vocab;
  float* data;
  float* row(int64_t r) const { return data + r * vocab; }
};

Rows score_rows(Tensor& scores) {
  AM_CHECK(scores.defined() && scores.dim() == 2 && scores.dtype() == DType::F32 && scores.is_contiguous(),
           "logits processor: scores must be a contiguous float32 [rows, vocab] tensor, got ",
           scores.defined() ? scores.str() : std::string("an undefined tensor"));
  return {scores.size(0), scores.size(1), scores.mutable_data<float>()};
}

struct Ids {
  int64_t rows, len;
  const int64_t* data;
  const int64_t* row(int64_t r) const { return data + r * len; }
};

Ids id_rows(const Tensor& input_ids, int64_t expected_rows) {
  AM_CHECK(input_ids.defined() && input_ids.dim() == 2 && input_ids.dtype() == DType::I64 && input_ids.is_contiguous(),
           "logits processor: input_ids must be a contiguous int64 [rows, length] tensor, got ",
           input_ids.defined() ? input_ids.str() : std::string("an undefined tensor"));
  AM_CHECK(input_ids.size(0) == expected_rows, "logits processor: input_ids has ", input_ids.size(0),
           " rows but scores has ", expected_rows);
  return {input_ids.size(0), input_ids.size(1), input_ids.data<int64_t>()};
}

void set_ids(float* row, int64_t vocab, const std::vector<int64_t>& ids, float value) {
  // torch.isin over arange(vocab): ids outside the vocabulary simply match nothing.
  for (int64_t id : ids)
    if (id >= 0 && id < vocab) row[id] = value;
}

// Value of the k-th largest score (1-based k) of a row.
float kth_largest(const float* row, int64_t vocab, int64_t k) {
  std::vector<float> tmp(row, row + vocab);
  std::nth_element(tmp.begin(), tmp.begin() + (k - 1), tmp.end(), std::greater<float>());
  return tmp[k - 1];
}

void check_min_keep(int64_t min_keep) {
  AM_CHECK(min_keep >= 1, "`min_tokens_to_keep` has to be a positive integer, but is ", min_keep);
}

}  // namespace

// ---- LogitsProcessorList ----

void LogitsProcessorList::apply(const Tensor& input_ids, Tensor& scores) const {
  for (const auto& p : items_) p->apply(input_ids, scores);
}

std::vector<std::string> LogitsProcessorList::names() const {
  std::vector<std::string> n;
  for (const auto& p : items_) n.push_back(p->name());
  return n;
}

// ---- sequence bias / bad words ----

SequenceBiasLogitsProcessor::SequenceBiasLogitsProcessor(
    std::vector<std::pair<std::vector<int64_t>, double>> sequence_bias) {
  AM_CHECK(!sequence_bias.empty(), "`sequence_bias` has to be a non-empty dictionary, or non-empty list of lists");
  for (auto& [ids, b] : sequence_bias) {
    AM_CHECK(!ids.empty(), "Each key in `sequence_bias` has to be a non-empty tuple of positive integers");
    for (int64_t t : ids)
      AM_CHECK(t >= 0, "Each key in `sequence_bias` has to be a non-empty tuple of positive integers, found ", t);
    const auto& key = ids;  // clang 14 cannot capture structured bindings in lambdas
    auto it = std::find_if(bias_.begin(), bias_.end(), [&key](const auto& e) { return e.first == key; });
    if (it != bias_.end())
      it->second = float(b);  // a dict keeps the first position and the last value
    else
      bias_.emplace_back(ids, float(b));
  }
}

void SequenceBiasLogitsProcessor::apply(const Tensor& input_ids, Tensor& scores) {
  Rows s = score_rows(scores);
  Ids ids = id_rows(input_ids, s.rows);
  std::vector<int64_t> invalid;
  for (auto& [seq, b] : bias_)
    for (int64_t t : seq)
      if (t >= s.vocab) invalid.push_back(t);
  if (!invalid.empty()) {
    std::string list;
    for (int64_t t : invalid) list += (list.empty() ? "" : ", ") + std::to_string(t);
    fail("The model vocabulary size is ", s.vocab, ", but the following tokens were being biased: [", list, "]");
  }
  std::vector<float> length_1_bias(s.vocab, 0.0f);
  for (auto& [seq, b] : bias_)
    if (seq.size() == 1) length_1_bias[seq[0]] = b;
  std::vector<float> bias(s.vocab);
  for (int64_t r = 0; r < s.rows; ++r) {
    for (int64_t v = 0; v < s.vocab; ++v) bias[v] = 0.0f + length_1_bias[v];
    const int64_t* row_ids = ids.row(r);
    for (auto& [seq, b] : bias_) {
      if (seq.size() == 1) continue;
      if (int64_t(seq.size()) > ids.len) continue;
      const int64_t prefix = int64_t(seq.size()) - 1;
      bool match = true;
      for (int64_t i = 0; i < prefix && match; ++i) match = row_ids[ids.len - prefix + i] == seq[i];
      bias[seq.back()] += match ? b : 0.0f;
    }
    float* row = s.row(r);
    for (int64_t v = 0; v < s.vocab; ++v) row[v] = row[v] + bias[v];
  }
}

namespace {
std::vector<std::pair<std::vector<int64_t>, double>> bad_words_as_bias(
    const std::vector<std::vector<int64_t>>& bad_words_ids, const std::optional<std::vector<int64_t>>& eos) {
  AM_CHECK(!bad_words_ids.empty(), "`bad_words_ids` has to be a non-empty list, but is [].");
  std::vector<std::pair<std::vector<int64_t>, double>> out;
  for (const auto& seq : bad_words_ids) {
    for (int64_t t : seq)
      AM_CHECK(t >= 0, "Each list in `bad_words_ids` has to be a list of positive integers, found ", t);
    bool is_single_eos = false;
    if (eos)
      for (int64_t e : *eos) is_single_eos = is_single_eos || (seq.size() == 1 && seq[0] == e);
    if (!is_single_eos) out.emplace_back(seq, -std::numeric_limits<double>::infinity());
  }
  return out;
}
}  // namespace

NoBadWordsLogitsProcessor::NoBadWordsLogitsProcessor(const std::vector<std::vector<int64_t>>& bad_words_ids,
                                                     const std::optional<std::vector<int64_t>>& eos_token_id) {
  auto seqs = bad_words_as_bias(bad_words_ids, eos_token_id);
  // HF hands the filtered dict to SequenceBiasLogitsProcessor, which rejects an empty one.
  AM_CHECK(!seqs.empty(), "`sequence_bias` has to be a non-empty dictionary, or non-empty list of lists but is {}.");
  for (auto& [ids, b] : seqs) {
    const auto& key = ids;  // clang 14 cannot capture structured bindings in lambdas
    auto it = std::find_if(bias_.begin(), bias_.end(), [&key](const auto& e) { return e.first == key; });
    if (it == bias_.end()) bias_.emplace_back(ids, float(b));
  }
}

// ---- repetition penalties ----

RepetitionPenaltyLogitsProcessor::RepetitionPenaltyLogitsProcessor(double penalty) : penalty_(float(penalty)) {
  AM_CHECK(penalty > 0, "`penalty` has to be a strictly positive float, but is ", penalty);
}

void RepetitionPenaltyLogitsProcessor::apply(const Tensor& input_ids, Tensor& scores) {
  Rows s = score_rows(scores);
  Ids ids = id_rows(input_ids, s.rows);
  std::vector<char> seen(s.vocab);
  for (int64_t r = 0; r < s.rows; ++r) {
    std::fill(seen.begin(), seen.end(), 0);
    float* row = s.row(r);
    for (int64_t i = 0; i < ids.len; ++i) {
      int64_t t = ids.row(r)[i];
      AM_CHECK(t >= 0 && t < s.vocab, "RepetitionPenaltyLogitsProcessor: token id ", t,
               " is outside the vocabulary of ", s.vocab);
      if (seen[t]) continue;  // gather/scatter applies the penalty once per distinct id
      seen[t] = 1;
      row[t] = row[t] < 0 ? row[t] * penalty_ : row[t] / penalty_;
    }
  }
}

EncoderRepetitionPenaltyLogitsProcessor::EncoderRepetitionPenaltyLogitsProcessor(double penalty,
                                                                                 Tensor encoder_input_ids)
    : penalty_(float(1.0 / penalty)), encoder_input_ids_(encoder_input_ids.contiguous()) {
  AM_CHECK(penalty > 0, "`penalty` has to be a strictly positive float, but is ", penalty);
  AM_CHECK(encoder_input_ids_.dim() == 2 && encoder_input_ids_.dtype() == DType::I64,
           "EncoderRepetitionPenaltyLogitsProcessor: encoder_input_ids must be int64 [batch, length]");
}

void EncoderRepetitionPenaltyLogitsProcessor::apply(const Tensor& input_ids, Tensor& scores) {
  Rows s = score_rows(scores);
  (void)id_rows(input_ids, s.rows);
  Ids enc{encoder_input_ids_.size(0), encoder_input_ids_.size(1), encoder_input_ids_.data<int64_t>()};
  AM_CHECK(enc.rows > 0 && s.rows % enc.rows == 0, "EncoderRepetitionPenaltyLogitsProcessor: ", s.rows,
           " score rows do not group over ", enc.rows, " prompts");
  const int64_t per = s.rows / enc.rows;
  std::vector<char> seen(s.vocab);
  for (int64_t r = 0; r < s.rows; ++r) {
    std::fill(seen.begin(), seen.end(), 0);
    float* row = s.row(r);
    for (int64_t i = 0; i < enc.len; ++i) {
      int64_t t = enc.row(r / per)[i];
      AM_CHECK(t >= 0 && t < s.vocab, "EncoderRepetitionPenaltyLogitsProcessor: token id ", t,
               " is outside the vocabulary of ", s.vocab);
      if (seen[t]) continue;
      seen[t] = 1;
      row[t] = row[t] < 0 ? row[t] * penalty_ : row[t] / penalty_;
    }
  }
}

// ---- n-gram bans ----

NoRepeatNGramLogitsProcessor::NoRepeatNGramLogitsProcessor(int64_t ngram_size) : n_(ngram_size) {
  AM_CHECK(ngram_size > 0, "`ngram_size` has to be a strictly positive integer, but is ", ngram_size);
}

void NoRepeatNGramLogitsProcessor::apply(const Tensor& input_ids, Tensor& scores) {
  Rows s = score_rows(scores);
  Ids ids = id_rows(input_ids, s.rows);
  const int64_t cur_len = ids.len;
  if (cur_len + 1 < n_) return;
  for (int64_t r = 0; r < s.rows; ++r) {
    const int64_t* t = ids.row(r);
    const int64_t* prefix = t + (cur_len + 1 - n_);  // the last n-1 tokens
    for (int64_t i = 0; i + n_ <= cur_len; ++i) {
      if (std::equal(t + i, t + i + n_ - 1, prefix)) {
        int64_t banned = t[i + n_ - 1];
        if (banned >= 0 && banned < s.vocab) s.row(r)[banned] = kNegInf;
      }
    }
  }
}

EncoderNoRepeatNGramLogitsProcessor::EncoderNoRepeatNGramLogitsProcessor(int64_t ngram_size,
                                                                         const Tensor& encoder_input_ids)
    : n_(ngram_size) {
  AM_CHECK(ngram_size > 0, "`encoder_ngram_size` has to be a strictly positive integer, but is ", ngram_size);
  Tensor enc = encoder_input_ids.contiguous();
  AM_CHECK(enc.dim() == 2 && enc.dtype() == DType::I64,
           "EncoderNoRepeatNGramLogitsProcessor: encoder_input_ids must be int64 [batch, length]");
  batch_ = enc.size(0);
  const int64_t len = enc.size(1);
  const int64_t* d = enc.data<int64_t>();
  ngrams_.resize(batch_);
  for (int64_t b = 0; b < batch_; ++b) {
    auto& table = ngrams_[b];
    for (int64_t i = 0; i + n_ <= len; ++i) {
      std::vector<int64_t> key(d + b * len + i, d + b * len + i + n_ - 1);
      int64_t next = d[b * len + i + n_ - 1];
      auto it = std::find_if(table.begin(), table.end(), [&](const auto& e) { return e.first == key; });
      if (it == table.end())
        table.emplace_back(std::move(key), std::vector<int64_t>{next});
      else
        it->second.push_back(next);
    }
  }
}

void EncoderNoRepeatNGramLogitsProcessor::apply(const Tensor& input_ids, Tensor& scores) {
  Rows s = score_rows(scores);
  Ids ids = id_rows(input_ids, s.rows);
  AM_CHECK(s.rows % batch_ == 0, "EncoderNoRepeatNGramLogitsProcessor: ", s.rows, " rows do not group over ", batch_,
           " prompts");
  const int64_t per = s.rows / batch_;
  const int64_t cur_len = ids.len;
  if (cur_len + 1 < n_) return;  // the key would be shorter than n-1 tokens: nothing can match
  for (int64_t r = 0; r < s.rows; ++r) {
    std::vector<int64_t> key(ids.row(r) + cur_len + 1 - n_, ids.row(r) + cur_len);
    for (const auto& [k, next] : ngrams_[r / per])
      if (k == key)
        for (int64_t t : next)
          if (t >= 0 && t < s.vocab) s.row(r)[t] = kNegInf;
  }
}

// ---- length constraints ----

MinLengthLogitsProcessor::MinLengthLogitsProcessor(int64_t min_length, std::vector<int64_t> eos_token_id)
    : min_length_(min_length), eos_(std::move(eos_token_id)) {
  AM_CHECK(min_length >= 0, "`min_length` has to be a non-negative integer, but is ", min_length);
}

void MinLengthLogitsProcessor::apply(const Tensor& input_ids, Tensor& scores) {
  Rows s = score_rows(scores);
  Ids ids = id_rows(input_ids, s.rows);
  if (ids.len < min_length_)
    for (int64_t r = 0; r < s.rows; ++r) set_ids(s.row(r), s.vocab, eos_, kNegInf);
}

MinNewTokensLengthLogitsProcessor::MinNewTokensLengthLogitsProcessor(int64_t prompt_length_to_skip,
                                                                     int64_t min_new_tokens,
                                                                     std::vector<int64_t> eos_token_id)
    : prompt_length_(prompt_length_to_skip), min_new_tokens_(min_new_tokens), eos_(std::move(eos_token_id)) {
  AM_CHECK(prompt_length_to_skip >= 0, "`prompt_length_to_skip` has to be a positive integer, but is ",
           prompt_length_to_skip);
  AM_CHECK(min_new_tokens >= 0, "`min_new_tokens` has to be a positive integer, but is ", min_new_tokens);
}

void MinNewTokensLengthLogitsProcessor::apply(const Tensor& input_ids, Tensor& scores) {
  Rows s = score_rows(scores);
  Ids ids = id_rows(input_ids, s.rows);
  if (ids.len - prompt_length_ < min_new_tokens_)
    for (int64_t r = 0; r < s.rows; ++r) set_ids(s.row(r), s.vocab, eos_, kNegInf);
}

void ForcedBOSTokenLogitsProcessor::apply(const Tensor& input_ids, Tensor& scores) {
  Rows s = score_rows(scores);
  Ids ids = id_rows(input_ids, s.rows);
  if (ids.len != 1) return;
  AM_CHECK(bos_ >= 0 && bos_ < s.vocab, "`forced_bos_token_id` ", bos_, " is outside the vocabulary of ", s.vocab);
  for (int64_t r = 0; r < s.rows; ++r) {
    std::fill(s.row(r), s.row(r) + s.vocab, kNegInf);
    s.row(r)[bos_] = 0.0f;
  }
}

ForcedEOSTokenLogitsProcessor::ForcedEOSTokenLogitsProcessor(int64_t max_length, std::vector<int64_t> eos_token_id)
    : max_length_(max_length), eos_(std::move(eos_token_id)) {
  for (int64_t e : eos_)
    AM_CHECK(e >= 0, "`eos_token_id` has to be a list of positive integers, but is ", e);
}

void ForcedEOSTokenLogitsProcessor::apply(const Tensor& input_ids, Tensor& scores) {
  Rows s = score_rows(scores);
  Ids ids = id_rows(input_ids, s.rows);
  if (ids.len + 1 != max_length_) return;
  for (int64_t e : eos_)
    AM_CHECK(e < s.vocab, "`forced_eos_token_id` ", e, " is outside the vocabulary of ", s.vocab);
  for (int64_t r = 0; r < s.rows; ++r) {
    std::fill(s.row(r), s.row(r) + s.vocab, kNegInf);
    for (int64_t e : eos_) s.row(r)[e] = 0.0f;
  }
}

void InfNanRemoveLogitsProcessor::apply(const Tensor& input_ids, Tensor& scores) {
  Rows s = score_rows(scores);
  (void)id_rows(input_ids, s.rows);
  float* d = s.data;
  for (int64_t i = 0; i < s.rows * s.vocab; ++i) {
    if (std::isnan(d[i]))
      d[i] = 0.0f;
    else if (d[i] == std::numeric_limits<float>::infinity())
      d[i] = FLT_MAX;
    else if (d[i] == kNegInf)
      d[i] = -FLT_MAX;
  }
}

ExponentialDecayLengthPenalty::ExponentialDecayLengthPenalty(std::pair<int64_t, double> start_and_factor,
                                                             std::vector<int64_t> eos_token_id,
                                                             int64_t input_ids_seq_length)
    : regulation_start_(start_and_factor.first > std::numeric_limits<int64_t>::max() - input_ids_seq_length
                            ? std::numeric_limits<int64_t>::max()
                            : start_and_factor.first + input_ids_seq_length),
      regulation_factor_(start_and_factor.second),
      eos_(std::move(eos_token_id)) {
  for (int64_t e : eos_)
    AM_CHECK(e >= 0, "`eos_token_id` has to be a list of positive integers, but is ", e);
  // Far below any sequence length the start means "from the first token"; clamping keeps
  // len - start from overflowing.
  regulation_start_ = std::max<int64_t>(regulation_start_, -(int64_t(1) << 50));
  // The penalty tensor is assigned per eos id, so a repeated id is penalised once.
  std::sort(eos_.begin(), eos_.end());
  eos_.erase(std::unique(eos_.begin(), eos_.end()), eos_.end());
}

void ExponentialDecayLengthPenalty::apply(const Tensor& input_ids, Tensor& scores) {
  Rows s = score_rows(scores);
  Ids ids = id_rows(input_ids, s.rows);
  if (ids.len <= regulation_start_) return;
  const float factor = float(std::pow(regulation_factor_, double(ids.len - regulation_start_)) - 1.0);
  for (int64_t e : eos_)
    AM_CHECK(e < s.vocab, "ExponentialDecayLengthPenalty: eos id ", e, " is outside the vocabulary of ", s.vocab);
  for (int64_t r = 0; r < s.rows; ++r) {
    float* row = s.row(r);
    for (int64_t e : eos_) row[e] = row[e] + std::fabs(row[e]) * factor;
  }
}

void SuppressTokensLogitsProcessor::apply(const Tensor& input_ids, Tensor& scores) {
  Rows s = score_rows(scores);
  (void)id_rows(input_ids, s.rows);
  for (int64_t r = 0; r < s.rows; ++r) set_ids(s.row(r), s.vocab, tokens_, kNegInf);
}

void SuppressTokensAtBeginLogitsProcessor::apply(const Tensor& input_ids, Tensor& scores) {
  Rows s = score_rows(scores);
  Ids ids = id_rows(input_ids, s.rows);
  if (ids.len != begin_index_) return;
  for (int64_t r = 0; r < s.rows; ++r) set_ids(s.row(r), s.vocab, tokens_, kNegInf);
}

// ---- warpers ----

TemperatureLogitsWarper::TemperatureLogitsWarper(double temperature) : temperature_(float(temperature)) {
  if (!(temperature > 0)) {
    std::string msg = str_cat("`temperature` (=", temperature,
                              ") has to be a strictly positive float, otherwise your next token scores will be invalid.");
    if (temperature == 0.0) msg += " If you're looking for greedy decoding strategies, set `do_sample=False`.";
    fail(msg);
  }
}

void TemperatureLogitsWarper::apply(const Tensor& input_ids, Tensor& scores) {
  Rows s = score_rows(scores);
  (void)id_rows(input_ids, s.rows);
  for (int64_t i = 0; i < s.rows * s.vocab; ++i) s.data[i] = s.data[i] / temperature_;
}

TopKLogitsWarper::TopKLogitsWarper(int64_t top_k, int64_t min_tokens_to_keep) {
  AM_CHECK(top_k > 0, "`top_k` has to be a strictly positive integer, but is ", top_k);
  top_k_ = std::max(top_k, min_tokens_to_keep);
}

void TopKLogitsWarper::apply(const Tensor& input_ids, Tensor& scores) {
  Rows s = score_rows(scores);
  (void)id_rows(input_ids, s.rows);
  const int64_t k = std::min(top_k_, s.vocab);
  for (int64_t r = 0; r < s.rows; ++r) {
    float* row = s.row(r);
    const float kth = kth_largest(row, s.vocab, k);
    for (int64_t v = 0; v < s.vocab; ++v)
      if (row[v] < kth) row[v] = kNegInf;
  }
}

TopPLogitsWarper::TopPLogitsWarper(double top_p, int64_t min_tokens_to_keep)
    : top_p_(top_p), min_keep_(min_tokens_to_keep) {
  AM_CHECK(top_p >= 0 && top_p <= 1.0, "`top_p` has to be a float > 0 and < 1, but is ", top_p);
  check_min_keep(min_tokens_to_keep);
}

void TopPLogitsWarper::apply(const Tensor& input_ids, Tensor& scores) {
  Rows s = score_rows(scores);
  (void)id_rows(input_ids, s.rows);
  const float threshold = float(1.0 - top_p_);
  std::vector<float> probs(s.vocab);
  for (int64_t r = 0; r < s.rows; ++r) {
    float* row = s.row(r);
    std::vector<int64_t> order = score_math::stable_argsort(row, s.vocab, /*descending=*/false);
    std::vector<float> sorted(s.vocab);
    for (int64_t i = 0; i < s.vocab; ++i) sorted[i] = row[order[i]];
    score_math::softmax(sorted.data(), s.vocab, probs.data());
    std::vector<char> remove(s.vocab, 0);
    double cum = 0.0;
    for (int64_t i = 0; i < s.vocab; ++i) {
      cum += probs[i];
      remove[i] = float(cum) <= threshold;
    }
    for (int64_t i = std::max<int64_t>(0, s.vocab - min_keep_); i < s.vocab; ++i) remove[i] = 0;
    for (int64_t i = 0; i < s.vocab; ++i)
      if (remove[i]) row[order[i]] = kNegInf;
  }
}

MinPLogitsWarper::MinPLogitsWarper(double min_p, int64_t min_tokens_to_keep)
    : min_p_(min_p), min_keep_(min_tokens_to_keep) {
  AM_CHECK(min_p >= 0 && min_p <= 1.0, "`min_p` has to be a float in the [0, 1] interval, but is ", min_p);
  check_min_keep(min_tokens_to_keep);
}

void MinPLogitsWarper::apply(const Tensor& input_ids, Tensor& scores) {
  Rows s = score_rows(scores);
  (void)id_rows(input_ids, s.rows);
  std::vector<float> probs(s.vocab);
  for (int64_t r = 0; r < s.rows; ++r) {
    float* row = s.row(r);
    score_math::softmax(row, s.vocab, probs.data());
    const float top = *std::max_element(probs.begin(), probs.end());
    const float scaled_min_p = float(min_p_) * top;
    std::vector<int64_t> order = score_math::stable_argsort(row, s.vocab, /*descending=*/true);
    for (int64_t i = min_keep_; i < s.vocab; ++i)
      if (probs[order[i]] < scaled_min_p) row[order[i]] = kNegInf;
  }
}

TypicalLogitsWarper::TypicalLogitsWarper(double mass, int64_t min_tokens_to_keep)
    : mass_(mass), min_keep_(min_tokens_to_keep) {
  AM_CHECK(mass > 0 && mass < 1, "`typical_p` has to be a float > 0 and < 1, but is ", mass);
  check_min_keep(min_tokens_to_keep);
}

void TypicalLogitsWarper::apply(const Tensor& input_ids, Tensor& scores) {
  Rows s = score_rows(scores);
  (void)id_rows(input_ids, s.rows);
  std::vector<float> logp(s.vocab), shifted(s.vocab), sorted_logits(s.vocab), probs(s.vocab);
  for (int64_t r = 0; r < s.rows; ++r) {
    float* row = s.row(r);
    score_math::log_softmax(row, s.vocab, logp.data());
    double ent = 0.0;  // nansum: -inf * 0 terms are nan and skipped
    for (int64_t v = 0; v < s.vocab; ++v) {
      float term = logp[v] * std::exp(logp[v]);
      if (!std::isnan(term)) ent += term;
    }
    const float entropy = float(-ent);
    for (int64_t v = 0; v < s.vocab; ++v) shifted[v] = std::fabs(-logp[v] - entropy);
    std::vector<int64_t> order = score_math::stable_argsort(shifted.data(), s.vocab, /*descending=*/false);
    for (int64_t i = 0; i < s.vocab; ++i) sorted_logits[i] = row[order[i]];
    score_math::softmax(sorted_logits.data(), s.vocab, probs.data());
    int64_t last_ind = 0;
    double cum = 0.0;
    const float mass = float(mass_);
    for (int64_t i = 0; i < s.vocab; ++i) {
      cum += probs[i];
      if (float(cum) < mass) ++last_ind;
    }
    last_ind = std::min(last_ind, s.vocab - 1);
    const float cut = shifted[order[last_ind]];
    for (int64_t i = min_keep_; i < s.vocab; ++i)
      if (shifted[order[i]] > cut) row[order[i]] = kNegInf;
  }
}

EpsilonLogitsWarper::EpsilonLogitsWarper(double epsilon, int64_t min_tokens_to_keep)
    : epsilon_(float(epsilon)), min_keep_(min_tokens_to_keep) {
  AM_CHECK(epsilon > 0 && epsilon < 1, "`epsilon_cutoff` has to be a float > 0 and < 1, but is ", epsilon);
  AM_CHECK(min_tokens_to_keep >= 1, "`min_tokens_to_keep` has to be a strictly positive integer, but is ",
           min_tokens_to_keep);
}

void EpsilonLogitsWarper::apply(const Tensor& input_ids, Tensor& scores) {
  Rows s = score_rows(scores);
  (void)id_rows(input_ids, s.rows);
  std::vector<float> probs(s.vocab);
  const int64_t k = std::min(min_keep_, s.vocab);
  for (int64_t r = 0; r < s.rows; ++r) {
    float* row = s.row(r);
    score_math::softmax(row, s.vocab, probs.data());
    const float kth = kth_largest(row, s.vocab, k);
    for (int64_t v = 0; v < s.vocab; ++v)
      if (probs[v] < epsilon_ && row[v] < kth) row[v] = kNegInf;
  }
}

EtaLogitsWarper::EtaLogitsWarper(double epsilon, int64_t min_tokens_to_keep)
    : epsilon_(float(epsilon)), min_keep_(min_tokens_to_keep) {
  AM_CHECK(epsilon > 0 && epsilon < 1, "`eta_cutoff` has to be a float > 0 and < 1, but is ", epsilon);
  AM_CHECK(min_tokens_to_keep >= 1, "`min_tokens_to_keep` has to be a strictly positive integer, but is ",
           min_tokens_to_keep);
}

void EtaLogitsWarper::apply(const Tensor& input_ids, Tensor& scores) {
  Rows s = score_rows(scores);
  (void)id_rows(input_ids, s.rows);
  std::vector<float> probs(s.vocab), logp(s.vocab);
  const int64_t k = std::min(min_keep_, s.vocab);
  for (int64_t r = 0; r < s.rows; ++r) {
    float* row = s.row(r);
    score_math::softmax(row, s.vocab, probs.data());
    // torch.distributions.Categorical(logits).entropy(): normalized logits clamped to the lowest
    // finite float, so -inf entries contribute 0 * min = 0.
    score_math::log_softmax(row, s.vocab, logp.data());
    double plogp = 0.0;
    for (int64_t v = 0; v < s.vocab; ++v) plogp += double(std::max(logp[v], -FLT_MAX) * probs[v]);
    const float entropy = float(-plogp);
    const float eta = std::min(epsilon_, std::sqrt(epsilon_) * std::exp(-entropy));
    const float kth = kth_largest(row, s.vocab, k);
    for (int64_t v = 0; v < s.vocab; ++v)
      if (probs[v] < eta && row[v] < kth) row[v] = kNegInf;
  }
}

void LogitNormalization::apply(const Tensor& input_ids, Tensor& scores) {
  Rows s = score_rows(scores);
  (void)id_rows(input_ids, s.rows);
  for (int64_t r = 0; r < s.rows; ++r) score_math::log_softmax(s.row(r), s.vocab, s.row(r));
}

// ---- the chain, in GenerationMixin._get_logits_processor's order ----

LogitsProcessorList build_logits_processors(const GenerationConfig& c, int64_t input_ids_seq_length,
                                             const Tensor& prompt_ids,
                                             std::vector<std::unique_ptr<LogitsProcessor>> user_processors) {
  LogitsProcessorList list;
  auto add = [&](LogitsProcessor* p) { list.push_back(std::unique_ptr<LogitsProcessor>(p)); };
  const auto& eos = c.eos_token_id;

  if (c.sequence_bias) add(new SequenceBiasLogitsProcessor(*c.sequence_bias));
  if (c.encoder_repetition_penalty != 1.0) add(new EncoderRepetitionPenaltyLogitsProcessor(c.encoder_repetition_penalty, prompt_ids));
  if (c.repetition_penalty != 1.0) add(new RepetitionPenaltyLogitsProcessor(c.repetition_penalty));
  if (c.no_repeat_ngram_size > 0) add(new NoRepeatNGramLogitsProcessor(c.no_repeat_ngram_size));
  if (c.encoder_no_repeat_ngram_size > 0)
    add(new EncoderNoRepeatNGramLogitsProcessor(c.encoder_no_repeat_ngram_size, prompt_ids));
  if (c.bad_words_ids) add(new NoBadWordsLogitsProcessor(*c.bad_words_ids, eos));
  if (eos && c.min_length > 0) add(new MinLengthLogitsProcessor(c.min_length, *eos));
  if (eos && c.min_new_tokens && *c.min_new_tokens > 0)
    add(new MinNewTokensLengthLogitsProcessor(input_ids_seq_length, *c.min_new_tokens, *eos));
  if (c.forced_bos_token_id) add(new ForcedBOSTokenLogitsProcessor(*c.forced_bos_token_id));
  if (c.forced_eos_token_id) add(new ForcedEOSTokenLogitsProcessor(c.max_length, *c.forced_eos_token_id));
  if (c.remove_invalid_values) add(new InfNanRemoveLogitsProcessor());
  if (c.exponential_decay_length_penalty) {
    AM_CHECK(eos, "`exponential_decay_length_penalty` needs an `eos_token_id`");
    add(new ExponentialDecayLengthPenalty(*c.exponential_decay_length_penalty, *eos, input_ids_seq_length));
  }
  if (c.suppress_tokens) add(new SuppressTokensLogitsProcessor(*c.suppress_tokens));
  if (c.begin_suppress_tokens) {
    int64_t begin_index = input_ids_seq_length;
    if (!(input_ids_seq_length > 1 || !c.forced_bos_token_id)) begin_index += 1;
    add(new SuppressTokensAtBeginLogitsProcessor(*c.begin_suppress_tokens, begin_index));
  }
  AM_CHECK(c.forced_decoder_ids.is_null(),
           "You have explicitly specified `forced_decoder_ids`. Please remove the `forced_decoder_ids` argument in "
           "favour of `input_ids` or `decoder_input_ids` respectively.");

  // User processors join here; one of a type the config already made is ambiguous (HF raises).
  const auto defaults = list.names();
  for (auto& p : user_processors) {
    AM_CHECK(p, "a user logits processor is null");
    for (const auto& d : defaults)
      AM_CHECK(d != p->name(), "A custom logits processor of type ", p->name(),
               " has been passed to generate(), but it has already been created from the generation config. "
               "If you just want to change its values, pass them as generation arguments instead.");
    list.push_back(std::move(p));
  }

  if (c.do_sample) {
    // Beam methods keep at least one non-eos token to explore continuations.
    int64_t min_keep = 1;
    if (c.num_beams > 1) min_keep = eos ? int64_t(eos->size()) + 1 : 2;
    if (c.temperature != 1.0) add(new TemperatureLogitsWarper(c.temperature));
    if (c.top_k != 0) add(new TopKLogitsWarper(c.top_k, min_keep));
    if (c.top_p < 1.0) add(new TopPLogitsWarper(c.top_p, min_keep));
    if (c.min_p) add(new MinPLogitsWarper(*c.min_p, min_keep));
    if (c.typical_p < 1.0) add(new TypicalLogitsWarper(c.typical_p, min_keep));
    if (c.epsilon_cutoff > 0.0 && c.epsilon_cutoff < 1.0) add(new EpsilonLogitsWarper(c.epsilon_cutoff, min_keep));
    if (c.eta_cutoff > 0.0 && c.eta_cutoff < 1.0) add(new EtaLogitsWarper(c.eta_cutoff, min_keep));
  }
  if (c.renormalize_logits) add(new LogitNormalization());
  return list;
}

}  // namespace automodel
