// Hash tables for the models: TokenVocab (token string <-> id, strings in one arena, open
// addressing) and PairMap (64-bit key -> two 32-bit values, for BPE merges and trie edges).
// Built once at load time, read concurrently afterwards.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace automodel::tokenizers {

inline uint64_t hash_bytes(std::string_view s) {
  // Multiply-xorshift over 8-byte words: tokens are short, so this beats byte-wise FNV.
  uint64_t h = 0x9E3779B97F4A7C15ull ^ (s.size() * 0xC2B2AE3D27D4EB4Full);
  const char* p = s.data();
  size_t n = s.size();
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xFF51AFD7ED558CCDull;
    h ^= h >> 32;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    uint64_t w = 0;
    std::memcpy(&w, p, n);
    h = (h ^ w) * 0xFF51AFD7ED558CCDull;
  }
  h ^= h >> 29;
  h *= 0xC4CEB9FE1A85EC53ull;
  h ^= h >> 32;
  return h;
}

inline uint64_t hash_u64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xFF51AFD7ED558CCDull;
  x ^= x >> 33;
  x *= 0xC4CEB9FE1A85EC53ull;
  x ^= x >> 33;
  return x;
}

class TokenVocab {
 public:
  void reserve(size_t n_tokens, size_t n_bytes);
  // Adds or, for a token seen before, re-assigns it (a later duplicate JSON key wins, as serde).
  void add(std::string_view token, int32_t id) { add_hashed(token, id, hash_bytes(token)); }
  // add() over many tokens, hashing and prefetching ahead of the inserts (load is bound by
  // cache misses in the slot table).
  void add_batch(const std::vector<std::pair<std::string_view, int32_t>>& tokens);
  std::optional<int32_t> find(std::string_view token) const { return find_hashed(token, hash_bytes(token)); }
  // find() with the hash precomputed, and a prefetch of its slot: loading a vocabulary and its
  // merges is bound by cache misses, so callers hash a batch, prefetch, then look up.
  std::optional<int32_t> find_hashed(std::string_view token, uint64_t h) const {
    if (slots_.empty()) return std::nullopt;
    const size_t mask = slots_.size() - 1;
    const auto tag = static_cast<uint32_t>(h >> 32);
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      const Slot& sl = slots_[i];
      if (sl.len == kEmptyLen) return std::nullopt;
      if (sl.tag == tag && sl.len == token.size() && std::memcmp(arena_.data() + sl.off, token.data(), token.size()) == 0)
        return sl.id;
    }
  }
  void prefetch(uint64_t h) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[h & (slots_.size() - 1)]);
  }
  // The token of `id`, or nullopt for an id no token has.
  std::optional<std::string_view> token(int32_t id) const {
    if (id < 0) return std::nullopt;
    Span sp{0, kEmptyLen};
    if (static_cast<size_t>(id) < by_id_.size()) {
      sp = by_id_[static_cast<size_t>(id)];
    } else if (auto it = sparse_by_id_.find(id); it != sparse_by_id_.end()) {
      sp = it->second;
    }
    if (sp.len == kEmptyLen) return std::nullopt;
    return std::string_view(arena_.data() + sp.off, sp.len);
  }
  size_t size() const { return size_; }
  // Largest id + 1 (0 when empty).
  size_t id_bound() const { return id_bound_; }
  template <class F>
  void for_each(F&& f) const {
    for (const Slot& sl : slots_)
      if (sl.len != kEmptyLen) f(std::string_view(arena_.data() + sl.off, sl.len), sl.id);
  }

 private:
  static constexpr uint32_t kEmptyLen = UINT32_MAX;
  struct Slot {
    uint32_t off = 0, len = kEmptyLen;
    int32_t id = 0;
    uint32_t tag = 0;  // high half of the hash, checked before touching the arena
  };
  struct Span {
    uint32_t off, len;
  };
  void rehash(size_t n_slots);
  void add_hashed(std::string_view token, int32_t id, uint64_t h);
  void set_id_span(int32_t id, Span sp);
  std::string arena_;
  std::vector<Slot> slots_;
  size_t size_ = 0;
  std::vector<Span> by_id_;                          // id -> token (dense ids)
  std::unordered_map<int32_t, Span> sparse_by_id_;  // ids too large for by_id_
  size_t id_bound_ = 0;
};

class PairMap {
 public:
  struct Value {
    uint32_t a, b;
  };
  void reserve(size_t n);
  // Inserts or overwrites.
  void put(uint64_t key, Value v);
  void prefetch(uint64_t key) const {
    if (!slots_.empty()) __builtin_prefetch(&slots_[hash_u64(key) & (slots_.size() - 1)], 1);
  }
  const Value* find(uint64_t key) const {
    if (slots_.empty()) return nullptr;
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash_u64(key) & mask;; i = (i + 1) & mask) {
      if (slots_[i].key == key) return &slots_[i].value;
      if (slots_[i].key == kEmpty) return nullptr;
    }
  }
  size_t size() const { return size_; }

 private:
  static constexpr uint64_t kEmpty = ~0ull;
  struct Slot {
    uint64_t key = kEmpty;
    Value value{0, 0};
  };
  void grow();
  std::vector<Slot> slots_;  // key and value side by side: one cache line per probe
  size_t size_ = 0;
};

}  // namespace automodel::tokenizers
