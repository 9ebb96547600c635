// Added tokens (tokenizer.json "added_tokens"): matched in the input before the model runs,
// with HF's AddedVocabulary semantics: tokens with normalized=false are found in the raw text
// first, then the others in each remaining piece after normalization; leftmost-longest
// matching; single_word / lstrip / rstrip rules; ids from the model vocabulary when the
// content is in it, else assigned from the vocabulary size upwards in file order.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "automodel/tokenizers/components.h"
#include "automodel/tokenizers/tokenizer.h"

namespace automodel::tokenizers {

// Leftmost-longest multi-pattern matcher over bytes (a trie walked from each position whose
// first byte can start a pattern).
class LongestMatchTrie {
 public:
  void build(const std::vector<std::string>& patterns);
  bool empty() const { return nodes_.size() <= 1; }
  // Calls fn(start, end, pattern_index) for successive non-overlapping leftmost-longest matches.
  template <class Fn>
  void for_each_match(std::string_view text, Fn&& fn) const;

 private:
  struct Node {
    int32_t pattern = -1;  // pattern ending here
    std::vector<std::pair<uint8_t, uint32_t>> children;  // sorted by byte
  };
  uint32_t child(uint32_t node, uint8_t b) const;
  std::vector<Node> nodes_;
  bool first_byte_[256] = {};
};

class AddedVocabulary {
 public:
  // Adds tokens as HF's add_tokens (one call with all of tokenizer.json's list).
  void add_tokens(const std::vector<AddedToken>& tokens, const Model* model, const Normalizer* normalizer);

  std::optional<int32_t> token_to_id(std::string_view content) const;
  const AddedToken* token_for_id(int32_t id) const;
  bool is_special(std::string_view content) const { return special_set_.count(std::string(content)) != 0; }
  const std::vector<std::pair<int32_t, AddedToken>>& tokens_by_id() const { return by_id_sorted_; }
  size_t size() const { return by_content_.size(); }

  // HF extract_and_normalize: the input as splits, added tokens already tokenized, the other
  // pieces normalized by `normalizer` (may be null).
  PreTokenizedString extract_and_normalize(const Normalizer* normalizer, std::string text) const;

 private:
  struct Matcher {
    LongestMatchTrie trie;
    std::vector<int32_t> ids;  // pattern index -> token id
  };
  void refresh(const Model* model, const Normalizer* normalizer);
  void split_with_matches(NormalizedString&& s, const Matcher& m, std::vector<Split>& out) const;

  std::unordered_map<std::string, int32_t> by_content_;
  std::unordered_map<int32_t, AddedToken> by_id_;
  std::vector<std::pair<int32_t, AddedToken>> by_id_sorted_;
  std::unordered_set<std::string> special_set_;
  std::vector<AddedToken> special_tokens_, added_tokens_;  // HF's two lists, in insertion order
  Matcher raw_, normalized_;
};

template <class Fn>
void LongestMatchTrie::for_each_match(std::string_view text, Fn&& fn) const {
  if (empty()) return;
  size_t i = 0;
  while (i < text.size()) {
    if (!first_byte_[static_cast<uint8_t>(text[i])]) {
      ++i;
      continue;
    }
    uint32_t node = 0;
    int32_t best = -1;
    size_t best_end = 0;
    for (size_t k = i; k < text.size(); ++k) {
      node = child(node, static_cast<uint8_t>(text[k]));
      if (node == 0) break;
      if (nodes_[node].pattern >= 0) {
        best = nodes_[node].pattern;
        best_end = k + 1;
      }
    }
    if (best >= 0) {
      fn(i, best_end, best);
      i = best_end;
    } else {
      ++i;
    }
  }
}

}  // namespace automodel::tokenizers
