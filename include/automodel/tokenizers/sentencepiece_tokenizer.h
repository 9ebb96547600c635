// transformers' slow `LlamaTokenizer` (4.47 semantics) on top of a SentencePiece
// `tokenizer.model`: the path HF takes for repositories that ship no tokenizer.json.
//
// What it adds to raw SentencePiece (each rule mirrors tokenization_llama.py /
// tokenization_utils.py):
//   * added / special tokens are split out of the text before SentencePiece sees it
//     (leftmost-longest match, AddedToken lstrip / rstrip / single_word);
//   * `legacy: false`: the model's add_dummy_prefix is switched off, "▁" is prepended to the
//     text once, and a piece that starts with a space is encoded as "<unk>" + piece with the
//     "<unk>" pieces dropped, so text after a special token gets no extra dummy prefix;
//   * `legacy: true` (the default when the config does not say): every piece is encoded with
//     SentencePiece's own dummy prefix;
//   * add_bos_token / add_eos_token: [bos] A [eos] ([bos] B [eos]) with type ids 0 / 1;
//   * decode: special tokens are not passed through SentencePiece, the prefix space added by
//     tokenize() is removed again, ids outside the vocabulary raise "piece id is out of range.".
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "automodel/tokenizers/added_token_spec.h"

namespace automodel::tokenizers {

struct SentencePieceOptions {
  // transformers: `legacy=None` means legacy behaviour (with a warning).
  bool legacy = true;
  bool add_bos_token = true;
  bool add_eos_token = false;
  bool add_prefix_space = true;
  // Special tokens as the config names them (LlamaTokenizer class defaults when absent).
  std::optional<AddedTokenSpec> bos_token = AddedTokenSpec{"<s>"};
  std::optional<AddedTokenSpec> eos_token = AddedTokenSpec{"</s>"};
  std::optional<AddedTokenSpec> unk_token = AddedTokenSpec{"<unk>"};
  std::optional<AddedTokenSpec> pad_token;
  std::vector<AddedTokenSpec> additional_special_tokens;
  // tokenizer_config.json's added_tokens_decoder: id → token.
  std::map<int32_t, AddedTokenSpec> added_tokens_decoder;
};

// Thrown for an id outside the vocabulary in decode / convert_ids_to_tokens (Python raises
// IndexError("piece id is out of range.")).
class PieceIdOutOfRange : public std::out_of_range {
 public:
  using std::out_of_range::out_of_range;
};

class SentencePieceTokenizer {
 public:
  // Loads `model_file` (a SentencePiece ModelProto). Errors name the file.
  SentencePieceTokenizer(const std::filesystem::path& model_file, SentencePieceOptions options);
  ~SentencePieceTokenizer();
  SentencePieceTokenizer(SentencePieceTokenizer&&) noexcept;
  SentencePieceTokenizer& operator=(SentencePieceTokenizer&&) noexcept;

  const SentencePieceOptions& options() const { return options_; }
  // `tokenizer.pad_token = ...`: registers the token (as a special added token) if it is new.
  void set_pad_token(std::optional<AddedTokenSpec> token);

  // SentencePiece pieces (vocab_size) plus added tokens with ids beyond it.
  size_t vocab_size() const;      // the SentencePiece model's piece count (Python vocab_size)
  size_t size_with_added() const; // len(tokenizer)

  // PreTrainedTokenizer.tokenize: text → token strings (added tokens kept whole).
  std::vector<std::string> tokenize(std::string_view text) const;
  // tokenize + convert_tokens_to_ids (no special tokens added).
  std::vector<int32_t> encode_plain(std::string_view text) const;

  // Unknown strings map to the unk id (SentencePiece piece_to_id); nullopt only when the
  // model has no unk piece.
  int32_t convert_token_to_id(std::string_view token) const;
  // Throws PieceIdOutOfRange for ids outside [0, vocab_size) that are not added tokens.
  std::string convert_id_to_token(int32_t id) const;
  std::optional<int32_t> token_id(const std::optional<AddedTokenSpec>& token) const;

  // build_inputs_with_special_tokens / create_token_type_ids_from_sequences /
  // get_special_tokens_mask of LlamaTokenizer.
  std::vector<int32_t> build_inputs_with_special_tokens(const std::vector<int32_t>& a,
                                                        const std::vector<int32_t>* b) const;
  std::vector<int32_t> create_token_type_ids(const std::vector<int32_t>& a, const std::vector<int32_t>* b) const;
  std::vector<int32_t> special_tokens_mask(const std::vector<int32_t>& a, const std::vector<int32_t>* b) const;
  size_t num_special_tokens_to_add(bool pair) const;

  // PreTrainedTokenizer._decode with LlamaTokenizer.convert_tokens_to_string; no clean-up of
  // tokenization spaces here (the caller applies it).
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens,
                     bool spaces_between_special_tokens = true) const;
  // LlamaTokenizer.convert_tokens_to_string.
  std::string convert_tokens_to_string(std::vector<std::string> tokens) const;

  // all_special_tokens / all_special_ids in transformers' order (bos, eos, unk, pad,
  // additional_special_tokens), without duplicates.
  const std::vector<std::string>& all_special_tokens() const { return all_special_tokens_; }
  std::vector<int32_t> all_special_ids() const;
  // Added tokens (content → id), as split out of text before SentencePiece.
  const std::map<std::string, int32_t, std::less<>>& added_tokens_encoder() const { return added_encoder_; }
  // Added tokens by id (the config's added_tokens_decoder plus the registered special tokens).
  const std::map<int32_t, AddedTokenSpec>& added_tokens_decoder() const { return added_decoder_; }

 private:
  struct Impl;
  void register_special_tokens();
  std::vector<std::string> sp_encode_pieces(std::string_view text) const;
  std::vector<std::string> slow_tokenize(std::string_view text) const;  // PreTrainedTokenizer.tokenize
  std::vector<std::string> piece_tokenize(std::string_view text) const;  // LlamaTokenizer._tokenize
  bool is_special(std::string_view token) const;

  SentencePieceOptions options_;
  std::unique_ptr<Impl> impl_;
  std::map<std::string, int32_t, std::less<>> added_encoder_;
  std::map<int32_t, AddedTokenSpec> added_decoder_;
  std::vector<std::string> all_special_tokens_;
  size_t unk_token_length_ = 0;
};

}  // namespace automodel::tokenizers
