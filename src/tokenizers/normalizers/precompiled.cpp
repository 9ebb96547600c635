// SentencePiece's precompiled_charsmap normalizer, as HF runs it (spm_precompiled + the
// grapheme walk of normalizers/precompiled.rs). Blob layout: u32 LE trie size in bytes, the
// double-array trie (u32 LE units), then NUL-terminated UTF-8 replacement strings.
#include "normalizers.h"

#include <cstring>

#include <utf8proc.h>

#include "automodel/core/error.h"
#include "../unicode.h"

namespace automodel::tokenizers::normalizers {

namespace {

// Double-array unit fields (darts-clone layout).
bool has_leaf(uint32_t u) { return ((u >> 8) & 1) == 1; }
uint32_t value(uint32_t u) { return u & ((1u << 31) - 1); }
uint32_t label(uint32_t u) { return u & ((1u << 31) | 0xFF); }
uint32_t offset(uint32_t u) { return (u >> 10) << ((u & (1u << 9)) >> 6); }

// Appends the changes for replacing `old_part` by `new_part` (HF's `replace` helper): the new
// characters replace the old ones one for one; extra ones are insertions, missing ones are
// removals charged to the last change.
void replace_chars(std::vector<CharChange>& changes, std::string_view old_part, std::string_view new_part) {
  auto old_count = static_cast<long>(unicode::count_chars(old_part));
  auto new_count = static_cast<long>(unicode::count_chars(new_part));
  long diff = new_count - old_count;
  for (size_t i = 0; i < new_part.size();) changes.push_back({unicode::next_char(new_part, i), 0});
  if (diff > 0) {
    for (long k = 0; k < diff && static_cast<size_t>(k) < changes.size(); ++k) changes[changes.size() - 1 - k].change = 1;
  } else if (diff < 0 && !changes.empty()) {
    changes.back().change += static_cast<int>(diff);
  }
}

}  // namespace

Precompiled::Precompiled(std::string charsmap, const std::string& path) {
  AM_CHECK(charsmap.size() >= 4, "tokenizer.json: ", path, " (Precompiled): precompiled_charsmap is too short (",
           charsmap.size(), " bytes)");
  uint32_t trie_size;
  std::memcpy(&trie_size, charsmap.data(), 4);  // little-endian hosts only (x86, ARM)
  size_t units = trie_size / 4;
  AM_CHECK(units * 4 <= charsmap.size() - 4, "tokenizer.json: ", path,
           " (Precompiled): precompiled_charsmap declares a trie of ", trie_size, " bytes but has ",
           charsmap.size() - 4);
  trie_.resize(units);
  if (units) std::memcpy(trie_.data(), charsmap.data() + 4, units * 4);
  normalized_ = charsmap.substr(4 + units * 4);
  AM_CHECK(unicode::is_valid_utf8(normalized_), "tokenizer.json: ", path,
           " (Precompiled): the normalized strings of precompiled_charsmap are not valid UTF-8");
}

std::optional<std::string_view> Precompiled::transform(std::string_view chunk) const {
  if (trie_.empty()) return std::nullopt;
  size_t node = 0;
  uint32_t unit = trie_[0];
  node ^= offset(unit);
  for (unsigned char c : chunk) {
    if (c == 0) break;
    node ^= c;
    if (node >= trie_.size()) return std::nullopt;
    unit = trie_[node];
    if (label(unit) != c) return std::nullopt;
    node ^= offset(unit);
    if (has_leaf(unit)) {
      if (node >= trie_.size()) return std::nullopt;
      size_t index = value(trie_[node]);
      if (index > normalized_.size() || !unicode::is_char_boundary(normalized_, index)) return std::nullopt;
      size_t end = normalized_.find('\0', index);
      if (end == std::string::npos) end = normalized_.size();
      return std::string_view(normalized_).substr(index, end - index);
    }
  }
  return std::nullopt;
}

void Precompiled::normalize(NormalizedString& s) const {
  const std::string& text = s.get();
  if (text.empty()) return;
  std::vector<CharChange> changes;
  changes.reserve(text.size());
  bool modified = false;
  auto handle_grapheme = [&](std::string_view g) {
    if (g.size() < 6) {
      if (auto norm = transform(g)) {
        modified = true;
        replace_chars(changes, g, *norm);
        return;
      }
    }
    for (size_t i = 0; i < g.size();) {
      size_t b = i;
      char32_t c = unicode::next_char(g, i);
      std::string_view part = g.substr(b, i - b);
      if (auto norm = transform(part)) {
        modified = true;
        replace_chars(changes, part, *norm);
      } else {
        changes.push_back({c, 0});
      }
    }
  };
  // Extended grapheme clusters (utf8proc's stateful break rules).
  size_t start = 0;
  utf8proc_int32_t state = 0;
  char32_t prev = 0;
  for (size_t i = 0; i < text.size();) {
    size_t b = i;
    char32_t c = unicode::next_char(text, i);
    if (b > 0 && utf8proc_grapheme_break_stateful(static_cast<utf8proc_int32_t>(prev),
                                                  static_cast<utf8proc_int32_t>(c), &state)) {
      handle_grapheme(std::string_view(text).substr(start, b - start));
      start = b;
    }
    prev = c;
  }
  handle_grapheme(std::string_view(text).substr(start));
  if (modified) s.transform(changes, 0);
}

}  // namespace automodel::tokenizers::normalizers
