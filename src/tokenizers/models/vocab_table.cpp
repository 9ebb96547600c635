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
  entries_.reserve(n_tokens);
  if (slots_.size() < 2 * n_tokens) {
    slots_.assign(pow2_at_least(2 * n_tokens), -1);
    for (size_t e = 0; e < entries_.size(); ++e) {
      const Entry& en = entries_[e];
      const size_t mask = slots_.size() - 1;
      size_t i = hash_bytes(std::string_view(arena_.data() + en.off, en.len)) & mask;
      while (slots_[i] >= 0) i = (i + 1) & mask;
      slots_[i] = static_cast<int32_t>(e);
    }
  }
}

void TokenVocab::grow() { reserve(entries_.size() * 2 + 16, arena_.capacity()); }

void TokenVocab::index_id(int32_t id, int32_t entry) {
  AM_CHECK(id >= 0, "vocabulary: negative token id ", id);
  id_bound_ = std::max(id_bound_, static_cast<size_t>(id) + 1);
  if (static_cast<size_t>(id) < kDenseIdLimit) {
    if (by_id_.size() <= static_cast<size_t>(id)) by_id_.resize(static_cast<size_t>(id) + 1, -1);
    by_id_[static_cast<size_t>(id)] = entry;
  } else {
    sparse_by_id_[id] = entry;
  }
}

void TokenVocab::add(std::string_view token, int32_t id) {
  AM_CHECK(token.size() < UINT32_MAX && arena_.size() + token.size() < UINT32_MAX, "vocabulary too large");
  if ((entries_.size() + 1) * 2 > slots_.size()) grow();
  const size_t mask = slots_.size() - 1;
  size_t i = hash_bytes(token) & mask;
  for (;; i = (i + 1) & mask) {
    const int32_t e = slots_[i];
    if (e < 0) break;
    Entry& en = entries_[static_cast<size_t>(e)];
    if (en.len == token.size() && std::memcmp(arena_.data() + en.off, token.data(), token.size()) == 0) {
      en.id = id;
      index_id(id, e);
      return;
    }
  }
  const auto e = static_cast<int32_t>(entries_.size());
  entries_.push_back({static_cast<uint32_t>(arena_.size()), static_cast<uint32_t>(token.size()), id});
  arena_.append(token);
  slots_[i] = e;
  index_id(id, e);
}

std::optional<std::string_view> TokenVocab::token(int32_t id) const {
  if (id < 0) return std::nullopt;
  int32_t e = -1;
  if (static_cast<size_t>(id) < by_id_.size()) {
    e = by_id_[static_cast<size_t>(id)];
  } else if (auto it = sparse_by_id_.find(id); it != sparse_by_id_.end()) {
    e = it->second;
  }
  if (e < 0) return std::nullopt;
  const Entry& en = entries_[static_cast<size_t>(e)];
  if (en.id != id) return std::nullopt;  // the entry was re-assigned to another id since
  return std::string_view(arena_.data() + en.off, en.len);
}

void PairMap::reserve(size_t n) {
  if (keys_.size() >= 2 * n) return;
  std::vector<uint64_t> old_keys = std::move(keys_);
  std::vector<Value> old_values = std::move(values_);
  keys_.assign(pow2_at_least(2 * n), kEmpty);
  values_.assign(keys_.size(), Value{0, 0});
  size_ = 0;
  for (size_t i = 0; i < old_keys.size(); ++i)
    if (old_keys[i] != kEmpty) put(old_keys[i], old_values[i]);
}

void PairMap::grow() { reserve(size_ * 2 + 16); }

void PairMap::put(uint64_t key, Value v) {
  AM_CHECK(key != kEmpty, "PairMap: reserved key");
  if ((size_ + 1) * 2 > keys_.size()) grow();
  const size_t mask = keys_.size() - 1;
  size_t i = hash_u64(key) & mask;
  while (keys_[i] != kEmpty && keys_[i] != key) i = (i + 1) & mask;
  if (keys_[i] == kEmpty) ++size_;
  keys_[i] = key;
  values_[i] = v;
}

}  // namespace automodel::tokenizers
