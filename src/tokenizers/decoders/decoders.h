// The decoders of tokenizer.json (HF tokenizers' decoders/): each maps the list of token
// strings to a new list (decode_chain); the pipeline concatenates the final list. Built by
// make_decoder.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "automodel/tokenizers/components.h"

namespace automodel::tokenizers {

// Rust's str::replace (an empty `from` inserts `to` around every character).
std::string replace_all(std::string_view s, std::string_view from, std::string_view to);

// The byte-level alphabet of GPT-2 (bytes_to_unicode): byte -> code point, and back.
char32_t byte_to_char(uint8_t b);
// -1 when `c` is not in the alphabet.
int char_to_byte(char32_t c);

class ByteLevelDecoder final : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override;
};

class ByteFallbackDecoder final : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override;
};

class FuseDecoder final : public Decoder {
 public:
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override;
};

class StripDecoder final : public Decoder {
 public:
  StripDecoder(char32_t content, size_t start, size_t stop) : content_(content), start_(start), stop_(stop) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override;

 private:
  char32_t content_;
  size_t start_, stop_;
};

enum class PrependScheme { first, never, always };

class MetaspaceDecoder final : public Decoder {
 public:
  MetaspaceDecoder(char32_t replacement, PrependScheme scheme) : replacement_(replacement), scheme_(scheme) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override;

 private:
  char32_t replacement_;
  PrependScheme scheme_;
};

// The cleanup of HF's wordpiece decoder (also used by CTC): " ." -> "." and friends.
std::string wordpiece_cleanup(std::string_view s);

class WordPieceDecoder final : public Decoder {
 public:
  WordPieceDecoder(std::string prefix, bool cleanup) : prefix_(std::move(prefix)), cleanup_(cleanup) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override;

 private:
  std::string prefix_;
  bool cleanup_;
};

class BpeDecoder final : public Decoder {
 public:
  explicit BpeDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override;

 private:
  std::string suffix_;
};

class CtcDecoder final : public Decoder {
 public:
  CtcDecoder(std::string pad_token, std::string word_delimiter_token, bool cleanup)
      : pad_token_(std::move(pad_token)), word_delimiter_token_(std::move(word_delimiter_token)), cleanup_(cleanup) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override;

 private:
  std::string pad_token_, word_delimiter_token_;
  bool cleanup_;
};

// Replaces every match of a literal string or a regex (PCRE2, UTF + Unicode properties) by
// `content` in each token.
class ReplaceDecoder final : public Decoder {
 public:
  // Throws automodel::Error when the regex does not compile.
  ReplaceDecoder(std::string pattern, bool is_regex, std::string content);
  ~ReplaceDecoder() override;
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override;

 private:
  std::string pattern_;
  bool is_regex_;
  std::string content_;
  void* code_ = nullptr;  // pcre2_code_8*
};

class SequenceDecoder final : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> decoders) : decoders_(std::move(decoders)) {}
  std::vector<std::string> decode_chain(std::vector<std::string> tokens) const override;

 private:
  std::vector<std::unique_ptr<Decoder>> decoders_;
};

}  // namespace automodel::tokenizers
