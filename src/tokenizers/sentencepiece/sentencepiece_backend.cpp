// AutoTokenizer over a SentencePiece tokenizer.model with the slow PreTrainedTokenizer call
// path of transformers 4.47: _batch_encode_plus → _batch_prepare_for_model →
// prepare_for_model (truncate_sequences, special tokens) per input → pad (_pad) for the batch.
#include <algorithm>

#include "auto_tokenizer_backend.h"
#include "automodel/core/error.h"
#include "automodel/tokenizers/sentencepiece_tokenizer.h"

namespace automodel::tokenizers {

namespace {

struct Prepared {
  std::vector<int32_t> input_ids;
  std::vector<int32_t> token_type_ids;
  std::vector<int32_t> special_tokens_mask;
  std::vector<int32_t> overflowing_tokens;
  int64_t num_truncated_tokens = 0;
};

// PreTrainedTokenizerBase.truncate_sequences. Where Python only logs an error (the sequence
// to cut is too short) nothing is cut, as there.
std::vector<int32_t> truncate_sequences(std::vector<int32_t>& ids, std::vector<int32_t>* pair, size_t remove,
                                        TruncationMode strategy, size_t stride, const std::string& side) {
  std::vector<int32_t> overflow;
  if (remove == 0) return overflow;
  const bool left = side == "left";
  auto cut = [&](std::vector<int32_t>& seq) {
    if (seq.size() <= remove) return;
    size_t window = std::min(seq.size(), stride + remove);
    if (left) {
      overflow.assign(seq.begin(), seq.begin() + static_cast<std::ptrdiff_t>(window));
      seq.erase(seq.begin(), seq.begin() + static_cast<std::ptrdiff_t>(remove));
    } else {
      overflow.assign(seq.end() - static_cast<std::ptrdiff_t>(window), seq.end());
      seq.resize(seq.size() - remove);
    }
  };
  if (strategy == TruncationMode::only_first || (strategy == TruncationMode::longest_first && pair == nullptr)) {
    cut(ids);
  } else if (strategy == TruncationMode::longest_first) {
    // One token at a time from the longer sequence (the second one on ties); no overflow.
    for (size_t i = 0; i < remove; ++i) {
      std::vector<int32_t>& seq = ids.size() > pair->size() ? ids : *pair;
      if (seq.empty()) continue;
      if (left)
        seq.erase(seq.begin());
      else
        seq.pop_back();
    }
  } else if (strategy == TruncationMode::only_second && pair != nullptr) {
    cut(*pair);
  }
  return overflow;
}

class SentencePieceBackend final : public TokenizerBackend {
 public:
  SentencePieceBackend(const TokenizerConfig& config, const std::filesystem::path& model_file)
      : sp_(model_file, options_from(config)) {}

  bool is_fast() const override { return false; }

  std::vector<int32_t> encode_plain(std::string_view text) const override { return sp_.encode_plain(text); }
  std::vector<std::string> tokenize(std::string_view text) const override { return sp_.tokenize(text); }
  std::string decode(const std::vector<int32_t>& ids, bool skip_special_tokens) const override {
    try {
      return sp_.decode(ids, skip_special_tokens);
    } catch (const PieceIdOutOfRange& e) {
      fail("IndexError: ", e.what());
    }
  }
  std::optional<int32_t> token_to_id(std::string_view token) const override {
    int32_t id = sp_.convert_token_to_id(token);
    // SentencePiece maps unknown pieces to unk; report them as unknown unless it is the unk piece.
    if (sp_.added_tokens_encoder().count(token)) return id;
    std::string back;
    try {
      back = sp_.convert_id_to_token(id);
    } catch (const PieceIdOutOfRange&) {
      return std::nullopt;
    }
    if (back != token) return std::nullopt;
    return id;
  }
  std::string id_to_token(int32_t id) const override {
    try {
      return sp_.convert_id_to_token(id);
    } catch (const PieceIdOutOfRange& e) {
      fail("IndexError: ", e.what());
    }
  }
  size_t vocab_size() const override { return sp_.vocab_size(); }
  size_t size_with_added() const override { return sp_.size_with_added(); }
  std::map<int32_t, AddedTokenSpec> added_tokens_decoder() const override { return sp_.added_tokens_decoder(); }
  void set_special_tokens(const std::vector<std::string>& all_special_tokens) override {
    // Only the pad token can change after load (bos/eos/unk/additional are fixed by the config).
    const auto& o = sp_.options();
    for (const auto& t : all_special_tokens) {
      bool known = (o.bos_token && o.bos_token->content == t) || (o.eos_token && o.eos_token->content == t) ||
                   (o.unk_token && o.unk_token->content == t);
      for (const auto& a : o.additional_special_tokens) known = known || a.content == t;
      if (!known) {
        sp_.set_pad_token(AddedTokenSpec{t});
        return;
      }
    }
    // The pad token equals another special token (pad := eos), or there is none.
    if (o.pad_token) {
      bool still = std::find(all_special_tokens.begin(), all_special_tokens.end(), o.pad_token->content) !=
                   all_special_tokens.end();
      if (!still) sp_.set_pad_token(std::nullopt);
    }
  }

  BatchEncoding call(const std::vector<std::string>& texts, const std::vector<std::string>* pairs,
                     const ResolvedCall& c) const override {
    AM_CHECK(!c.return_offsets_mapping,
             "NotImplementedError: return_offset_mapping is not available when using Python tokenizers "
             "(this repository has no tokenizer.json: its SentencePiece tokenizer.model is loaded as transformers' "
             "slow LlamaTokenizer)");
    if (c.return_token_type_ids_requested.value_or(false) && !c.add_special_tokens)
      fail("ValueError: Asking to return token_type_ids while setting add_special_tokens to False results in an "
           "undefined behavior. Please set add_special_tokens to True or set return_token_type_ids to None.");
    if (c.return_overflowing_tokens && c.truncation == TruncationMode::longest_first && pairs)
      fail("ValueError: Not possible to return overflowing tokens for pair of sequences with the `longest_first`. "
           "Please select another truncation strategy than `longest_first`, for instance `only_second` or "
           "`only_first`.");
    std::vector<Prepared> rows;
    rows.reserve(texts.size());
    for (size_t i = 0; i < texts.size(); ++i) {
      std::vector<int32_t> first = sp_.encode_plain(texts[i]);
      std::optional<std::vector<int32_t>> second;
      if (pairs) second = sp_.encode_plain((*pairs)[i]);
      rows.push_back(prepare_for_model(std::move(first), second ? &*second : nullptr, c));
    }
    return pad(std::move(rows), c);
  }

 private:
  static SentencePieceOptions options_from(const TokenizerConfig& config) {
    SentencePieceOptions o;
    o.legacy = config.legacy.value_or(true);
    o.add_bos_token = config.add_bos_token.value_or(true);
    o.add_eos_token = config.add_eos_token.value_or(false);
    o.add_prefix_space = config.add_prefix_space.value_or(true);
    o.bos_token = config.bos_token;
    o.eos_token = config.eos_token;
    o.unk_token = config.unk_token;
    o.pad_token = config.pad_token;
    o.additional_special_tokens = config.additional_special_tokens;
    o.added_tokens_decoder = config.added_tokens_decoder;
    return o;
  }

  Prepared prepare_for_model(std::vector<int32_t> ids, std::vector<int32_t>* pair, const ResolvedCall& c) const {
    Prepared out;
    const size_t total =
        ids.size() + (pair ? pair->size() : 0) + (c.add_special_tokens ? sp_.num_special_tokens_to_add(pair != nullptr) : 0);
    if (c.truncation != TruncationMode::do_not_truncate && c.max_length && *c.max_length > 0 && total > *c.max_length)
      out.overflowing_tokens =
          truncate_sequences(ids, pair, total - *c.max_length, c.truncation, c.stride, c.truncation_side);
    if (c.return_overflowing_tokens && c.max_length)
      out.num_truncated_tokens = static_cast<int64_t>(total) - static_cast<int64_t>(*c.max_length);
    if (c.add_special_tokens) {
      out.input_ids = sp_.build_inputs_with_special_tokens(ids, pair);
      out.token_type_ids = sp_.create_token_type_ids(ids, pair);
      out.special_tokens_mask = sp_.special_tokens_mask(ids, pair);
    } else {
      out.input_ids = ids;
      if (pair) out.input_ids.insert(out.input_ids.end(), pair->begin(), pair->end());
      out.token_type_ids.assign(out.input_ids.size(), 0);
      out.special_tokens_mask.assign(out.input_ids.size(), 0);
    }
    return out;
  }

  // PreTrainedTokenizerBase.pad / _pad over the batch.
  BatchEncoding pad(std::vector<Prepared> rows, const ResolvedCall& c) const {
    std::optional<size_t> target;
    if (c.padding == PaddingMode::longest) {
      size_t longest = 0;
      for (const auto& r : rows) longest = std::max(longest, r.input_ids.size());
      target = longest;
    } else if (c.padding == PaddingMode::max_length) {
      target = c.max_length;
    }
    if (target && c.pad_to_multiple_of && *c.pad_to_multiple_of > 0 && *target % *c.pad_to_multiple_of != 0)
      target = (*target / *c.pad_to_multiple_of + 1) * *c.pad_to_multiple_of;

    BatchEncoding b;
    if (c.return_attention_mask) b.attention_mask.emplace();
    if (c.return_token_type_ids) b.token_type_ids.emplace();
    if (c.return_special_tokens_mask) b.special_tokens_mask.emplace();
    if (c.return_overflowing_tokens) {
      b.overflowing_tokens.emplace();
      b.num_truncated_tokens.emplace();
    }
    const bool left = c.padding_side == "left";
    for (auto& r : rows) {
      std::vector<int32_t> mask(r.input_ids.size(), 1);
      if (c.padding != PaddingMode::do_not_pad && target && r.input_ids.size() < *target) {
        AM_CHECK(c.pad_token_id.has_value(), "ValueError: Asking to pad but the tokenizer does not have a padding token");
        const size_t diff = *target - r.input_ids.size();
        auto grow = [&](std::vector<int32_t>& v, int32_t value) {
          if (left)
            v.insert(v.begin(), diff, value);
          else
            v.insert(v.end(), diff, value);
        };
        grow(mask, 0);
        grow(r.token_type_ids, c.pad_token_type_id);
        grow(r.special_tokens_mask, 1);
        grow(r.input_ids, *c.pad_token_id);
      }
      b.input_ids.push_back(std::move(r.input_ids));
      if (b.attention_mask) b.attention_mask->push_back(std::move(mask));
      if (b.token_type_ids) b.token_type_ids->push_back(std::move(r.token_type_ids));
      if (b.special_tokens_mask) b.special_tokens_mask->push_back(std::move(r.special_tokens_mask));
      if (b.overflowing_tokens) {
        b.overflowing_tokens->push_back(std::move(r.overflowing_tokens));
        b.num_truncated_tokens->push_back(r.num_truncated_tokens);
      }
    }
    return b;
  }

  SentencePieceTokenizer sp_;
};

}  // namespace

std::unique_ptr<TokenizerBackend> make_sentencepiece_backend(const TokenizerConfig& config,
                                                             const std::filesystem::path& model_file) {
  return std::make_unique<SentencePieceBackend>(config, model_file);
}

}  // namespace automodel::tokenizers
