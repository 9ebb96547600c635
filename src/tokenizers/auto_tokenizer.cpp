// AutoTokenizer: loading (backend choice, special tokens) and transformers' call semantics
// shared by every backend (argument resolution, pad-token check, decode clean-up).
#include "automodel/tokenizers/auto_tokenizer.h"

#include <algorithm>

#include "auto_tokenizer_backend.h"
#include "automodel/tokenizers/tokenizer.h"
#include "automodel/core/error.h"

namespace automodel::tokenizers {

namespace fs = std::filesystem;

HubFilePatterns AutoTokenizerOptions::tokenizer_files() {
  HubFilePatterns p;
  p.required = {};
  p.optional = {"tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
                "tokenizer.model", "vocab.json", "merges.txt", "vocab.txt", "chat_template.jinja", "config.json"};
  return p;
}

std::string clean_up_tokenization(std::string text) {
  static const std::pair<std::string_view, std::string_view> kReplacements[] = {
      {" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"},
      {" n't", "n't"}, {" 'm", "'m"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
  // Python's str.replace: every non-overlapping occurrence, left to right, one rule after the other.
  for (const auto& [from, to] : kReplacements) {
    std::string out;
    out.reserve(text.size());
    size_t i = 0;
    while (true) {
      size_t p = text.find(from, i);
      if (p == std::string::npos) break;
      out.append(text, i, p - i);
      out.append(to);
      i = p + from.size();
    }
    out.append(text, i, std::string::npos);
    text = std::move(out);
  }
  return text;
}

AutoTokenizer::AutoTokenizer(AutoTokenizer&&) noexcept = default;
AutoTokenizer& AutoTokenizer::operator=(AutoTokenizer&&) noexcept = default;
AutoTokenizer::~AutoTokenizer() = default;

AutoTokenizer AutoTokenizer::from_pretrained(const std::string& path_or_id, const AutoTokenizerOptions& options) {
  ResolveOptions resolve = options.resolve;
  resolve.files = AutoTokenizerOptions::tokenizer_files();
  const fs::path folder = resolve_model(path_or_id, resolve);

  AutoTokenizer t;
  t.config_ = load_tokenizer_config(folder);
  if (options.tokenizer_class) t.config_.tokenizer_class = *options.tokenizer_class;

  const bool has_json = fs::exists(folder / "tokenizer.json");
  const bool has_spm = fs::exists(folder / "tokenizer.model");
  if (has_json && (options.use_fast || !has_spm)) {
    const fs::path json_path = folder / "tokenizer.json";
    t.backend_ = make_fast_backend(t.config_, Tokenizer::from_file(json_path), &json_path);
    t.source_files_.push_back(json_path);
  } else if (has_spm) {
    const std::string cls = slow_class_name(t.config_.tokenizer_class);
    AM_CHECK(cls.empty() || cls == "LlamaTokenizer" || cls == "CodeLlamaTokenizer", folder.string(),
             ": tokenizer.model without tokenizer.json is supported for LlamaTokenizer only, but tokenizer_class is '",
             t.config_.tokenizer_class, "'");
    t.backend_ = make_sentencepiece_backend(t.config_, folder / "tokenizer.model");
    t.source_files_.push_back(folder / "tokenizer.model");
  } else if (auto converted = convert_legacy_vocab_files(t.config_, folder)) {
    t.converted_tokenizer_json_ = converted->dump(2, ' ', false);
    t.backend_ = make_fast_backend(
        t.config_, Tokenizer::from_json_text(t.converted_tokenizer_json_, folder.string() + " (converted vocabulary files)"),
        nullptr);
  } else {
    fail(folder.string(), ": no tokenizer files: expected tokenizer.json, tokenizer.model, vocab.json + merges.txt or vocab.txt");
  }

  auto content = [](const std::optional<AddedTokenSpec>& s) -> std::optional<std::string> {
    if (!s) return std::nullopt;
    return s->content;
  };
  t.bos_ = content(t.config_.bos_token);
  t.eos_ = content(t.config_.eos_token);
  t.unk_ = content(t.config_.unk_token);
  t.pad_ = content(t.config_.pad_token);
  t.sep_ = content(t.config_.sep_token);
  t.cls_ = content(t.config_.cls_token);
  t.mask_ = content(t.config_.mask_token);
  for (const auto& a : t.config_.additional_special_tokens) t.additional_.push_back(a.content);
  t.padding_side_ = t.config_.padding_side;
  t.truncation_side_ = t.config_.truncation_side;
  // The legacy vocabulary files the folder ships (a fast tokenizer saves them too, from the
  // same vocabulary) and the chat template's origin.
  for (const char* name : {"tokenizer.model", "vocab.json", "merges.txt", "vocab.txt"}) {
    const fs::path p = folder / name;
    if (fs::exists(p) && std::find(t.source_files_.begin(), t.source_files_.end(), p) == t.source_files_.end())
      t.source_files_.push_back(p);
  }
  t.chat_template_from_file_ = fs::exists(folder / "chat_template.jinja");
  return t;
}

bool AutoTokenizer::is_fast() const { return backend_->is_fast(); }
size_t AutoTokenizer::vocab_size() const { return backend_->vocab_size(); }
size_t AutoTokenizer::size() const { return backend_->size_with_added(); }

std::optional<int32_t> AutoTokenizer::convert_tokens_to_ids(std::string_view token) const {
  if (auto id = backend_->token_to_id(token)) return id;
  if (unk_) return backend_->token_to_id(*unk_);
  return std::nullopt;
}

std::vector<std::optional<int32_t>> AutoTokenizer::convert_tokens_to_ids(const std::vector<std::string>& tokens) const {
  std::vector<std::optional<int32_t>> ids;
  ids.reserve(tokens.size());
  for (const auto& t : tokens) ids.push_back(convert_tokens_to_ids(t));
  return ids;
}

std::string AutoTokenizer::convert_ids_to_tokens(int32_t id) const { return backend_->id_to_token(id); }

std::vector<std::string> AutoTokenizer::convert_ids_to_tokens(const std::vector<int32_t>& ids,
                                                              bool skip_special_tokens) const {
  std::vector<int32_t> special;
  if (skip_special_tokens) special = all_special_ids();
  std::vector<std::string> out;
  for (int32_t id : ids) {
    if (skip_special_tokens && std::find(special.begin(), special.end(), id) != special.end()) continue;
    out.push_back(backend_->id_to_token(id));
  }
  return out;
}

namespace {
std::optional<int32_t> id_of(const AutoTokenizer& t, const std::optional<std::string>& token) {
  if (!token) return std::nullopt;
  return t.convert_tokens_to_ids(*token);
}
}  // namespace

std::optional<int32_t> AutoTokenizer::bos_token_id() const { return id_of(*this, bos_); }
std::optional<int32_t> AutoTokenizer::eos_token_id() const { return id_of(*this, eos_); }
std::optional<int32_t> AutoTokenizer::unk_token_id() const { return id_of(*this, unk_); }
std::optional<int32_t> AutoTokenizer::pad_token_id() const { return id_of(*this, pad_); }
std::optional<int32_t> AutoTokenizer::sep_token_id() const { return id_of(*this, sep_); }
std::optional<int32_t> AutoTokenizer::cls_token_id() const { return id_of(*this, cls_); }
std::optional<int32_t> AutoTokenizer::mask_token_id() const { return id_of(*this, mask_); }

std::vector<std::string> AutoTokenizer::all_special_tokens() const {
  std::vector<std::string> out;
  auto add = [&](const std::optional<std::string>& t) {
    if (t && std::find(out.begin(), out.end(), *t) == out.end()) out.push_back(*t);
  };
  for (const auto* t : {&bos_, &eos_, &unk_, &sep_, &pad_, &cls_, &mask_}) add(*t);
  for (const auto& a : additional_) add(a);
  return out;
}

std::vector<int32_t> AutoTokenizer::all_special_ids() const {
  std::vector<int32_t> ids;
  for (const auto& t : all_special_tokens())
    if (auto id = convert_tokens_to_ids(t)) ids.push_back(*id);
  return ids;
}

void AutoTokenizer::set_pad_token(std::optional<std::string> token) {
  pad_ = std::move(token);
  backend_->set_special_tokens(all_special_tokens());
}

void AutoTokenizer::set_padding_side(std::string side) {
  AM_CHECK(side == "left" || side == "right", "padding_side must be \"left\" or \"right\", got \"", side, "\"");
  padding_side_ = std::move(side);
}

void AutoTokenizer::set_truncation_side(std::string side) {
  AM_CHECK(side == "left" || side == "right", "truncation_side must be \"left\" or \"right\", got \"", side, "\"");
  truncation_side_ = std::move(side);
}

BatchEncoding AutoTokenizer::call(const std::vector<std::string>& texts, const std::vector<std::string>* pairs,
                                  const CallOptions& o) const {
  if (pairs)
    AM_CHECK(pairs->size() == texts.size(), "ValueError: batch length of `text`: ", texts.size(),
             " does not match batch length of `text_pair`: ", pairs->size(), ".");
  // PreTrainedTokenizerBase._get_padding_truncation_strategies.
  ResolvedCall c;
  c.add_special_tokens = o.add_special_tokens;
  c.padding = o.padding;
  std::optional<TruncationMode> truncation = o.truncation;
  if (o.max_length && o.padding == PaddingMode::do_not_pad && !truncation) truncation = TruncationMode::longest_first;
  c.truncation = truncation.value_or(TruncationMode::do_not_truncate);
  c.max_length = o.max_length;
  const bool unlimited = config_.model_max_length > kLargeInteger;
  if (!c.max_length) {
    if (c.padding == PaddingMode::max_length) {
      if (unlimited)
        c.padding = PaddingMode::do_not_pad;  // Python warns and does not pad
      else
        c.max_length = static_cast<size_t>(config_.model_max_length);
    }
    if (c.truncation != TruncationMode::do_not_truncate) {
      if (unlimited)
        c.truncation = TruncationMode::do_not_truncate;  // Python warns and does not truncate
      else
        c.max_length = static_cast<size_t>(config_.model_max_length);
    }
  }
  if (c.padding != PaddingMode::do_not_pad) {
    c.pad_token_id = pad_ ? convert_tokens_to_ids(*pad_) : std::nullopt;
    if (!pad_ || !c.pad_token_id || *c.pad_token_id < 0)
      fail("ValueError: Asking to pad but the tokenizer does not have a padding token. Please select a token to use "
           "as `pad_token` `(tokenizer.pad_token = tokenizer.eos_token e.g.)` or add a new pad token via "
           "`tokenizer.add_special_tokens({'pad_token': '[PAD]'})`.");
    c.pad_token = *pad_;
  }
  if (c.truncation != TruncationMode::do_not_truncate && c.padding == PaddingMode::max_length && o.pad_to_multiple_of &&
      c.max_length && *o.pad_to_multiple_of > 0 && *c.max_length % *o.pad_to_multiple_of != 0)
    fail("ValueError: Truncation and padding are both activated but truncation length (", *c.max_length,
         ") is not a multiple of pad_to_multiple_of (", *o.pad_to_multiple_of, ").");
  c.stride = o.stride;
  c.pad_to_multiple_of = o.pad_to_multiple_of;
  c.padding_side = o.padding_side.value_or(padding_side_);
  AM_CHECK(c.padding_side == "left" || c.padding_side == "right", "ValueError: Invalid padding strategy:", c.padding_side);
  c.truncation_side = o.truncation_side.value_or(truncation_side_);
  AM_CHECK(c.truncation_side == "left" || c.truncation_side == "right",
           "ValueError: invalid truncation strategy: ", c.truncation_side, ", use 'left' or 'right'.");
  const auto& names = config_.model_input_names;
  c.return_token_type_ids_requested = o.return_token_type_ids;
  c.return_token_type_ids =
      o.return_token_type_ids.value_or(std::find(names.begin(), names.end(), "token_type_ids") != names.end());
  c.return_attention_mask =
      o.return_attention_mask.value_or(std::find(names.begin(), names.end(), "attention_mask") != names.end());
  c.return_overflowing_tokens = o.return_overflowing_tokens;
  c.return_special_tokens_mask = o.return_special_tokens_mask;
  c.return_offsets_mapping = o.return_offsets_mapping;
  return backend_->call(texts, pairs, c);
}

BatchEncoding AutoTokenizer::operator()(std::string_view text, const CallOptions& options) const {
  return call({std::string(text)}, nullptr, options);
}

BatchEncoding AutoTokenizer::operator()(std::string_view text, std::string_view text_pair,
                                        const CallOptions& options) const {
  // PreTrainedTokenizerFast._encode_plus: `[(text, text_pair)] if text_pair else [text]` drops an
  // empty pair; the slow path keeps it (encode_pair of llama2-spm records "<s>" for it).
  if (text_pair.empty() && backend_->is_fast()) return call({std::string(text)}, nullptr, options);
  std::vector<std::string> pairs{std::string(text_pair)};
  return call({std::string(text)}, &pairs, options);
}

BatchEncoding AutoTokenizer::operator()(const std::vector<std::string>& texts, const CallOptions& options) const {
  return call(texts, nullptr, options);
}

BatchEncoding AutoTokenizer::operator()(const std::vector<std::string>& texts, const std::vector<std::string>& text_pairs,
                                        const CallOptions& options) const {
  return call(texts, &text_pairs, options);
}

std::vector<int32_t> AutoTokenizer::encode(std::string_view text, bool add_special_tokens) const {
  CallOptions o;
  o.add_special_tokens = add_special_tokens;
  o.return_attention_mask = false;
  o.return_token_type_ids = false;
  return std::move((*this)(text, o).input_ids.at(0));
}

std::vector<std::string> AutoTokenizer::tokenize(std::string_view text) const { return backend_->tokenize(text); }

std::string AutoTokenizer::decode(const std::vector<int32_t>& ids, const DecodeOptions& options) const {
  std::string text = backend_->decode(ids, options.skip_special_tokens);
  if (options.clean_up_tokenization_spaces.value_or(config_.clean_up_tokenization_spaces))
    text = clean_up_tokenization(std::move(text));
  return text;
}

std::vector<std::string> AutoTokenizer::batch_decode(const std::vector<std::vector<int32_t>>& batch,
                                                     const DecodeOptions& options) const {
  std::vector<std::string> out;
  out.reserve(batch.size());
  for (const auto& ids : batch) out.push_back(decode(ids, options));
  return out;
}

}  // namespace automodel::tokenizers
