#include "automodel/generation/stopping_criteria.h"

#include <algorithm>

#include "automodel/core/error.h"

namespace automodel {

namespace {

struct IdRows {
  int64_t rows, len;
  const int64_t* data;
};

IdRows id_rows(const Tensor& input_ids) {
  AM_CHECK(input_ids.defined() && input_ids.dim() == 2 && input_ids.dtype() == DType::I64 && input_ids.is_contiguous(),
           "stopping criteria: input_ids must be a contiguous int64 [rows, length] tensor");
  return {input_ids.size(0), input_ids.size(1), input_ids.data<int64_t>()};
}

size_t utf8_codepoints(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace

MaxLengthCriteria::MaxLengthCriteria(int64_t max_length, std::optional<int64_t> max_position_embeddings,
                                     GenerationLogger log)
    : max_length_(max_length), max_position_embeddings_(max_position_embeddings), log_(std::move(log)) {}

std::vector<bool> MaxLengthCriteria::is_done(const Tensor& input_ids) {
  IdRows ids = id_rows(input_ids);
  const bool done = ids.len >= max_length_;
  if (max_position_embeddings_ && !done && ids.len >= *max_position_embeddings_ && !warned_) {
    warned_ = true;
    if (log_)
      log_(str_cat("This is a friendly reminder - the current text generation call will exceed the model's "
                   "predefined maximum length (",
                   *max_position_embeddings_,
                   "). Depending on the model, you may observe exceptions, performance degradation, or nothing at "
                   "all."));
  }
  return std::vector<bool>(ids.rows, done);
}

MaxTimeCriteria::MaxTimeCriteria(double max_time_s) : max_time_(max_time_s), start_(std::chrono::steady_clock::now()) {}

std::vector<bool> MaxTimeCriteria::is_done(const Tensor& input_ids) {
  IdRows ids = id_rows(input_ids);
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  return std::vector<bool>(ids.rows, elapsed > max_time_);
}

StopStringCriteria::StopStringCriteria(std::vector<std::string> stop_strings, TokenStringFn token_string,
                                       int64_t vocab_size)
    : stop_strings_(std::move(stop_strings)), token_string_(std::move(token_string)) {
  AM_CHECK(!stop_strings_.empty(), "`stop_strings` is empty");
  AM_CHECK(token_string_, "StopStringCriteria needs the tokenizer (a token id -> text function)");
  for (const auto& s : stop_strings_) {
    AM_CHECK(!s.empty(), "a stop string is empty");
    max_len_codepoints_ = std::max(max_len_codepoints_, utf8_codepoints(s));
  }
  if (vocab_size > 0) {
    // HF: some token must be able to end a stop string (its text starts with a suffix of it, or
    // contains it), otherwise the criterion could never fire.
    bool any_end = false;
    for (int64_t id = 0; id < vocab_size && !any_end; ++id) {
      const std::string& t = token_text(id);
      if (t.empty()) continue;
      for (const auto& s : stop_strings_) {
        for (size_t k = 1; k <= s.size() && !any_end; ++k) {
          // the token begins with the last k bytes of s (or contains all of s)
          const std::string suffix = s.substr(s.size() - k);
          if (t.compare(0, suffix.size(), suffix) == 0) any_end = true;
        }
        if (t.find(s) != std::string::npos) any_end = true;
      }
    }
    AM_CHECK(any_end,
             "Stop string preprocessing was unable to identify tokens matching one or more of the supplied stop "
             "string(s). This is most often caused by the stop strings containing unusual characters that are not in "
             "the tokenizer vocabulary.");
  }
}

const std::string& StopStringCriteria::token_text(int64_t id) {
  auto it = cache_.find(id);
  if (it != cache_.end()) return it->second;
  return cache_.emplace(id, token_string_(id)).first->second;
}

std::vector<bool> StopStringCriteria::is_done(const Tensor& input_ids) {
  IdRows ids = id_rows(input_ids);
  std::vector<bool> out(ids.rows, false);
  const int64_t window = std::min<int64_t>(ids.len, int64_t(max_len_codepoints_));
  for (int64_t r = 0; r < ids.rows; ++r) {
    if (window == 0) continue;
    const int64_t* row = ids.data + r * ids.len;
    std::string text;
    for (int64_t i = ids.len - window; i < ids.len; ++i) text += token_text(row[i]);
    const size_t last_len = token_text(row[ids.len - 1]).size();
    if (last_len == 0) continue;
    const size_t last_start = text.size() - last_len;
    for (const auto& s : stop_strings_) {
      // an occurrence whose end lies inside the last token: end in (last_start, text.size()]
      size_t pos = text.find(s);
      while (pos != std::string::npos) {
        const size_t end = pos + s.size();
        if (end > last_start && end <= text.size()) {
          out[r] = true;
          break;
        }
        pos = text.find(s, pos + 1);
      }
      if (out[r]) break;
    }
  }
  return out;
}

std::vector<bool> EosTokenCriteria::is_done(const Tensor& input_ids) {
  IdRows ids = id_rows(input_ids);
  std::vector<bool> out(ids.rows, false);
  if (ids.len == 0) return out;
  for (int64_t r = 0; r < ids.rows; ++r) {
    const int64_t last = ids.data[r * ids.len + ids.len - 1];
    out[r] = std::find(eos_.begin(), eos_.end(), last) != eos_.end();
  }
  return out;
}

}  // namespace automodel
