#include "pre_tokenizers.h"

#include "../byte_level_chars.h"
#include "../unicode.h"

namespace automodel::tokenizers::pre_tokenizers {

namespace {

void split_all(PreTokenizedString& s, const Pattern& pattern, SplitDelimiterBehavior behavior) {
  s.split([&](size_t, NormalizedString&& n, std::vector<tokenizers::Split>& out) {
    for (auto& piece : n.split(pattern, behavior)) out.push_back({std::move(piece), std::nullopt});
  });
}

// Maps every byte of `n` to its byte-level character: the first byte of a character replaces
// it, the others are insertions (so they all share the character's alignment).
void to_byte_level(NormalizedString& n) {
  const auto& table = byte_level_chars();
  const std::string& text = n.get();
  bool ascii_printable_only = true;
  for (unsigned char b : text)
    if (b < '!' || b > '~') {
      ascii_printable_only = false;
      break;
    }
  if (ascii_printable_only) return;  // these bytes map to themselves
  std::vector<CharChange> changes;
  changes.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t len = unicode::utf8_len_from_lead(static_cast<unsigned char>(text[i]));
    for (size_t k = 0; k < len; ++k) changes.push_back({table[static_cast<unsigned char>(text[i + k])], k > 0 ? 1 : 0});
    i += len;
  }
  n.transform(changes, 0);
}

}  // namespace

const Regex& ByteLevel::gpt2_regex() {
  static const Regex re(R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)",
                        "ByteLevel pre-tokenizer");
  return re;
}

void ByteLevel::pre_tokenize(PreTokenizedString& s) const {
  const Regex& re = gpt2_regex();
  s.split([&](size_t, NormalizedString&& n, std::vector<tokenizers::Split>& out) {
    if (add_prefix_space_ && (n.get().empty() || n.get()[0] != ' ')) n.prepend(" ");
    if (use_regex_) {
      for (auto& piece : n.split(RegexPattern(re), SplitDelimiterBehavior::isolated))
        out.push_back({std::move(piece), std::nullopt});
    } else {
      out.push_back({std::move(n), std::nullopt});
    }
  });
  s.normalize(to_byte_level);
}

void Split::pre_tokenize(PreTokenizedString& s) const { split_all(s, RegexPattern(*regex_, invert_), behavior_); }

void Whitespace::pre_tokenize(PreTokenizedString& s) const {
  // Rust regex's Unicode \w: Alphabetic, marks, decimal digits, connector punctuation, joiners.
  static const Regex re(
      R"([\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\x{200C}\x{200D}]+|[^\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\x{200C}\x{200D}\s]+)",
      "Whitespace pre-tokenizer");
  split_all(s, RegexPattern(re, /*invert=*/true), SplitDelimiterBehavior::removed);
}

void WhitespaceSplit::pre_tokenize(PreTokenizedString& s) const {
  split_all(s, CharPredicatePattern([](char32_t c) { return unicode::is_whitespace(c); }),
            SplitDelimiterBehavior::removed);
}

Metaspace::Metaspace(char32_t replacement, PrependScheme scheme, bool split)
    : replacement_(replacement), scheme_(scheme), split_(split) {
  unicode::append_utf8(replacement_utf8_, replacement);
}

void Metaspace::pre_tokenize(PreTokenizedString& s) const {
  s.split([&](size_t, NormalizedString&& n, std::vector<tokenizers::Split>& out) {
    n.replace(CharPredicatePattern([](char32_t c) { return c == U' '; }), replacement_utf8_);
    bool starts_with_replacement = n.get().compare(0, replacement_utf8_.size(), replacement_utf8_) == 0;
    if (scheme_ == PrependScheme::always && !starts_with_replacement) n.prepend(replacement_utf8_);
    if (scheme_ == PrependScheme::first && !starts_with_replacement && n.offsets_original().first == 0)
      n.prepend(replacement_utf8_);
    if (split_) {
      char32_t r = replacement_;
      for (auto& piece : n.split(CharPredicatePattern([r](char32_t c) { return c == r; }),
                                 SplitDelimiterBehavior::merged_with_next))
        out.push_back({std::move(piece), std::nullopt});
    } else {
      out.push_back({std::move(n), std::nullopt});
    }
  });
}

void BertPreTokenizer::pre_tokenize(PreTokenizedString& s) const {
  split_all(s, CharPredicatePattern([](char32_t c) { return unicode::is_whitespace(c); }),
            SplitDelimiterBehavior::removed);
  split_all(s, CharPredicatePattern([](char32_t c) { return unicode::is_punctuation(c); }),
            SplitDelimiterBehavior::isolated);
}

void Punctuation::pre_tokenize(PreTokenizedString& s) const {
  split_all(s, CharPredicatePattern([](char32_t c) { return unicode::is_punctuation(c); }), behavior_);
}

void Digits::pre_tokenize(PreTokenizedString& s) const {
  split_all(s, CharPredicatePattern([](char32_t c) { return unicode::is_numeric(c); }),
            individual_digits_ ? SplitDelimiterBehavior::isolated : SplitDelimiterBehavior::contiguous);
}

void CharDelimiterSplit::pre_tokenize(PreTokenizedString& s) const {
  char32_t d = delimiter_;
  split_all(s, CharPredicatePattern([d](char32_t c) { return c == d; }), SplitDelimiterBehavior::removed);
}

void FixedLength::pre_tokenize(PreTokenizedString& s) const {
  size_t length = length_;
  s.split([length](size_t, NormalizedString&& n, std::vector<tokenizers::Split>& out) {
    const std::string& text = n.get();
    size_t start = 0, count = 0;
    for (size_t i = 0; i < text.size();) {
      unicode::next_char(text, i);
      if (++count == length || i == text.size()) {
        if (auto piece = n.slice({start, i})) out.push_back({std::move(*piece), std::nullopt});
        start = i;
        count = 0;
      }
    }
  });
}

}  // namespace automodel::tokenizers::pre_tokenizers
