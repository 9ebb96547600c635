// NormalizedString and PreTokenizedString: text that keeps, for every byte of its current
// (normalized) form, the byte range of the original input it came from, so offsets survive
// normalization and splitting. Semantics follow HF `tokenizers` (tokenizer/normalizer.rs and
// tokenizer/pre_tokenizer.rs) so that offsets match byte for byte.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "automodel/tokenizers/encoding.h"

namespace automodel::tokenizers {

// What Split-like operations do with the delimiters they find (HF SplitDelimiterBehavior).
// On "the-final--countdown" split by '-':
//   removed:              the | final | countdown            (empty pieces dropped later)
//   isolated:             the | - | final | - | - | countdown
//   merged_with_previous: the- | final- | - | countdown
//   merged_with_next:     the | -final | - | -countdown
//   contiguous:           the | - | final | -- | countdown
enum class SplitDelimiterBehavior { removed, isolated, merged_with_previous, merged_with_next, contiguous };

// Parses "Removed" / "Isolated" / "MergedWithPrevious" / "MergedWithNext" / "Contiguous"
// (the tokenizer.json spelling); nullopt when unknown.
std::optional<SplitDelimiterBehavior> parse_split_delimiter_behavior(std::string_view name);

// One match or gap of a pattern: [start, end) bytes and whether it is a match.
struct PatternSpan {
  Offsets offsets;
  bool is_match = false;
};

// HF's Pattern: cuts a string into consecutive spans covering all of it, each flagged as a
// match or not (an empty input gives one non-match span {0, 0}).
class Pattern {
 public:
  virtual ~Pattern() = default;
  virtual void find_matches(std::string_view text, std::vector<PatternSpan>& out) const = 0;
};

// Alignment of one normalized byte: the byte range of the original string it comes from
// (relative to the start of this piece's original text, i.e. without original_shift).
using Alignment = Offsets;

// One change fed to NormalizedString::transform, as in HF: the character of the new text and
//   +1  a newly inserted character (it shares the alignment of the previous one),
//    0  a character replacing the current one,
//   -N  a character replacing the current one, after which the next N characters are removed.
struct CharChange {
  char32_t c;
  int change;
};

class NormalizedString {
 public:
  NormalizedString() = default;
  // `original_shift`: byte offset of `original` inside the full input text.
  explicit NormalizedString(std::string original, size_t original_shift = 0);

  const std::string& get() const { return normalized_; }
  // Byte length of the original text this string covers (the text itself is kept once, by
  // PreTokenizedString, not copied into every piece).
  size_t original_size() const { return original_size_; }
  size_t original_shift() const { return original_shift_; }
  const std::vector<Alignment>& alignments() const { return alignments_; }
  size_t size() const { return normalized_.size(); }
  bool empty() const { return normalized_.empty(); }
  // {original_shift, original_shift + original_size()}
  Offsets offsets_original() const { return {original_shift_, original_shift_ + original_size_}; }

  // Maps a byte range of the normalized string to the byte range of original() it covers
  // (HF convert_offsets(Range::Normalized)), relative to the original of this piece.
  std::optional<Offsets> normalized_to_original(Offsets range) const;
  // Maps a byte range of the original to the normalized range (HF convert_offsets(Range::Original)).
  std::optional<Offsets> original_to_normalized(Offsets range) const;

  // Sub-string by normalized byte range (must be on character boundaries); nullopt otherwise.
  std::optional<NormalizedString> slice(Offsets normalized_range) const;

  // HF transform_range over normalized bytes [range.first, range.second): replaces that part
  // with the characters of `changes`; `initial_offset` = characters removed at its start.
  void transform_range(Offsets range, const std::vector<CharChange>& changes, size_t initial_offset);
  void transform(const std::vector<CharChange>& changes, size_t initial_offset) {
    transform_range({0, normalized_.size()}, changes, initial_offset);
  }

  // Normalization primitives (HF names and semantics).
  void nfd();
  void nfkd();
  void nfc();
  void nfkc();
  void lowercase();
  void filter(const std::function<bool(char32_t)>& keep);
  void map(const std::function<char32_t(char32_t)>& f);
  void prepend(std::string_view s);
  void append(std::string_view s);
  void replace(const Pattern& pattern, std::string_view content);
  void lstrip() { strip_sides(true, false); }
  void rstrip() { strip_sides(false, true); }
  void strip() { strip_sides(true, true); }
  void clear();

  // Splits on `pattern` with `behavior`; the pieces keep their alignments.
  std::vector<NormalizedString> split(const Pattern& pattern, SplitDelimiterBehavior behavior) const;

 private:
  void strip_sides(bool left, bool right);
  void apply_utf8proc(int options);

  size_t original_size_ = 0;
  std::string normalized_;
  std::vector<Alignment> alignments_;  // one per byte of normalized_
  size_t original_shift_ = 0;
};

// One piece of a PreTokenizedString: its text and, once the model (or the added-token matcher)
// has run, its tokens (offsets in bytes of `normalized.get()`).
struct Split {
  NormalizedString normalized;
  std::optional<std::vector<Token>> tokens;
};

// The input after added-token extraction and pre-tokenization: a list of splits, each later
// tokenized by the model.
class PreTokenizedString {
 public:
  PreTokenizedString() = default;
  explicit PreTokenizedString(std::string text);

  const std::string& original() const { return original_; }
  std::vector<Split>& splits() { return splits_; }
  const std::vector<Split>& splits() const { return splits_; }

  // HF PreTokenizedString::split: calls `fn(index, piece, out)` on every split that has no tokens
  // yet; `out` receives the new pieces (empty ones are dropped). Splits with tokens are kept.
  using SplitFn = std::function<void(size_t, NormalizedString&&, std::vector<Split>&)>;
  void split(const SplitFn& fn);
  // Applies `fn` to every split that has no tokens yet.
  void normalize(const std::function<void(NormalizedString&)>& fn);
  // Runs `fn` on every split that has no tokens yet and stores its tokens.
  void tokenize(const std::function<std::vector<Token>(const NormalizedString&)>& fn);

  // Encoding of the tokenized splits (HF into_encoding with OffsetType::Char): offsets are in
  // Unicode code points of original(); word ids are `word_index` if given, else the split index.
  // Moves the token strings out of the splits.
  Encoding into_encoding(std::optional<uint32_t> word_index, uint32_t type_id);

 private:
  std::string original_;
  std::vector<Split> splits_;
};

// Converts byte offsets of `text` (valid UTF-8) into code-point offsets as HF's
// BytesToCharOffsetConverter does.
class ByteToCharOffsets {
 public:
  explicit ByteToCharOffsets(std::string_view text);
  // nullopt when `offsets.first` is not a byte of the text (HF then keeps the byte offsets).
  std::optional<Offsets> convert(Offsets offsets) const;

 private:
  std::vector<uint32_t> char_of_byte_;  // code point index of every byte
};

}  // namespace automodel::tokenizers
