#include "added_vocabulary.h"

#include <algorithm>

#include <utf8proc.h>

#include "unicode.h"

namespace automodel::tokenizers {

// ---- LongestMatchTrie -----------------------------------------------------------------------

uint32_t LongestMatchTrie::child(uint32_t node, uint8_t b) const {
  const auto& ch = nodes_[node].children;
  auto it = std::lower_bound(ch.begin(), ch.end(), b, [](const auto& p, uint8_t v) { return p.first < v; });
  return it != ch.end() && it->first == b ? it->second : 0;
}

void LongestMatchTrie::build(const std::vector<std::string>& patterns) {
  nodes_.assign(1, Node{});
  std::fill(std::begin(first_byte_), std::end(first_byte_), false);
  for (size_t p = 0; p < patterns.size(); ++p) {
    const std::string& s = patterns[p];
    if (s.empty()) continue;
    first_byte_[static_cast<uint8_t>(s[0])] = true;
    uint32_t node = 0;
    for (unsigned char b : s) {
      uint32_t next = child(node, b);
      if (next == 0) {
        next = static_cast<uint32_t>(nodes_.size());
        nodes_.push_back(Node{});
        auto& ch = nodes_[node].children;
        auto it = std::lower_bound(ch.begin(), ch.end(), b, [](const auto& q, uint8_t v) { return q.first < v; });
        ch.insert(it, {b, next});
      }
      node = next;
    }
    if (nodes_[node].pattern < 0) nodes_[node].pattern = static_cast<int32_t>(p);  // first of duplicates wins
  }
}

// ---- AddedVocabulary ------------------------------------------------------------------------

namespace {

// Rust regex's Unicode \w: Alphabetic, marks, decimal digits, connector punctuation, joiners.
bool is_word_char(char32_t c) {
  if (c < 0x80) return c == '_' || (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
  if (c == 0x200C || c == 0x200D) return true;
  auto k = utf8proc_category(static_cast<utf8proc_int32_t>(c));
  switch (k) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME:
    case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_PC:
      return true;
    default:
      return false;
  }
}

char32_t last_char(std::string_view s) {
  size_t i = s.size() - 1;
  while (i > 0 && !unicode::is_char_boundary(s, i)) --i;
  return unicode::next_char(s, i);
}

// Start of the run of whitespace that ends `s`.
size_t trailing_space_start(std::string_view s) {
  size_t end = s.size();
  while (end > 0) {
    size_t i = end - 1;
    while (i > 0 && !unicode::is_char_boundary(s, i)) --i;
    size_t j = i;
    if (!unicode::is_whitespace(unicode::next_char(s, j))) break;
    end = i;
  }
  return end;
}

// Length of the run of whitespace that starts `s`.
size_t leading_space_len(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t j = i;
    if (!unicode::is_whitespace(unicode::next_char(s, j))) break;
    i = j;
  }
  return i;
}

}  // namespace

std::optional<int32_t> AddedVocabulary::token_to_id(std::string_view content) const {
  auto it = by_content_.find(std::string(content));
  if (it == by_content_.end()) return std::nullopt;
  return it->second;
}

const AddedToken* AddedVocabulary::token_for_id(int32_t id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &it->second;
}

void AddedVocabulary::add_tokens(const std::vector<AddedToken>& tokens, const Model* model,
                                 const Normalizer* normalizer) {
  for (const auto& t : tokens) {
    if (t.special && !t.content.empty() && !special_set_.count(t.content)) {
      special_tokens_.push_back(t);
      special_set_.insert(t.content);
    }
  }
  const size_t model_size = model ? model->vocab_size() : 0;
  auto equal = [](const AddedToken& a, const AddedToken& b) {
    return a.content == b.content && a.single_word == b.single_word && a.lstrip == b.lstrip && a.rstrip == b.rstrip &&
           a.normalized == b.normalized && a.special == b.special;
  };
  int64_t next_id = static_cast<int64_t>(model_size);
  if (!by_id_.empty()) {
    int64_t max_id = std::max_element(by_id_.begin(), by_id_.end(), [](auto& a, auto& b) { return a.first < b.first; })->first;
    next_id = (max_id >= static_cast<int64_t>(model_size) || model_size == 0) ? max_id + 1 : static_cast<int64_t>(model_size);
  }
  for (const auto& t : tokens) {
    if (t.content.empty()) continue;
    bool exists = false;
    if (auto it = by_content_.find(t.content); it != by_content_.end()) {
      auto jt = by_id_.find(it->second);
      exists = jt != by_id_.end() && equal(jt->second, t);
    }
    if (exists) continue;
    std::optional<int32_t> id = token_to_id(t.content);
    if (!id && model) id = model->token_to_id(t.content);
    int32_t new_id = id ? *id : static_cast<int32_t>(next_id++);
    by_content_[t.content] = new_id;
    by_id_[new_id] = t;
    if (!special_set_.count(t.content)) added_tokens_.push_back(t);
  }
  by_id_sorted_.assign(by_id_.begin(), by_id_.end());
  std::sort(by_id_sorted_.begin(), by_id_sorted_.end(), [](auto& a, auto& b) { return a.first < b.first; });
  refresh(model, normalizer);
}

void AddedVocabulary::refresh(const Model* model, const Normalizer* normalizer) {
  std::vector<std::string> raw_patterns, normalized_patterns;
  raw_.ids.clear();
  normalized_.ids.clear();
  auto add = [&](const AddedToken& t) {
    std::optional<int32_t> id = token_to_id(t.content);
    if (!id && model) id = model->token_to_id(t.content);
    if (!id) return;
    if (t.normalized) {
      NormalizedString n(t.content);
      if (normalizer) normalizer->normalize(n);
      normalized_patterns.push_back(n.get());
      normalized_.ids.push_back(*id);
    } else {
      raw_patterns.push_back(t.content);
      raw_.ids.push_back(*id);
    }
  };
  for (const auto& t : special_tokens_) add(t);
  for (const auto& t : added_tokens_) add(t);
  raw_.trie.build(raw_patterns);
  normalized_.trie.build(normalized_patterns);
}

void AddedVocabulary::split_with_matches(NormalizedString&& s, const Matcher& m, std::vector<Split>& out) const {
  const std::string& text = s.get();
  if (text.empty() || m.trie.empty()) {
    out.push_back({std::move(s), std::nullopt});
    return;
  }
  // (id or -1, byte range)
  std::vector<std::pair<int32_t, Offsets>> pieces;
  size_t start_offset = 0;
  m.trie.for_each_match(text, [&](size_t start, size_t stop, int32_t pattern) {
    int32_t id = m.ids[static_cast<size_t>(pattern)];
    const AddedToken& token = by_id_.at(id);
    if (token.single_word) {
      bool start_space = start == 0 || !is_word_char(last_char(std::string_view(text).substr(0, start)));
      bool stop_space = stop == text.size() || [&] {
        size_t j = stop;
        return !is_word_char(unicode::next_char(text, j));
      }();
      if (!start_space || !stop_space) return;
    }
    if (token.lstrip) start = std::max(trailing_space_start(std::string_view(text).substr(0, start)), start_offset);
    if (token.rstrip) stop += leading_space_len(std::string_view(text).substr(stop));
    if (start_offset < start) pieces.push_back({-1, {start_offset, start}});
    pieces.push_back({id, {start, stop}});
    start_offset = stop;
  });
  if (pieces.empty()) {
    out.push_back({std::move(s), std::nullopt});
    return;
  }
  if (start_offset != text.size()) pieces.push_back({-1, {start_offset, text.size()}});
  for (auto& [id, range] : pieces) {
    auto slice = s.slice(range);
    if (!slice) continue;
    if (id >= 0) {
      std::vector<Token> tokens{Token{id, slice->get(), {0, slice->size()}}};
      out.push_back({std::move(*slice), std::move(tokens)});
    } else {
      out.push_back({std::move(*slice), std::nullopt});
    }
  }
}

PreTokenizedString AddedVocabulary::extract_and_normalize(const Normalizer* normalizer, std::string text) const {
  PreTokenizedString pre(std::move(text));
  if (!raw_.trie.empty())
    pre.split([&](size_t, NormalizedString&& s, std::vector<Split>& out) { split_with_matches(std::move(s), raw_, out); });
  pre.split([&](size_t, NormalizedString&& s, std::vector<Split>& out) {
    if (normalizer) normalizer->normalize(s);
    split_with_matches(std::move(s), normalized_, out);
  });
  return pre;
}

}  // namespace automodel::tokenizers
