// The normalizers of a tokenizer.json (HF tokenizers' normalizers/), built by make_normalizer
// (factory.cpp). Each one edits a NormalizedString in place so that alignments are kept.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "automodel/tokenizers/components.h"
#include "../regex.h"

namespace automodel::tokenizers::normalizers {

enum class UnicodeForm { nfc, nfd, nfkc, nfkd };

class UnicodeNormalizer final : public Normalizer {
 public:
  explicit UnicodeNormalizer(UnicodeForm form) : form_(form) {}
  void normalize(NormalizedString& s) const override;

 private:
  UnicodeForm form_;
};

class Lowercase final : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override { s.lowercase(); }
};

class Strip final : public Normalizer {
 public:
  Strip(bool left, bool right) : left_(left), right_(right) {}
  void normalize(NormalizedString& s) const override;

 private:
  bool left_, right_;
};

// Removes combining marks (Mn, Mc, Me).
class StripAccents final : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override;
};

class Prepend final : public Normalizer {
 public:
  explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
  void normalize(NormalizedString& s) const override {
    if (!s.empty()) s.prepend(prefix_);
  }

 private:
  std::string prefix_;
};

// Replaces every match of a literal string or a regex by `content`.
class Replace final : public Normalizer {
 public:
  Replace(std::unique_ptr<Regex> regex, std::string content) : regex_(std::move(regex)), content_(std::move(content)) {}
  void normalize(NormalizedString& s) const override { s.replace(RegexPattern(*regex_), content_); }

 private:
  std::unique_ptr<Regex> regex_;
  std::string content_;
};

// Maps every byte to its GPT-2 byte-level character.
class ByteLevel final : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override;
};

class BertNormalizer final : public Normalizer {
 public:
  BertNormalizer(bool clean_text, bool handle_chinese_chars, bool strip_accents, bool lowercase)
      : clean_text_(clean_text), handle_chinese_chars_(handle_chinese_chars), strip_accents_(strip_accents),
        lowercase_(lowercase) {}
  void normalize(NormalizedString& s) const override;

 private:
  bool clean_text_, handle_chinese_chars_, strip_accents_, lowercase_;
};

// SentencePiece's NMT normalization of control characters.
class Nmt final : public Normalizer {
 public:
  void normalize(NormalizedString& s) const override;
};

// SentencePiece's precompiled_charsmap: a double-array trie of UTF-8 keys whose leaves index
// NUL-terminated replacement strings.
class Precompiled final : public Normalizer {
 public:
  // `charsmap` = the decoded bytes; throws naming `path` when malformed.
  Precompiled(std::string charsmap, const std::string& path);
  void normalize(NormalizedString& s) const override;
  // The replacement for `chunk` (a grapheme or a character), if the map has one; as
  // spm_precompiled, the first (shortest) key that prefixes `chunk` decides.
  std::optional<std::string_view> transform(std::string_view chunk) const;

 private:
  std::vector<uint32_t> trie_;
  std::string normalized_;
};

class Sequence final : public Normalizer {
 public:
  explicit Sequence(std::vector<std::unique_ptr<Normalizer>> items) : items_(std::move(items)) {}
  void normalize(NormalizedString& s) const override {
    for (const auto& n : items_) n->normalize(s);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> items_;
};

}  // namespace automodel::tokenizers::normalizers
