// Encoding operations with HF tokenizers' semantics (tokenizer/encoding.rs): merging with
// overflow combination, truncation into overlapping windows, padding.
#include "automodel/tokenizers/encoding.h"

#include <algorithm>

#include "automodel/core/error.h"

namespace automodel::tokenizers {

namespace {

// Producers may leave the per-token vectors they do not care about empty; give them their
// defaults so that every operation below can treat all vectors as parallel to `ids`.
void fill_defaults(Encoding& e) {
  const size_t n = e.ids.size();
  if (e.type_ids.size() != n) e.type_ids.resize(n, 0);
  if (e.tokens.size() != n) e.tokens.resize(n);
  if (e.offsets.size() != n) e.offsets.resize(n, Offsets{0, 0});
  if (e.special_tokens_mask.size() != n) e.special_tokens_mask.resize(n, 0);
  if (e.attention_mask.size() != n) e.attention_mask.resize(n, 1);
  if (e.word_ids.size() != n) e.word_ids.resize(n);
  if (e.sequence_ids.size() != n) e.sequence_ids.resize(n);
}

template <class T>
std::vector<T> slice(const std::vector<T>& v, size_t start, size_t stop) {
  return std::vector<T>(v.begin() + static_cast<ptrdiff_t>(start), v.begin() + static_cast<ptrdiff_t>(stop));
}

Encoding window(const Encoding& e, size_t start, size_t stop) {
  Encoding w;
  w.ids = slice(e.ids, start, stop);
  w.type_ids = slice(e.type_ids, start, stop);
  w.tokens = slice(e.tokens, start, stop);
  w.offsets = slice(e.offsets, start, stop);
  w.special_tokens_mask = slice(e.special_tokens_mask, start, stop);
  w.attention_mask = slice(e.attention_mask, start, stop);
  w.word_ids = slice(e.word_ids, start, stop);
  // HF drops its sequence ranges when truncating, after which every token reads as sequence 0.
  w.sequence_ids.assign(stop - start, 0u);
  return w;
}

template <class T>
void prepend_n(std::vector<T>& v, size_t n, const T& value) {
  v.insert(v.begin(), n, value);
}

}  // namespace

Encoding Encoding::from_tokens(const std::vector<Token>& tokens, int32_t type_id) {
  Encoding e;
  const size_t n = tokens.size();
  e.ids.reserve(n);
  e.tokens.reserve(n);
  e.offsets.reserve(n);
  for (const Token& t : tokens) {
    e.ids.push_back(t.id);
    e.tokens.push_back(t.value);
    e.offsets.push_back(t.offsets);
  }
  e.type_ids.assign(n, type_id);
  e.special_tokens_mask.assign(n, 0);
  e.attention_mask.assign(n, 1);
  e.word_ids.assign(n, std::nullopt);
  e.sequence_ids.assign(n, std::nullopt);
  return e;
}

void Encoding::append(const Encoding& other) {
  Encoding o = other;
  fill_defaults(o);
  fill_defaults(*this);
  ids.insert(ids.end(), o.ids.begin(), o.ids.end());
  type_ids.insert(type_ids.end(), o.type_ids.begin(), o.type_ids.end());
  tokens.insert(tokens.end(), o.tokens.begin(), o.tokens.end());
  offsets.insert(offsets.end(), o.offsets.begin(), o.offsets.end());
  special_tokens_mask.insert(special_tokens_mask.end(), o.special_tokens_mask.begin(), o.special_tokens_mask.end());
  attention_mask.insert(attention_mask.end(), o.attention_mask.begin(), o.attention_mask.end());
  word_ids.insert(word_ids.end(), o.word_ids.begin(), o.word_ids.end());
  sequence_ids.insert(sequence_ids.end(), o.sequence_ids.begin(), o.sequence_ids.end());
}

void Encoding::merge_with(Encoding pair, bool growing_offsets) {
  fill_defaults(*this);
  fill_defaults(pair);
  std::vector<Encoding> combined;
  for (const Encoding& mine : overflowing) {
    Encoding n = mine;
    n.merge_with(pair, growing_offsets);
    combined.push_back(std::move(n));
    for (const Encoding& theirs : pair.overflowing) {
      Encoding m = mine;
      m.merge_with(theirs, growing_offsets);
      combined.push_back(std::move(m));
    }
  }
  for (const Encoding& theirs : pair.overflowing) {
    Encoding n = *this;
    n.merge_with(theirs, growing_offsets);
    combined.push_back(std::move(n));
  }

  const size_t shift = growing_offsets && !offsets.empty() ? offsets.back().second : 0;
  ids.insert(ids.end(), pair.ids.begin(), pair.ids.end());
  type_ids.insert(type_ids.end(), pair.type_ids.begin(), pair.type_ids.end());
  tokens.insert(tokens.end(), std::make_move_iterator(pair.tokens.begin()), std::make_move_iterator(pair.tokens.end()));
  word_ids.insert(word_ids.end(), pair.word_ids.begin(), pair.word_ids.end());
  for (const Offsets& o : pair.offsets) offsets.emplace_back(o.first + shift, o.second + shift);
  special_tokens_mask.insert(special_tokens_mask.end(), pair.special_tokens_mask.begin(), pair.special_tokens_mask.end());
  attention_mask.insert(attention_mask.end(), pair.attention_mask.begin(), pair.attention_mask.end());
  sequence_ids.insert(sequence_ids.end(), pair.sequence_ids.begin(), pair.sequence_ids.end());
  overflowing = std::move(combined);
}

Encoding Encoding::merge(std::vector<Encoding> encodings, bool growing_offsets) {
  Encoding result;
  for (Encoding& e : encodings) result.merge_with(std::move(e), growing_offsets);
  return result;
}

void Encoding::set_sequence_id(uint32_t id) { sequence_ids.assign(ids.size(), id); }

void Encoding::set_type_ids(int32_t type_id) { type_ids.assign(ids.size(), type_id); }

void Encoding::truncate(size_t max_len, size_t stride, Direction direction) {
  fill_defaults(*this);
  const size_t len = ids.size();
  if (max_len >= len) return;
  if (max_len == 0) {
    Encoding all = std::move(*this);
    *this = Encoding{};
    overflowing.push_back(std::move(all));
    return;
  }
  AM_CHECK(stride < max_len, "truncation: `stride` (", stride, ") must be strictly less than `max_len=", max_len,
           "` (note that `max_len` may be shorter than the max length of the original model, as it subtracts the "
           "number of special tokens)");

  // Windows of max_len tokens, each starting `step` after the previous one, until one reaches
  // the end (the start with Direction::left), exactly as HF computes its parts_ranges.
  const size_t step = max_len - stride;
  std::vector<std::pair<size_t, size_t>> parts;
  if (direction == Direction::right) {
    for (size_t start = 0; start < len; start += step) {
      const size_t stop = std::min(start + max_len, len);
      parts.emplace_back(start, stop);
      if (stop == len) break;
    }
  } else {
    // HF iterates (0..len).rev().step_by(step): stop-1 = len-1, len-1-step, ...
    for (size_t k = 0;; ++k) {
      const size_t last = len - 1;
      if (k * step > last) break;
      const size_t stop = last - k * step + 1;
      const size_t start = stop > max_len ? stop - max_len : 0;
      parts.emplace_back(start, stop);
      if (start == 0) break;
    }
  }

  Encoding head = window(*this, parts[0].first, parts[0].second);
  for (size_t i = 1; i < parts.size(); ++i) head.overflowing.push_back(window(*this, parts[i].first, parts[i].second));
  *this = std::move(head);
}

void Encoding::pad(size_t target_length, int32_t pad_id, int32_t pad_type_id, const std::string& pad_token,
                   Direction direction) {
  for (Encoding& o : overflowing) o.pad(target_length, pad_id, pad_type_id, pad_token, direction);
  fill_defaults(*this);
  if (ids.size() >= target_length) return;
  const size_t n = target_length - ids.size();
  if (direction == Direction::left) {
    prepend_n(ids, n, pad_id);
    prepend_n(type_ids, n, pad_type_id);
    prepend_n(tokens, n, pad_token);
    prepend_n(word_ids, n, std::optional<uint32_t>{});
    prepend_n(attention_mask, n, 0);
    prepend_n(special_tokens_mask, n, 1);
    prepend_n(offsets, n, Offsets{0, 0});
    prepend_n(sequence_ids, n, std::optional<uint32_t>{});
  } else {
    ids.insert(ids.end(), n, pad_id);
    type_ids.insert(type_ids.end(), n, pad_type_id);
    tokens.insert(tokens.end(), n, pad_token);
    word_ids.insert(word_ids.end(), n, std::nullopt);
    attention_mask.insert(attention_mask.end(), n, 0);
    special_tokens_mask.insert(special_tokens_mask.end(), n, 1);
    offsets.insert(offsets.end(), n, Offsets{0, 0});
    sequence_ids.insert(sequence_ids.end(), n, std::nullopt);
  }
}

}  // namespace automodel::tokenizers
