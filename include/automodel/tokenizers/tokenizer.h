// Tokenizer: a tokenizer.json pipeline with the semantics of HF `tokenizers`' Tokenizer:
//
//   text ─► added tokens ─► normalizer ─► pre-tokenizer ─► model ─► post-processor
//        (truncation / padding around the post-processor, as HF's post_process)
//
// encode* return Encodings whose offsets are Unicode code points of the input (as HF's Python
// and Node bindings report them). decode maps ids to tokens (added tokens first, then the
// model; unknown ids are dropped as HF does) and runs the decoder.
//
// Input text that is not valid UTF-8 is accepted: every invalid sequence is replaced by U+FFFD
// first (Python would have refused to build such a str; this is what decoding the bytes with
// errors="replace" gives). Offsets then refer to that repaired text.
//
// Thread safety: a loaded Tokenizer is immutable apart from the setters; encode / decode may
// run concurrently.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "automodel/hub/json_file.h"
#include "automodel/tokenizers/components.h"
#include "automodel/tokenizers/encoding.h"
#include "automodel/tokenizers/truncation_padding.h"

namespace automodel::tokenizers {

// HF's AddedToken.
struct AddedToken {
  std::string content;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
  bool special = false;
};

class AddedVocabulary;

class Tokenizer {
 public:
  // Loads a tokenizer.json file. Errors name the file and the JSON path of the bad component.
  static Tokenizer from_file(const std::filesystem::path& path);
  // Loads tokenizer.json text; `what` names it in errors.
  static Tokenizer from_json_text(std::string_view text, const std::string& what = "tokenizer.json");
  // Builds a tokenizer from components (legacy vocab files); any of them but the model may be null.
  static Tokenizer from_components(std::unique_ptr<Model> model, std::unique_ptr<Normalizer> normalizer,
                                   std::unique_ptr<PreTokenizer> pre_tokenizer,
                                   std::unique_ptr<PostProcessor> post_processor, std::unique_ptr<Decoder> decoder,
                                   const std::vector<AddedToken>& added_tokens = {});

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  Encoding encode(std::string_view text, bool add_special_tokens = true) const;
  Encoding encode_pair(std::string_view text, std::string_view pair, bool add_special_tokens = true) const;
  // Each input encoded as encode / encode_pair, in parallel, then padded together when padding
  // is enabled (HF encode_batch).
  std::vector<Encoding> encode_batch(const std::vector<std::string>& texts, bool add_special_tokens = true) const;
  std::vector<Encoding> encode_batch_pairs(const std::vector<std::pair<std::string, std::string>>& pairs,
                                           bool add_special_tokens = true) const;
  // The encoding of one sequence before post-processing (no special tokens, no truncation).
  Encoding encode_sequence(std::string_view text, uint32_t type_id = 0) const;

  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens = false) const;
  std::vector<std::string> decode_batch(const std::vector<std::vector<int32_t>>& ids,
                                        bool skip_special_tokens = false) const;

  // Token <-> id, added tokens first, then the model vocabulary.
  std::optional<int32_t> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(int32_t id) const;
  // Size of the model vocabulary, plus the added tokens not in it when with_added_tokens.
  size_t vocab_size(bool with_added_tokens = true) const;
  // Added tokens by increasing id.
  const std::vector<std::pair<int32_t, AddedToken>>& added_tokens() const;
  bool is_special_token(std::string_view content) const;
  // Adds tokens (HF add_tokens / add_special_tokens); returns how many were new.
  size_t add_tokens(const std::vector<AddedToken>& tokens);

  void set_truncation(std::optional<TruncationParams> params);
  void set_padding(std::optional<PaddingParams> params);
  const std::optional<TruncationParams>& truncation() const;
  const std::optional<PaddingParams>& padding() const;

  const Normalizer* normalizer() const;
  const PreTokenizer* pre_tokenizer() const;
  const Model& model() const;
  const PostProcessor* post_processor() const;
  const Decoder* decoder() const;
  // Replaces the post-processor (transformers rebuilds it for Llama/Gemma from add_bos/eos).
  void set_post_processor(std::unique_ptr<PostProcessor> processor);
  void set_decoder(std::unique_ptr<Decoder> decoder);

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace automodel::tokenizers
