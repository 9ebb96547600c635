// AutoTokenizer: transformers' tokenizer API (4.47 semantics) over whichever files a model
// repository ships:
//   tokenizer.json                 → the HF `tokenizers` pipeline (fast tokenizer semantics)
//   tokenizer.model (SentencePiece) → transformers' slow LlamaTokenizer semantics
//   vocab.json + merges.txt / vocab.txt → the pipeline HF's convert_slow_tokenizer builds
// plus the transformers-level rules on top: tokenizer_config.json special tokens and class
// defaults, the LlamaTokenizerFast / GemmaTokenizerFast BOS/EOS post-processor rebuild,
// clean_up_tokenization_spaces, CLIP's "</w>" decode, padding / truncation defaults, the pad
// token check, dropping an empty text_pair, and chat templates.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "automodel/hub/json_file.h"
#include "automodel/hub/resolve.h"
#include "automodel/tokenizers/tokenizer_config.h"

namespace automodel::tokenizers {

enum class PaddingMode { do_not_pad, longest, max_length };  // padding=False / True,"longest" / "max_length"
enum class TruncationMode { do_not_truncate, longest_first, only_first, only_second };

// The keyword arguments of `tokenizer(...)`. Unset optionals take transformers' defaults.
struct CallOptions {
  bool add_special_tokens = true;
  PaddingMode padding = PaddingMode::do_not_pad;
  // nullopt = truncation not given (None): with max_length and no padding transformers then
  // truncates longest_first; otherwise no truncation.
  std::optional<TruncationMode> truncation;
  std::optional<size_t> max_length;  // nullopt: model_max_length where padding/truncation need one
  size_t stride = 0;
  std::optional<size_t> pad_to_multiple_of;
  std::optional<std::string> padding_side;     // "left" / "right"; default: the tokenizer's
  std::optional<std::string> truncation_side;  // default: the tokenizer's (set_truncation_side)
  std::optional<bool> return_token_type_ids;   // default: "token_type_ids" in model_input_names
  std::optional<bool> return_attention_mask;   // default: "attention_mask" in model_input_names
  bool return_overflowing_tokens = false;
  bool return_special_tokens_mask = false;
  bool return_offsets_mapping = false;  // fast tokenizers only (slow ones raise, as in Python)
};

using OffsetPair = std::pair<size_t, size_t>;

// transformers' BatchEncoding (one row per input, or per overflow window for fast tokenizers).
// A field that was not requested is nullopt.
struct BatchEncoding {
  std::vector<std::vector<int32_t>> input_ids;
  std::optional<std::vector<std::vector<int32_t>>> attention_mask;
  std::optional<std::vector<std::vector<int32_t>>> token_type_ids;
  std::optional<std::vector<std::vector<int32_t>>> special_tokens_mask;
  std::optional<std::vector<std::vector<OffsetPair>>> offset_mapping;  // code points
  // Fast tokenizers: overflow windows are extra rows; this maps each row to its input.
  std::optional<std::vector<size_t>> overflow_to_sample_mapping;
  // Slow tokenizers: the cut tokens per input, and how many were cut.
  std::optional<std::vector<std::vector<int32_t>>> overflowing_tokens;
  std::optional<std::vector<int64_t>> num_truncated_tokens;

  size_t size() const { return input_ids.size(); }
};

struct DecodeOptions {
  bool skip_special_tokens = false;
  std::optional<bool> clean_up_tokenization_spaces;  // nullopt: the tokenizer's setting
};

struct AutoTokenizerOptions {
  ResolveOptions resolve;  // how a Hub id is found (a local folder is used as is)
  // Tokenizer-class override (e.g. "BertTokenizerFast") when the repo does not say.
  std::optional<std::string> tokenizer_class;
  bool use_fast = true;  // false: prefer tokenizer.model / legacy files over tokenizer.json
  // Files a tokenizer load needs (config.json is optional for tokenizers).
  static HubFilePatterns tokenizer_files();
};

// One chat message: role, content and any other fields the template reads (tool_calls, ...).
using ChatMessage = json;

struct ChatTemplateOptions {
  json tools;      // null, or a list of tool (function) schemas
  json documents;  // null, or a list of documents
  bool add_generation_prompt = false;
  bool continue_final_message = false;
  std::optional<std::string> chat_template;  // a template name (list form) or the template text itself
  json extra_context = json::object();       // further variables for the template
};

class TokenizerBackend;  // the file-format specific part (fast pipeline / SentencePiece)

class AutoTokenizer {
 public:
  // path_or_id: a local folder, or a Hub repo id resolved through the HF cache.
  static AutoTokenizer from_pretrained(const std::string& path_or_id, const AutoTokenizerOptions& options = {});

  AutoTokenizer(AutoTokenizer&&) noexcept;
  AutoTokenizer& operator=(AutoTokenizer&&) noexcept;
  ~AutoTokenizer();

  // tokenizer(text), tokenizer(text, text_pair), tokenizer(texts), tokenizer(texts, text_pairs).
  BatchEncoding operator()(std::string_view text, const CallOptions& options = {}) const;
  BatchEncoding operator()(std::string_view text, std::string_view text_pair, const CallOptions& options = {}) const;
  BatchEncoding operator()(const std::vector<std::string>& texts, const CallOptions& options = {}) const;
  BatchEncoding operator()(const std::vector<std::string>& texts, const std::vector<std::string>& text_pairs,
                           const CallOptions& options = {}) const;

  // tokenizer.encode(text, add_special_tokens): the ids of a single text.
  std::vector<int32_t> encode(std::string_view text, bool add_special_tokens = true) const;
  std::vector<std::string> tokenize(std::string_view text) const;

  std::string decode(const std::vector<int32_t>& ids, const DecodeOptions& options = {}) const;
  std::vector<std::string> batch_decode(const std::vector<std::vector<int32_t>>& batch,
                                        const DecodeOptions& options = {}) const;

  // Unknown tokens give unk_token_id (nullopt when there is none), as in Python.
  std::optional<int32_t> convert_tokens_to_ids(std::string_view token) const;
  std::vector<std::optional<int32_t>> convert_tokens_to_ids(const std::vector<std::string>& tokens) const;
  // Throws for ids outside the vocabulary (slow tokenizers raise IndexError; for fast ones the
  // Python result is None, which has no string form).
  std::string convert_ids_to_tokens(int32_t id) const;
  std::vector<std::string> convert_ids_to_tokens(const std::vector<int32_t>& ids, bool skip_special_tokens = false) const;

  // Special tokens.
  const std::optional<std::string>& bos_token() const { return bos_; }
  const std::optional<std::string>& eos_token() const { return eos_; }
  const std::optional<std::string>& unk_token() const { return unk_; }
  const std::optional<std::string>& pad_token() const { return pad_; }
  const std::optional<std::string>& sep_token() const { return sep_; }
  const std::optional<std::string>& cls_token() const { return cls_; }
  const std::optional<std::string>& mask_token() const { return mask_; }
  const std::vector<std::string>& additional_special_tokens() const { return additional_; }
  std::optional<int32_t> bos_token_id() const;
  std::optional<int32_t> eos_token_id() const;
  std::optional<int32_t> unk_token_id() const;
  std::optional<int32_t> pad_token_id() const;
  std::optional<int32_t> sep_token_id() const;
  std::optional<int32_t> cls_token_id() const;
  std::optional<int32_t> mask_token_id() const;
  // bos, eos, unk, sep, pad, cls, mask, additional — without duplicates (transformers' order).
  std::vector<std::string> all_special_tokens() const;
  std::vector<int32_t> all_special_ids() const;
  // `tokenizer.pad_token = ...` (what users do with pad := eos before padding).
  void set_pad_token(std::optional<std::string> token);
  void set_padding_side(std::string side);
  void set_truncation_side(std::string side);

  const std::string& padding_side() const { return padding_side_; }
  const std::string& truncation_side() const { return truncation_side_; }
  double model_max_length() const { return config_.model_max_length; }
  bool clean_up_tokenization_spaces() const { return config_.clean_up_tokenization_spaces; }
  const std::vector<std::string>& model_input_names() const { return config_.model_input_names; }
  const TokenizerConfig& config() const { return config_; }
  bool is_fast() const;
  size_t vocab_size() const;  // without added tokens (Python vocab_size)
  size_t size() const;        // len(tokenizer): with added tokens
  const std::filesystem::path& folder() const { return config_.folder; }

  // Chat templates: the rendered text (tokenize=false) or its ids
  // (encode(rendered, add_special_tokens=false)).
  std::string apply_chat_template(const std::vector<ChatMessage>& messages, const ChatTemplateOptions& options = {}) const;
  std::vector<int32_t> apply_chat_template_ids(const std::vector<ChatMessage>& messages,
                                               const ChatTemplateOptions& options = {}) const;
  // The template text that apply_chat_template would use: the named one, else "tool_use" when
  // tools are given and the config has named templates, else "default"; a name that is not a
  // template is taken as the template text itself (as transformers does). Throws when none.
  std::string get_chat_template(const std::optional<std::string>& name = std::nullopt) const;
  std::string get_chat_template(const std::optional<std::string>& name, bool has_tools) const;
  // special_tokens_map: {bos_token, eos_token, unk_token, sep_token, pad_token, cls_token,
  // mask_token, additional_special_tokens}, only those that are set (the template variables).
  json special_tokens_map() const;

  const TokenizerBackend& backend() const { return *backend_; }

  // transformers 4.47's save_pretrained into `dir` (written into a staged folder swapped in at
  // the end; other files of an existing folder are kept):
  //  * tokenizer.json: the loaded file, byte for byte; for a tokenizer converted from legacy
  //    vocabulary files, the converted pipeline (what the fast class writes);
  //  * the legacy files it came with (tokenizer.model, vocab.json + merges.txt, vocab.txt),
  //    byte for byte, plus added_tokens.json for a slow tokenizer with tokens beyond its vocab;
  //  * tokenizer_config.json: the loaded keys (file-path keys dropped), model_max_length,
  //    clean_up_tokenization_spaces, padding/truncation side, the special tokens (current values),
  //    added_tokens_decoder, tokenizer_class (without "Fast"), the chat template(s) inline, or in
  //    chat_template.jinja when it came from that file;
  //  * special_tokens_map.json.
  // JSON as Python's json.dumps(indent=2, sort_keys=True, ensure_ascii=False). Returns the
  // names of the files written.
  std::vector<std::string> save_pretrained(const std::filesystem::path& dir) const;

 private:
  AutoTokenizer() = default;
  BatchEncoding call(const std::vector<std::string>& texts, const std::vector<std::string>* pairs,
                     const CallOptions& options) const;

  TokenizerConfig config_;
  std::unique_ptr<TokenizerBackend> backend_;
  std::optional<std::string> bos_, eos_, unk_, pad_, sep_, cls_, mask_;
  std::vector<std::string> additional_;
  std::string padding_side_ = "right";
  std::string truncation_side_ = "right";
  // Where it came from, for save_pretrained: the files copied back as they are, and the
  // tokenizer.json text converted from legacy vocabulary files (empty otherwise).
  std::vector<std::filesystem::path> source_files_;
  std::string converted_tokenizer_json_;
  bool chat_template_from_file_ = false;
};

// transformers' clean_up_tokenization: the literal replacements " ." → "." … " 're" → "'re".
std::string clean_up_tokenization(std::string text);

}  // namespace automodel::tokenizers

namespace automodel {
using tokenizers::AutoTokenizer;
}  // namespace automodel
