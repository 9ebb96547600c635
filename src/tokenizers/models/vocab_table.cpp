#include "vocab_table.h"

#include "automodel/core/error.h"

namespace automodel::tokenizers {

namespace {
size_t pow2_at_least(size_t n) {
  size_t c = 16;
  while (c < n) c <<= 1;
  return c;
}
constexpr size_t kDenseIdLimit = 1u << 24;  // ids above this go to the sparse map
}  // namespace

void TokenVocab::reserve(size_t n_tokens, size_t n_bytes) {
  arena_.reserve(n_bytes);
  if (slots_.size() < 2 * n_tokens) rehash(pow2_at_least(2 * n_tokens));
}

void TokenVocab::rehash(size_t n_slots) {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(n_slots, Slot{});
  const size_t mask = n_slots - 1;
  for (const Slot& sl : old) {
    if (sl.len == kEmptyLen) continue;
    const uint64_t h = hash_bytes(std::string_view(arena_.data() + sl.off, sl.len));
    size_t i = h & mask;
    while (slots_[i].len != kEmptyLen) i = (i + 1) & mask;
    slots_[i] = sl;
  }
}

void TokenVocab::set_id_span(int32_t id, Span sp) {
  AM_CHECK(id >= 0, "vocabulary: negative token id ", id);
  id_bound_ = std::max(id_bound_, static_cast<size_t>(id) + 1);
  if (static_cast<size_t>(id) < kDenseIdLimit) {
    if (by_id_.size() <= static_cast<size_t>(id)) by_id_.resize(std::max(by_id_.size() * 2, static_cast<size_t>(id) + 1), Span{0, kEmptyLen});
    by_id_[static_cast<size_t>(id)] = sp;
  } else {
    sparse_by_id_[id] = sp;
  }
}

void TokenVocab::add_batch(const std::vector<std::pair<std::string_view, int32_t>>& tokens) {
  constexpr size_t kAhead = 16;
  std::vector<uint64_t> hashes(tokens.size());
  if ((size_ + tokens.size()) * 2 > slots_.size()) rehash(pow2_at_least(2 * (size_ + tokens.size()) + 16));
  for (size_t i = 0; i < tokens.size(); ++i) {
    hashes[i] = hash_bytes(tokens[i].first);
    if (i >= kAhead) add_hashed(tokens[i - kAhead].first, tokens[i - kAhead].second, hashes[i - kAhead]);
    prefetch(hashes[i]);
  }
  for (size_t i = tokens.size() > kAhead ? tokens.size() - kAhead : 0; i < tokens.size(); ++i)
    add_hashed(tokens[i].first, tokens[i].second, hashes[i]);
}

void TokenVocab::add_hashed(std::string_view token, int32_t id, uint64_t h) {
  AM_CHECK(token.size() < kEmptyLen && arena_.size() + token.size() < UINT32_MAX, "vocabulary too large");
  AM_CHECK(id >= 0, "vocabulary: negative token id ", id);
  if ((size_ + 1) * 2 > slots_.size()) rehash(pow2_at_least(2 * (size_ + 1) + 16));
  const auto tag = static_cast<uint32_t>(h >> 32);
  const size_t mask = slots_.size() - 1;
  size_t i = h & mask;
  for (;; i = (i + 1) & mask) {
    Slot& sl = slots_[i];
    if (sl.len == kEmptyLen) break;
    if (sl.tag == tag && sl.len == token.size() && std::memcmp(arena_.data() + sl.off, token.data(), token.size()) == 0) {
      // Re-assigned: the old id no longer names this token.
      if (auto old = this->token(sl.id); old && old->data() == arena_.data() + sl.off)
        set_id_span(sl.id, Span{0, kEmptyLen});
      sl.id = id;
      set_id_span(id, Span{sl.off, sl.len});
      return;
    }
  }
  const Span sp{static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(token.size())};
  arena_.append(token);
  slots_[i] = Slot{sp.off, sp.len, id, tag};
  ++size_;
  set_id_span(id, sp);
}

// PairMap keeps its load factor under 3/4: its 16-byte slots sit four to a cache line, so
// probe runs rarely leave the first line, and a smaller table takes fewer cache misses and page
// faults to build (Llama-3's 280k merges: 8 MB instead of 16).
void PairMap::reserve(size_t n) {
  if (slots_.size() * 3 >= 4 * n) return;
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(pow2_at_least(n + n / 3 + 1), Slot{});
  size_ = 0;
  for (const Slot& s : old)
    if (s.key != kEmpty) put(s.key, s.value);
}

void PairMap::grow() { reserve(size_ * 2 + 16); }

void PairMap::put(uint64_t key, Value v) {
  AM_CHECK(key != kEmpty, "PairMap: reserved key");
  if ((size_ + 1) * 4 > slots_.size() * 3) grow();
  const size_t mask = slots_.size() - 1;
  size_t i = hash_u64(key) & mask;
  while (slots_[i].key != kEmpty && slots_[i].key != key) i = (i + 1) & mask;
  if (slots_[i].key == kEmpty) ++size_;
  slots_[i] = Slot{key, v};
}

}  // namespace automodel::tokenizers
