// AutoTokenizer over a tokenizer.json pipeline with transformers 4.47's PreTrainedTokenizerFast
// semantics: special tokens from tokenizer_config.json registered in the pipeline, the
// LlamaTokenizerFast / GemmaTokenizerFast post-processor rebuild, truncation and padding done
// by the pipeline (HF `tokenizers`), overflow windows as extra rows, CLIP's "</w>" decode.
#include <algorithm>

#include "auto_tokenizer_backend.h"
#include "automodel/core/error.h"
#include "automodel/tokenizers/truncation_padding.h"
#include "models/models.h"
#include "unicode.h"

namespace automodel::tokenizers {

namespace {

namespace fs = std::filesystem;

// Python's str.isspace(): White_Space plus the information separators U+001C..U+001F.
bool python_isspace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// Python str.strip() on UTF-8 text (code points, never splitting a multi-byte character).
std::string strip(const std::string& s) {
  size_t b = 0;
  while (b < s.size()) {
    size_t next = b;
    if (!python_isspace(unicode::next_char(s, next))) break;
    b = next;
  }
  size_t e = s.size();
  while (e > b) {
    size_t start = e - 1;
    while (start > b && !unicode::is_char_boundary(s, start)) --start;
    size_t next = start;
    if (!python_isspace(unicode::next_char(s, next))) break;
    e = start;
  }
  return s.substr(b, e - b);
}

std::string replace_all(const std::string& s, const std::string& from, const std::string& to) {
  if (from.empty()) return s;
  std::string out;
  size_t i = 0;
  while (true) {
    size_t p = s.find(from, i);
    if (p == std::string::npos) break;
    out.append(s, i, p - i);
    out.append(to);
    i = p + from.size();
  }
  out.append(s, i, std::string::npos);
  return out;
}

// LlamaTokenizerFast.update_post_processor / GemmaTokenizerFast: a TemplateProcessing built from
// add_bos_token / add_eos_token replaces whatever post-processor tokenizer.json has.
json bos_eos_template(const TokenizerConfig& c, const Tokenizer& tok) {
  const bool add_bos = c.add_bos_token.value_or(true);
  const bool add_eos = c.add_eos_token.value_or(false);
  if (add_bos && !c.bos_token) fail(c.folder.string(), ": ValueError: add_bos_token = True but bos_token = None");
  if (add_eos && !c.eos_token) fail(c.folder.string(), ": ValueError: add_eos_token = True but eos_token = None");
  auto special = [](const std::string& t, int type_id) { return json{{"SpecialToken", {{"id", t}, {"type_id", type_id}}}}; };
  auto sequence = [](const char* s, int type_id) { return json{{"Sequence", {{"id", s}, {"type_id", type_id}}}}; };
  json single = json::array(), pair = json::array(), specials = json::object();
  if (add_bos) single.push_back(special(c.bos_token->content, 0));
  single.push_back(sequence("A", 0));
  if (add_eos) single.push_back(special(c.eos_token->content, 0));
  pair = single;
  if (add_bos) pair.push_back(special(c.bos_token->content, 1));
  pair.push_back(sequence("B", 1));
  if (add_eos) pair.push_back(special(c.eos_token->content, 1));
  auto register_token = [&](const std::string& t) {
    auto id = tok.token_to_id(t);
    AM_CHECK(id.has_value(), c.folder.string(), ": special token '", t, "' is not in the vocabulary");
    specials[t] = json{{"id", t}, {"ids", json::array({*id})}, {"tokens", json::array({t})}};
  };
  if (add_bos) register_token(c.bos_token->content);
  if (add_eos) register_token(c.eos_token->content);
  return json{{"type", "TemplateProcessing"}, {"single", single}, {"pair", pair}, {"special_tokens", specials}};
}

class FastBackend final : public TokenizerBackend {
 public:
  FastBackend(const TokenizerConfig& config, Tokenizer tokenizer, const fs::path* tokenizer_json)
      : tok_(std::move(tokenizer)) {
    register_config_tokens(config);
    const std::string cls = slow_class_name(config.tokenizer_class);
    if (cls == "LlamaTokenizer" || cls == "GemmaTokenizer" || cls == "CodeLlamaTokenizer")
      tok_.set_post_processor(make_post_processor(bos_eos_template(config, tok_), "post_processor (rebuilt from add_bos_token/add_eos_token)"));
    if (cls == "CLIPTokenizer") {
      // CLIPTokenizerFast wraps decode: text.replace(end_of_word_suffix, " ").strip().
      end_of_word_suffix_ = "</w>";
      // The loaded model's suffix (HF reads backend_tokenizer.model.end_of_word_suffix), not a
      // second parse of tokenizer.json: an ordered_json DOM of its vocab takes seconds.
      if (tokenizer_json)
        if (const auto* bpe = dynamic_cast<const BpeModel*>(&tok_.model()); bpe && bpe->options().end_of_word_suffix)
          end_of_word_suffix_ = *bpe->options().end_of_word_suffix;
      clip_decode_ = true;
    }
  }

  bool is_fast() const override { return true; }
  const Tokenizer& tokenizer() const { return tok_; }

  std::vector<int32_t> encode_plain(std::string_view text) const override {
    return tok_.encode_sequence(text, 0).ids;
  }
  std::vector<std::string> tokenize(std::string_view text) const override {
    return tok_.encode_sequence(text, 0).tokens;
  }
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const override {
    std::string text = tok_.decode(ids, skip_special_tokens);
    if (clip_decode_) text = strip(replace_all(text, end_of_word_suffix_, " "));
    return text;
  }
  std::optional<int32_t> token_to_id(std::string_view token) const override { return tok_.token_to_id(token); }
  std::string id_to_token(int32_t id) const override {
    auto t = tok_.id_to_token(id);
    AM_CHECK(t.has_value(), "token id ", id, " is not in the vocabulary (size ", tok_.vocab_size(true), ")");
    return *t;
  }
  size_t vocab_size() const override { return tok_.vocab_size(false); }
  size_t size_with_added() const override { return tok_.vocab_size(true); }
  std::map<int32_t, AddedTokenSpec> added_tokens_decoder() const override {
    // PreTrainedTokenizerFast.added_tokens_decoder: the pipeline's added tokens.
    std::map<int32_t, AddedTokenSpec> out;
    for (const auto& [id, t] : tok_.added_tokens())
      out[id] = AddedTokenSpec{t.content, t.single_word, t.lstrip, t.rstrip, t.normalized, t.special};
    return out;
  }
  void set_special_tokens(const std::vector<std::string>& all_special_tokens) override {
    // A special token new to the pipeline (e.g. a user-chosen pad token) is added as special.
    std::vector<AddedToken> add;
    for (const auto& t : all_special_tokens)
      if (!tok_.token_to_id(t)) add.push_back(AddedToken{t, false, false, false, false, true});
    if (!add.empty()) tok_.add_tokens(add);
  }

  BatchEncoding call(const std::vector<std::string>& texts, const std::vector<std::string>* pairs,
                     const ResolvedCall& c) const override {
    // PreTrainedTokenizerFast.set_truncation_and_padding + encode_batch.
    std::optional<TruncationParams> truncation;
    if (c.truncation != TruncationMode::do_not_truncate && c.max_length) {
      TruncationParams t;
      t.max_length = *c.max_length;
      t.strategy = c.truncation == TruncationMode::only_first    ? TruncationStrategy::only_first
                   : c.truncation == TruncationMode::only_second ? TruncationStrategy::only_second
                                                                 : TruncationStrategy::longest_first;
      t.stride = c.stride;
      t.direction = c.truncation_side == "left" ? Direction::left : Direction::right;
      truncation = t;
    }
    std::optional<PaddingParams> padding;
    if (c.padding != PaddingMode::do_not_pad) {
      PaddingParams p;
      if (c.padding == PaddingMode::max_length && c.max_length) {
        p.strategy = PaddingStrategy::fixed;
        p.fixed_length = *c.max_length;
      }
      p.direction = c.padding_side == "left" ? Direction::left : Direction::right;
      p.pad_to_multiple_of = c.pad_to_multiple_of;
      p.pad_id = c.pad_token_id.value_or(0);
      p.pad_type_id = c.pad_token_type_id;
      p.pad_token = c.pad_token;
      padding = p;
    }
    std::vector<Encoding> encodings(texts.size());
    for (size_t i = 0; i < texts.size(); ++i) {
      std::optional<Encoding> pair;
      if (pairs) pair = tok_.encode_sequence((*pairs)[i], 1);
      encodings[i] = post_process(tok_.post_processor(), truncation ? &*truncation : nullptr,
                                  padding ? &*padding : nullptr, tok_.encode_sequence(texts[i], 0), std::move(pair),
                                  c.add_special_tokens);
    }
    if (padding) pad_encodings(encodings, *padding);

    BatchEncoding b;
    if (c.return_attention_mask) b.attention_mask.emplace();
    if (c.return_token_type_ids) b.token_type_ids.emplace();
    if (c.return_special_tokens_mask) b.special_tokens_mask.emplace();
    if (c.return_offsets_mapping) b.offset_mapping.emplace();
    if (c.return_overflowing_tokens) b.overflow_to_sample_mapping.emplace();
    auto add_row = [&](const Encoding& e, size_t sample) {
      b.input_ids.push_back(e.ids);
      if (b.attention_mask) b.attention_mask->push_back(e.attention_mask);
      if (b.token_type_ids) b.token_type_ids->push_back(e.type_ids);
      if (b.special_tokens_mask) b.special_tokens_mask->push_back(e.special_tokens_mask);
      if (b.offset_mapping) b.offset_mapping->emplace_back(e.offsets.begin(), e.offsets.end());
      if (b.overflow_to_sample_mapping) b.overflow_to_sample_mapping->push_back(sample);
    };
    for (size_t i = 0; i < encodings.size(); ++i) {
      add_row(encodings[i], i);
      if (c.return_overflowing_tokens)
        for (const auto& o : encodings[i].overflowing) add_row(o, i);
    }
    return b;
  }

 private:
  // PreTrainedTokenizerFast.__init__: the config's added_tokens_decoder entries and special
  // tokens that the pipeline does not know yet are added to it (special ones as special).
  void register_config_tokens(const TokenizerConfig& c) {
    std::vector<AddedToken> add;
    auto known = [&](const std::string& content) {
      for (const auto& [id, t] : tok_.added_tokens())
        if (t.content == content) return true;
      for (const auto& t : add)
        if (t.content == content) return true;
      return false;
    };
    for (const auto& [id, spec] : c.added_tokens_decoder)
      if (!known(spec.content))
        add.push_back(AddedToken{spec.content, spec.single_word, spec.lstrip, spec.rstrip, spec.normalized, spec.special});
    std::vector<const AddedTokenSpec*> specials;
    for (const auto* t : {&c.bos_token, &c.eos_token, &c.unk_token, &c.sep_token, &c.pad_token, &c.cls_token, &c.mask_token})
      if (*t) specials.push_back(&**t);
    for (const auto& t : c.additional_special_tokens) specials.push_back(&t);
    for (const auto* spec : specials)
      if (!known(spec->content))
        add.push_back(AddedToken{spec->content, spec->single_word, spec->lstrip, spec->rstrip, spec->normalized, true});
    if (!add.empty()) tok_.add_tokens(add);
  }

  Tokenizer tok_;
  bool clip_decode_ = false;
  std::string end_of_word_suffix_;
};

}  // namespace

std::unique_ptr<TokenizerBackend> make_fast_backend(const TokenizerConfig& config, Tokenizer tokenizer,
                                                    const fs::path* tokenizer_json) {
  return std::make_unique<FastBackend>(config, std::move(tokenizer), tokenizer_json);
}

}  // namespace automodel::tokenizers
