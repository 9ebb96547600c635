// The BPE model with HF tokenizers' exact semantics (models/bpe/model.rs, word.rs): a word
// starts as one symbol per character (or per byte with byte_fallback, or unk), then merges are
// applied lowest rank first, leftmost first among equal ranks, through a priority queue, as
// Word::merge_all does. Results are cached per thread for words seen before.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <exception>
#include <random>
#include <unordered_map>

#include "automodel/core/error.h"
#include "automodel/core/thread_pool.h"
#include "models.h"
#include "utf8_chars.h"

namespace automodel::tokenizers {

namespace {

constexpr size_t kCacheCapacity = 10000;  // HF's DEFAULT_CACHE_CAPACITY
constexpr size_t kCacheMaxWordBytes = 256;  // HF's MAX_LENGTH: longer words are not cached

std::atomic<uint64_t> next_instance_id{1};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return hash_bytes(s); }
};

using WordMap = std::unordered_map<std::string, std::vector<BpeModel::Symbol>, StringHash, std::equal_to<>>;

// Each thread keeps the caches of the few BPE models it used last; an instance id (never
// reused, unlike an address) says which model a cache belongs to.
struct ThreadCaches {
  struct Slot {
    uint64_t owner = 0;
    WordMap words;
  };
  std::array<Slot, 4> slots;
  size_t next_victim = 0;
  WordMap& for_model(uint64_t id) {
    for (Slot& s : slots)
      if (s.owner == id) return s.words;
    Slot& s = slots[next_victim];
    next_victim = (next_victim + 1) % slots.size();
    s.owner = id;
    s.words.clear();
    return s.words;
  }
};

thread_local ThreadCaches t_caches;

// Word::merge_all's symbol: a doubly linked list over a vector, len 0 marks a merged-away one.
struct LinkedSymbol {
  int32_t id;
  int32_t prev, next;
  uint32_t len;
};

struct QueuedMerge {
  uint32_t rank;
  uint32_t pos;
  int32_t new_id;
};

// Max-heap order where the "largest" is the lowest rank, then the lowest position.
struct LaterMerge {
  bool operator()(const QueuedMerge& a, const QueuedMerge& b) const {
    return a.rank != b.rank ? a.rank > b.rank : a.pos > b.pos;
  }
};

inline uint64_t pair_key(int32_t a, int32_t b) {
  return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
}

std::string byte_token_name(unsigned b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "<0x%02X>", b);
  return buf;
}

}  // namespace

BpeModel::BpeModel(TokenVocab vocab, const std::vector<MergePair>& merges, BpeOptions options)
    : vocab_(std::move(vocab)), options_(std::move(options)), instance_id_(next_instance_id++) {
  if (options_.dropout) {
    AM_CHECK(*options_.dropout >= 0.0 && *options_.dropout <= 1.0, "BPE: dropout must be in [0, 1], found ",
             *options_.dropout);
  }
  if (options_.unk_token) unk_id_ = vocab_.find(*options_.unk_token);
  byte_ids_.assign(256, -1);
  for (unsigned b = 0; b < 256; ++b)
    if (auto id = vocab_.find(byte_token_name(b))) byte_ids_[b] = *id;

  const size_t prefix_len = options_.continuing_subword_prefix ? options_.continuing_subword_prefix->size() : 0;
  // Resolving a merge takes three vocabulary lookups, each a likely cache miss: chunks of
  // merges are resolved in parallel (the vocabulary is read-only by now), each hashing a batch
  // of merges and prefetching their slots before looking them up. The map is then filled in
  // rank order, so a repeated pair keeps its last rank, as HF's HashMap collect does.
  std::vector<std::pair<uint64_t, PairMap::Value>> resolved(merges.size());
  constexpr size_t kChunk = 8192;
  const size_t n_chunks = (merges.size() + kChunk - 1) / kChunk;
  std::vector<std::exception_ptr> errors(n_chunks);
  ThreadPool::global().parallel_for(static_cast<int64_t>(n_chunks), 1, [&](int64_t cb, int64_t ce) {
    for (auto c = static_cast<size_t>(cb); c < static_cast<size_t>(ce); ++c) {
      try {
        resolve_merges(merges, c * kChunk, std::min(merges.size(), (c + 1) * kChunk), prefix_len, resolved);
      } catch (...) {
        errors[c] = std::current_exception();
      }
    }
  });
  for (auto& err : errors)
    if (err) std::rethrow_exception(err);  // the lowest rank's error, as a sequential load
  merges_.reserve(merges.size());
  constexpr size_t kAhead = 16;
  for (size_t i = 0; i < resolved.size(); ++i) {
    if (i + kAhead < resolved.size()) merges_.prefetch(resolved[i + kAhead].first);
    merges_.put(resolved[i].first, resolved[i].second);
  }
}

void BpeModel::resolve_merges(const std::vector<MergePair>& merges, size_t begin, size_t end, size_t prefix_len,
                              std::vector<std::pair<uint64_t, PairMap::Value>>& out) const {
  constexpr size_t kBatch = 32;
  std::string merged_buf;
  std::array<size_t, kBatch> merged_end{};
  std::array<uint64_t, 3 * kBatch> hashes{};
  for (size_t base = begin; base < end; base += kBatch) {
    const size_t count = std::min(kBatch, end - base);
    merged_buf.clear();
    for (size_t k = 0; k < count; ++k) {
      const auto& [a, b] = merges[base + k];
      // The merged token drops the right part's continuing-subword prefix ("a" + "##b" = "ab").
      AM_CHECK(b.size() >= prefix_len, "BPE: merge ", base + k, ": token \"", b,
               "\" is shorter than the continuing_subword_prefix");
      merged_buf.append(a);
      merged_buf.append(b.substr(prefix_len));
      merged_end[k] = merged_buf.size();
    }
    for (size_t k = 0; k < count; ++k) {
      const auto& [a, b] = merges[base + k];
      const size_t m_begin = k == 0 ? 0 : merged_end[k - 1];
      hashes[3 * k] = hash_bytes(a);
      hashes[3 * k + 1] = hash_bytes(b);
      hashes[3 * k + 2] = hash_bytes(std::string_view(merged_buf).substr(m_begin, merged_end[k] - m_begin));
      for (size_t q = 0; q < 3; ++q) vocab_.prefetch(hashes[3 * k + q]);
    }
    for (size_t k = 0; k < count; ++k) {
      const size_t rank = base + k;
      const auto& [a, b] = merges[rank];
      const size_t m_begin = k == 0 ? 0 : merged_end[k - 1];
      const std::string_view merged = std::string_view(merged_buf).substr(m_begin, merged_end[k] - m_begin);
      auto a_id = vocab_.find_hashed(a, hashes[3 * k]);
      AM_CHECK(a_id.has_value(), "BPE: merge ", rank, " (\"", a, " ", b, "\"): token \"", a,
               "\" is not in the vocabulary");
      auto b_id = vocab_.find_hashed(b, hashes[3 * k + 1]);
      AM_CHECK(b_id.has_value(), "BPE: merge ", rank, " (\"", a, " ", b, "\"): token \"", b,
               "\" is not in the vocabulary");
      auto new_id = vocab_.find_hashed(merged, hashes[3 * k + 2]);
      AM_CHECK(new_id.has_value(), "BPE: merge ", rank, " (\"", a, " ", b, "\"): merged token \"", merged,
               "\" is not in the vocabulary");
      out[rank] = {pair_key(*a_id, *b_id), {static_cast<uint32_t>(rank), static_cast<uint32_t>(*new_id)}};
    }
  }
}

std::optional<std::string> BpeModel::id_to_token(int32_t id) const {
  auto t = vocab_.token(id);
  if (!t) return std::nullopt;
  return std::string(*t);
}

void BpeModel::split_into_symbols(std::string_view w, std::vector<Symbol>& word) const {
  word.clear();
  const bool decorate = options_.continuing_subword_prefix || options_.end_of_word_suffix;
  std::string decorated;
  std::optional<Symbol> pending_unk;
  for (size_t i = 0; i < w.size();) {
    const size_t n = utf8::char_len(w, i);
    const bool is_first = i == 0;
    const bool is_last = i + n >= w.size();
    std::string_view s = w.substr(i, n);
    if (decorate) {
      decorated.clear();
      if (!is_first && options_.continuing_subword_prefix) decorated += *options_.continuing_subword_prefix;
      decorated += s;
      if (is_last && options_.end_of_word_suffix) decorated += *options_.end_of_word_suffix;
      s = decorated;
    }
    i += n;
    if (auto id = vocab_.find(s)) {
      if (pending_unk) {
        word.push_back(*pending_unk);
        pending_unk.reset();
      }
      word.push_back({*id, static_cast<uint32_t>(n)});
      continue;
    }
    if (options_.byte_fallback) {
      // Every byte of the (decorated) character must have its <0xXX> token; the pending unk,
      // if any, stays pending, as HF does.
      bool all = true;
      for (unsigned char b : s) all = all && byte_ids_[b] >= 0;
      if (all) {
        for (unsigned char b : s) word.push_back({byte_ids_[b], 1});
        continue;
      }
    }
    if (options_.unk_token) {
      AM_CHECK(unk_id_.has_value(), "BPE: the unk_token \"", *options_.unk_token, "\" is not in the vocabulary");
      if (pending_unk && options_.fuse_unk) {
        pending_unk->len += static_cast<uint32_t>(n);
      } else {
        if (pending_unk) word.push_back(*pending_unk);
        pending_unk = Symbol{*unk_id_, static_cast<uint32_t>(n)};
      }
    }
    // Without an unk_token the character is dropped (HF does the same).
  }
  if (pending_unk) word.push_back(*pending_unk);
}

void BpeModel::merge_all(std::vector<Symbol>& word) const {
  thread_local std::vector<LinkedSymbol> symbols;
  thread_local std::vector<QueuedMerge> queue;
  thread_local std::vector<QueuedMerge> skipped;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  const double dropout = options_.dropout.value_or(0.0);

  const size_t n = word.size();
  symbols.resize(n);
  for (size_t i = 0; i < n; ++i)
    symbols[i] = {word[i].id, static_cast<int32_t>(i) - 1, i + 1 < n ? static_cast<int32_t>(i + 1) : -1, word[i].len};
  queue.clear();
  skipped.clear();
  for (size_t i = 0; i + 1 < n; ++i)
    if (const PairMap::Value* m = merges_.find(pair_key(symbols[i].id, symbols[i + 1].id)))
      queue.push_back({m->a, static_cast<uint32_t>(i), static_cast<int32_t>(m->b)});
  std::make_heap(queue.begin(), queue.end(), LaterMerge{});

  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  while (!queue.empty()) {
    std::pop_heap(queue.begin(), queue.end(), LaterMerge{});
    const QueuedMerge top = queue.back();
    queue.pop_back();
    if (dropout > 0.0 && uniform(rng) < dropout) {
      skipped.push_back(top);
      continue;
    }
    for (const QueuedMerge& s : skipped) {
      queue.push_back(s);
      std::push_heap(queue.begin(), queue.end(), LaterMerge{});
    }
    skipped.clear();

    LinkedSymbol& cur = symbols[top.pos];
    if (cur.len == 0 || cur.next == -1) continue;
    const size_t next_pos = static_cast<size_t>(cur.next);
    const LinkedSymbol right = symbols[next_pos];
    // A queued merge is stale when either side has changed since it was queued.
    const PairMap::Value* still = merges_.find(pair_key(cur.id, right.id));
    if (!still || static_cast<int32_t>(still->b) != top.new_id) continue;

    cur.id = top.new_id;
    cur.len += right.len;
    cur.next = right.next;
    symbols[next_pos].len = 0;
    if (right.next > -1 && static_cast<size_t>(right.next) < n) symbols[static_cast<size_t>(right.next)].prev = static_cast<int32_t>(top.pos);

    if (cur.prev >= 0) {
      const LinkedSymbol& prev = symbols[static_cast<size_t>(cur.prev)];
      if (const PairMap::Value* m = merges_.find(pair_key(prev.id, cur.id))) {
        queue.push_back({m->a, static_cast<uint32_t>(cur.prev), static_cast<int32_t>(m->b)});
        std::push_heap(queue.begin(), queue.end(), LaterMerge{});
      }
    }
    if (cur.next >= 0 && static_cast<size_t>(cur.next) < n) {
      const LinkedSymbol& next = symbols[static_cast<size_t>(cur.next)];
      if (const PairMap::Value* m = merges_.find(pair_key(cur.id, next.id))) {
        queue.push_back({m->a, top.pos, static_cast<int32_t>(m->b)});
        std::push_heap(queue.begin(), queue.end(), LaterMerge{});
      }
    }
  }

  word.clear();
  for (size_t i = 0; i < n; ++i)
    if (symbols[i].len != 0) word.push_back({symbols[i].id, symbols[i].len});
}

std::vector<Token> BpeModel::to_tokens(const std::vector<Symbol>& word) const {
  std::vector<Token> tokens;
  tokens.reserve(word.size());
  size_t offset = 0;
  for (const Symbol& s : word) {
    auto value = vocab_.token(s.id);
    AM_CHECK(value.has_value(), "BPE: token id ", s.id, " has no vocabulary entry");
    tokens.push_back(Token{s.id, std::string(*value), {offset, offset + s.len}});
    offset += s.len;
  }
  return tokens;
}

std::vector<Token> BpeModel::tokenize(std::string_view piece) const {
  if (piece.empty()) return {};
  if (options_.ignore_merges) {
    if (auto id = vocab_.find(piece)) return {Token{*id, std::string(piece), {0, piece.size()}}};
  }
  const bool use_cache = !options_.dropout || *options_.dropout == 0.0;
  thread_local std::vector<Symbol> word;
  if (!use_cache) {
    split_into_symbols(piece, word);
    merge_all(word);
    return to_tokens(word);
  }
  WordMap& cache = t_caches.for_model(instance_id_);
  if (auto it = cache.find(piece); it != cache.end()) return to_tokens(it->second);
  split_into_symbols(piece, word);
  merge_all(word);
  if (piece.size() < kCacheMaxWordBytes) {
    // Bounded: when full, start over rather than stop caching (text drifts over a corpus).
    if (cache.size() >= kCacheCapacity) cache.clear();
    cache.emplace(std::string(piece), word);
  }
  return to_tokens(word);
}

}  // namespace automodel::tokenizers
