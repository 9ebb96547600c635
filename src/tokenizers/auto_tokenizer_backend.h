// The file-format specific half of AutoTokenizer. AutoTokenizer resolves transformers' call
// arguments (padding / truncation defaults, pad-token check) once into a ResolvedCall; a
// backend then encodes with the semantics of its Python counterpart:
//   * FastBackend (tokenizer.json, or legacy vocab files converted to the same pipeline):
//     PreTrainedTokenizerFast — truncation / padding inside HF `tokenizers`, overflow windows
//     as extra rows;
//   * SentencePieceBackend (tokenizer.model): the slow PreTrainedTokenizer path —
//     prepare_for_model / truncate_sequences / _pad, overflow as `overflowing_tokens`.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "automodel/tokenizers/auto_tokenizer.h"
#include "automodel/tokenizers/tokenizer.h"

namespace automodel::tokenizers {

struct ResolvedCall {
  bool add_special_tokens = true;
  PaddingMode padding = PaddingMode::do_not_pad;
  TruncationMode truncation = TruncationMode::do_not_truncate;
  std::optional<size_t> max_length;
  size_t stride = 0;
  std::optional<size_t> pad_to_multiple_of;
  std::string padding_side = "right";
  std::string truncation_side = "right";
  std::optional<bool> return_token_type_ids_requested;  // as the caller gave it (slow path checks it)
  bool return_token_type_ids = false;
  bool return_attention_mask = true;
  bool return_overflowing_tokens = false;
  bool return_special_tokens_mask = false;
  bool return_offsets_mapping = false;
  std::optional<int32_t> pad_token_id;
  std::string pad_token;
  int32_t pad_token_type_id = 0;
};

class TokenizerBackend {
 public:
  virtual ~TokenizerBackend() = default;
  virtual bool is_fast() const = 0;
  // texts (and pairs, same length, when given) → one BatchEncoding.
  virtual BatchEncoding call(const std::vector<std::string>& texts, const std::vector<std::string>* pairs,
                             const ResolvedCall& call) const = 0;
  virtual std::vector<int32_t> encode_plain(std::string_view text) const = 0;  // no special tokens
  virtual std::vector<std::string> tokenize(std::string_view text) const = 0;
  // decode without clean_up_tokenization_spaces (AutoTokenizer applies it).
  virtual std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const = 0;
  // nullopt when the token is not in the vocabulary (AutoTokenizer maps it to unk).
  virtual std::optional<int32_t> token_to_id(std::string_view token) const = 0;
  // Throws for ids outside the vocabulary.
  virtual std::string id_to_token(int32_t id) const = 0;
  virtual size_t vocab_size() const = 0;
  virtual size_t size_with_added() const = 0;
  // The special tokens changed (pad_token set by the user): keep skip_special_tokens in step.
  virtual void set_special_tokens(const std::vector<std::string>& all_special_tokens) = 0;
  // transformers' added_tokens_decoder (id → token), what save_pretrained writes.
  virtual std::map<int32_t, AddedTokenSpec> added_tokens_decoder() const = 0;
};

// Backends by file format. `config` is the loaded tokenizer_config.json with class defaults.
std::unique_ptr<TokenizerBackend> make_sentencepiece_backend(const TokenizerConfig& config,
                                                             const std::filesystem::path& model_file);
// A loaded tokenizer.json pipeline (or one built from legacy vocab files), with the
// transformers-level rules of PreTrainedTokenizerFast applied on load. `tokenizer_json`
// (the file, when there is one) is read only for what the pipeline does not expose (CLIP's
// end_of_word_suffix).
std::unique_ptr<TokenizerBackend> make_fast_backend(const TokenizerConfig& config, Tokenizer tokenizer,
                                                    const std::filesystem::path* tokenizer_json);
// The tokenizer.json HF's convert_slow_tokenizer builds from vocab.json + merges.txt (GPT-2 /
// RoBERTa byte-level BPE) or vocab.txt (BERT WordPiece); nullopt when the folder has neither.
std::optional<json> convert_legacy_vocab_files(const TokenizerConfig& config, const std::filesystem::path& folder);

}  // namespace automodel::tokenizers
