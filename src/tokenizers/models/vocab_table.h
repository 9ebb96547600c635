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
  void add(std::string_view token, int32_t id);
  std::optional<int32_t> find(std::string_view token) const {
    if (slots_.empty()) return std::nullopt;
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash_bytes(token) & mask;; i = (i + 1) & mask) {
      const int32_t e = slots_[i];
      if (e < 0) return std::nullopt;
      const Entry& en = entries_[static_cast<size_t>(e)];
      if (en.len == token.size() && std::memcmp(arena_.data() + en.off, token.data(), token.size()) == 0)
        return en.id;
    }
  }
  // The token of `id`, or nullopt for an id no token has.
  std::optional<std::string_view> token(int32_t id) const;
  size_t size() const { return entries_.size(); }
  // Largest id + 1 (0 when empty).
  size_t id_bound() const { return id_bound_; }
  template <class F>
  void for_each(F&& f) const {
    for (const Entry& e : entries_) f(std::string_view(arena_.data() + e.off, e.len), e.id);
  }

 private:
  struct Entry {
    uint32_t off, len;
    int32_t id;
  };
  void grow();
  void index_id(int32_t id, int32_t entry);
  std::string arena_;
  std::vector<Entry> entries_;
  std::vector<int32_t> slots_;      // entry index or -1
  std::vector<int32_t> by_id_;      // id -> entry index or -1 (dense ids)
  std::unordered_map<int32_t, int32_t> sparse_by_id_;  // ids too large for by_id_
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
  const Value* find(uint64_t key) const {
    if (keys_.empty()) return nullptr;
    const size_t mask = keys_.size() - 1;
    for (size_t i = hash_u64(key) & mask;; i = (i + 1) & mask) {
      if (keys_[i] == key) return &values_[i];
      if (keys_[i] == kEmpty) return nullptr;
    }
  }
  size_t size() const { return size_; }

 private:
  static constexpr uint64_t kEmpty = ~0ull;
  void grow();
  std::vector<uint64_t> keys_;
  std::vector<Value> values_;
  size_t size_ = 0;
};

}  // namespace automodel::tokenizers
