// A tiny CausalLM for generation tests: the next-token logits of a row are a function of the
// tokens the row attends to (mask 1), given by the test as a table. Its cache stores each row's
// tokens, so a wrong beam reorder or a wrong mask shows up as wrong logits. It also checks the
// shapes generate() passes and records the position ids.
#pragma once

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "automodel/core/error.h"
#include "automodel/models/causal_lm.h"

namespace automodel::testing {

class TableCache : public KVCache {
 public:
  explicit TableCache(int64_t batch) : rows_(batch) {}
  int64_t length() const override { return rows_.empty() ? 0 : int64_t(rows_[0].size()); }
  void select_rows(const std::vector<int64_t>& rows) override {
    std::vector<std::vector<std::pair<int64_t, int64_t>>> next;
    for (int64_t r : rows) next.push_back(rows_.at(r));
    rows_ = std::move(next);
  }
  void truncate(int64_t length) override {
    for (auto& r : rows_) r.resize(length);
  }
  std::vector<std::vector<std::pair<int64_t, int64_t>>> rows_;  // (token, mask) per position
};

class TableLM : public CausalLM {
 public:
  using Fn = std::function<std::vector<float>(const std::vector<int64_t>& attended_tokens)>;

  TableLM(int64_t vocab, Fn fn, json config = json::object(), json generation_config = nullptr)
      : vocab_(vocab), fn_(std::move(fn)), config_(std::move(config)), generation_config_(std::move(generation_config)) {}

  CausalLMOutput forward(const Tensor& input_ids, const Tensor& attention_mask, const Tensor& position_ids,
                         KVCache* cache, bool only_last_logits) override {
    AM_CHECK(only_last_logits, "TableLM only computes the last position");
    const int64_t rows = input_ids.size(0), n = input_ids.size(1);
    auto ids = input_ids.to_vector<int64_t>();
    auto mask = attention_mask.to_vector<int64_t>();
    auto pos = position_ids.to_vector<int64_t>();
    AM_CHECK(position_ids.size(0) == rows && position_ids.size(1) == n, "TableLM: position_ids shape");
    auto* tc = dynamic_cast<TableCache*>(cache);
    AM_CHECK(cache == nullptr || tc != nullptr, "TableLM: foreign cache");
    const int64_t past = tc ? tc->length() : 0;
    AM_CHECK(attention_mask.size(0) == rows && attention_mask.size(1) == past + n, "TableLM: mask is [",
             attention_mask.size(0), ", ", attention_mask.size(1), "], expected [", rows, ", ", past + n, "]");
    if (tc) AM_CHECK(int64_t(tc->rows_.size()) == rows, "TableLM: cache has ", tc->rows_.size(), " rows, input ", rows);
    ++forward_calls;
    tokens_per_call.push_back(n);
    positions.push_back(pos);
    Tensor logits = Tensor::empty({rows, 1, vocab_});
    float* out = logits.mutable_data<float>();
    const int64_t width = past + n;
    for (int64_t r = 0; r < rows; ++r) {
      std::vector<int64_t> attended;
      if (tc) {
        for (int64_t i = 0; i < n; ++i) tc->rows_[r].emplace_back(ids[r * n + i], mask[r * width + past + i]);
        for (auto& [t, m] : tc->rows_[r])
          if (m) attended.push_back(t);
      } else {
        for (int64_t i = 0; i < n; ++i)
          if (mask[r * width + i]) attended.push_back(ids[r * n + i]);
      }
      std::vector<float> l = fn_(attended);
      AM_CHECK(int64_t(l.size()) == vocab_, "TableLM: table returned ", l.size(), " logits");
      std::copy(l.begin(), l.end(), out + r * vocab_);
    }
    return {logits};
  }

  std::unique_ptr<KVCache> new_cache(int64_t batch, int64_t) const override {
    return std::make_unique<TableCache>(batch);
  }
  const json& config_json() const override { return config_; }
  const json& generation_config_json() const override { return generation_config_; }
  int64_t vocab_size() const override { return vocab_; }

  int forward_calls = 0;
  std::vector<int64_t> tokens_per_call;
  std::vector<std::vector<int64_t>> positions;

 private:
  int64_t vocab_;
  Fn fn_;
  json config_;
  json generation_config_;
};

// log(p) for each probability; 0 becomes a large negative logit.
inline std::vector<float> log_probs(const std::vector<double>& p) {
  std::vector<float> out;
  for (double x : p) out.push_back(x > 0 ? float(std::log(x)) : -30.0f);
  return out;
}

}  // namespace automodel::testing
