// The pre-tokenizers of a tokenizer.json (HF tokenizers' pre_tokenizers/), built by
// make_pre_tokenizer (factory.cpp). Each one splits the splits of a PreTokenizedString that have
// no tokens yet (and ByteLevel also maps their bytes to the byte-level alphabet).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "automodel/tokenizers/components.h"
#include "../regex.h"

namespace automodel::tokenizers::pre_tokenizers {

class ByteLevel final : public PreTokenizer {
 public:
  ByteLevel(bool add_prefix_space, bool use_regex) : add_prefix_space_(add_prefix_space), use_regex_(use_regex) {}
  void pre_tokenize(PreTokenizedString& s) const override;
  // The GPT-2 pre-tokenization regex.
  static const Regex& gpt2_regex();

 private:
  bool add_prefix_space_, use_regex_;
};

class Split final : public PreTokenizer {
 public:
  Split(std::unique_ptr<Regex> regex, SplitDelimiterBehavior behavior, bool invert)
      : regex_(std::move(regex)), behavior_(behavior), invert_(invert) {}
  void pre_tokenize(PreTokenizedString& s) const override;

 private:
  std::unique_ptr<Regex> regex_;
  SplitDelimiterBehavior behavior_;
  bool invert_;
};

// Word characters or runs of other non-space characters (regex \w+|[^\w\s]+, Rust semantics).
class Whitespace final : public PreTokenizer {
 public:
  void pre_tokenize(PreTokenizedString& s) const override;
};

class WhitespaceSplit final : public PreTokenizer {
 public:
  void pre_tokenize(PreTokenizedString& s) const override;
};

enum class PrependScheme { first, always, never };

class Metaspace final : public PreTokenizer {
 public:
  Metaspace(char32_t replacement, PrependScheme scheme, bool split);
  void pre_tokenize(PreTokenizedString& s) const override;

 private:
  char32_t replacement_;
  std::string replacement_utf8_;
  PrependScheme scheme_;
  bool split_;
};

class BertPreTokenizer final : public PreTokenizer {
 public:
  void pre_tokenize(PreTokenizedString& s) const override;
};

class Punctuation final : public PreTokenizer {
 public:
  explicit Punctuation(SplitDelimiterBehavior behavior) : behavior_(behavior) {}
  void pre_tokenize(PreTokenizedString& s) const override;

 private:
  SplitDelimiterBehavior behavior_;
};

class Digits final : public PreTokenizer {
 public:
  explicit Digits(bool individual_digits) : individual_digits_(individual_digits) {}
  void pre_tokenize(PreTokenizedString& s) const override;

 private:
  bool individual_digits_;
};

class CharDelimiterSplit final : public PreTokenizer {
 public:
  explicit CharDelimiterSplit(char32_t delimiter) : delimiter_(delimiter) {}
  void pre_tokenize(PreTokenizedString& s) const override;

 private:
  char32_t delimiter_;
};

// Splits where the Unicode script changes (SentencePiece's rule: Hiragana, Katakana and U+30FC
// count as Han, spaces join any script).
class UnicodeScripts final : public PreTokenizer {
 public:
  void pre_tokenize(PreTokenizedString& s) const override;
};

// Chunks of `length` characters.
class FixedLength final : public PreTokenizer {
 public:
  explicit FixedLength(size_t length) : length_(length) {}
  void pre_tokenize(PreTokenizedString& s) const override;

 private:
  size_t length_;
};

class Sequence final : public PreTokenizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<PreTokenizer>> items) : items_(std::move(items)) {}
  void pre_tokenize(PreTokenizedString& s) const override {
    for (const auto& p : items_) p->pre_tokenize(s);
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> items_;
};

}  // namespace automodel::tokenizers::pre_tokenizers
