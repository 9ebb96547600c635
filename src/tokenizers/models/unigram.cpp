// Unigram (HF models/unigram/model.rs, the optimized Viterbi of SentencePiece): the
// segmentation maximizing the sum of piece scores; characters no piece covers are unk nodes
// scored min_score - 10, and consecutive unknowns are fused into one token.
#include <algorithm>
#include <cstdio>
#include <limits>

#include "automodel/core/error.h"
#include "models.h"
#include "utf8_chars.h"

namespace automodel::tokenizers {

namespace {
constexpr double kUnkPenalty = 10.0;
}

UnigramModel::UnigramModel(std::vector<std::pair<std::string, double>> pieces, std::optional<size_t> unk_id,
                           bool byte_fallback)
    : pieces_(std::move(pieces)), unk_id_(unk_id), byte_fallback_(byte_fallback) {
  if (unk_id_) {
    AM_CHECK(!pieces_.empty(), "Unigram: the vocabulary is empty but at least <unk> is needed");
    AM_CHECK(*unk_id_ < pieces_.size(), "Unigram: unk_id ", *unk_id_, " is not below the vocabulary size ",
             pieces_.size());
  }
  size_t bytes = 0;
  for (const auto& p : pieces_) bytes += p.first.size();
  vocab_.reserve(pieces_.size(), bytes);
  trie_.reserve(bytes);
  node_token_.push_back(-1);
  min_score_ = std::numeric_limits<double>::infinity();
  for (size_t id = 0; id < pieces_.size(); ++id) {
    const auto& [token, score] = pieces_[id];
    vocab_.add(token, static_cast<int32_t>(id));
    uint32_t node = 0;
    for (unsigned char b : token) {
      const uint64_t key = (static_cast<uint64_t>(node) << 8) | b;
      if (const PairMap::Value* child = trie_.find(key)) {
        node = child->a;
      } else {
        const auto fresh = static_cast<uint32_t>(node_token_.size());
        node_token_.push_back(-1);
        trie_.put(key, {fresh, 0});
        node = fresh;
      }
    }
    if (!token.empty()) node_token_[node] = static_cast<int32_t>(id);
    if (score < min_score_) min_score_ = score;
  }
  // A token repeated in the list maps to its last id in both the trie and the vocabulary, as
  // HF's token_to_ids keeps the last one.
}

std::optional<std::string> UnigramModel::id_to_token(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= pieces_.size()) return std::nullopt;
  return pieces_[static_cast<size_t>(id)].first;
}

std::vector<std::string> UnigramModel::encode(std::string_view s) const {
  if (s.empty()) return {};
  struct Node {
    int64_t id = 0;
    double score = 0.0;
    int64_t starts_at = -1;  // -1: not reached yet
  };
  const double unk_score = min_score_ - kUnkPenalty;
  std::vector<Node> best(s.size() + 1);
  for (size_t start = 0; start < s.size();) {
    const double till_here = best[start].score;
    const size_t mblen = utf8::char_len(s, start);
    bool has_single_node = false;
    uint32_t node = 0;
    for (size_t k = start; k < s.size(); ++k) {
      const PairMap::Value* child = trie_.find((static_cast<uint64_t>(node) << 8) | static_cast<unsigned char>(s[k]));
      if (!child) break;
      node = child->a;
      const int32_t id = node_token_[node];
      if (id < 0) continue;
      const size_t end = k + 1;
      const double candidate = pieces_[static_cast<size_t>(id)].second + till_here;
      Node& target = best[end];
      if (target.starts_at < 0 || candidate > target.score) {
        target = {id, candidate, static_cast<int64_t>(start)};
      }
      if (end - start == mblen) has_single_node = true;
    }
    if (!has_single_node) {
      Node& target = best[start + mblen];
      const double candidate = unk_score + till_here;
      if (target.starts_at < 0 || candidate > target.score) {
        AM_CHECK(unk_id_.has_value(), "Unigram: encountered an unknown token but `unk_id` is missing");
        target = {static_cast<int64_t>(*unk_id_), candidate, static_cast<int64_t>(start)};
      }
    }
    start += mblen;
  }

  std::vector<std::string> results;
  std::string fused_unk;  // pieces of a run of unknowns, collected backwards
  std::vector<std::string_view> unk_parts;
  for (size_t end = s.size(); end > 0;) {
    const Node& n = best[end];
    const auto start = static_cast<size_t>(n.starts_at);
    if (unk_id_ && n.id == static_cast<int64_t>(*unk_id_)) {
      unk_parts.push_back(s.substr(start, end - start));
    } else {
      if (!unk_parts.empty()) {
        std::string fused;
        for (auto it = unk_parts.rbegin(); it != unk_parts.rend(); ++it) fused += *it;
        results.push_back(std::move(fused));
        unk_parts.clear();
      }
      results.emplace_back(s.substr(start, end - start));
    }
    end = start;
  }
  if (!unk_parts.empty()) {
    std::string fused;
    for (auto it = unk_parts.rbegin(); it != unk_parts.rend(); ++it) fused += *it;
    results.push_back(std::move(fused));
  }
  std::reverse(results.begin(), results.end());
  return results;
}

std::vector<Token> UnigramModel::tokenize(std::string_view piece) const {
  std::vector<Token> tokens;
  size_t offset = 0;
  for (std::string& str : encode(piece)) {
    const size_t len = str.size();
    const Offsets offsets{offset, offset + len};
    offset += len;
    if (auto id = vocab_.find(str)) {
      tokens.push_back(Token{*id, std::move(str), offsets});
      continue;
    }
    if (byte_fallback_) {
      std::vector<Token> bytes;
      bool all = true;
      for (unsigned char b : str) {
        char name[8];
        std::snprintf(name, sizeof name, "<0x%02X>", b);
        auto id = vocab_.find(name);
        if (!id) {
          all = false;
          break;
        }
        bytes.push_back(Token{*id, name, offsets});
      }
      if (all) {
        for (Token& t : bytes) tokens.push_back(std::move(t));
        continue;
      }
    }
    AM_CHECK(unk_id_.has_value(), "Unigram: encountered an unknown token but `unk_id` is missing");
    tokens.push_back(Token{static_cast<int32_t>(*unk_id_), std::move(str), offsets});
  }
  return tokens;
}

}  // namespace automodel::tokenizers
