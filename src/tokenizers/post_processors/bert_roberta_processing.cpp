// BertProcessing and RobertaProcessing (HF processors/bert.rs, roberta.rs): fixed special
// tokens around each sequence, applied to the overflowing parts as well.
#include <utility>

#include "post_processors.h"

namespace automodel::tokenizers {

namespace {

// `before` + e + `after` with e's tokens in sequence `seq`; content type ids are e's own unless
// `content_type` is given. The new Encoding has no overflowing parts.
Encoding wrap(const Encoding& e, const SpecialTokenRef* before, int32_t before_type, const SpecialTokenRef* after,
              int32_t after_type, std::optional<int32_t> content_type, uint32_t seq) {
  Encoding out;
  auto add_special = [&](const SpecialTokenRef& t, int32_t type) {
    out.ids.push_back(t.second);
    out.tokens.push_back(t.first);
    out.type_ids.push_back(type);
    out.word_ids.push_back(std::nullopt);
    out.offsets.push_back({0, 0});
    out.special_tokens_mask.push_back(1);
    out.attention_mask.push_back(1);
    out.sequence_ids.push_back(std::nullopt);
  };
  if (before) add_special(*before, before_type);
  for (size_t i = 0; i < e.ids.size(); ++i) {
    out.ids.push_back(e.ids[i]);
    out.tokens.push_back(i < e.tokens.size() ? e.tokens[i] : std::string());
    out.type_ids.push_back(content_type ? *content_type : (i < e.type_ids.size() ? e.type_ids[i] : 0));
    out.word_ids.push_back(i < e.word_ids.size() ? e.word_ids[i] : std::nullopt);
    out.offsets.push_back(i < e.offsets.size() ? e.offsets[i] : Offsets{0, 0});
    out.special_tokens_mask.push_back(0);
    out.attention_mask.push_back(1);
    out.sequence_ids.push_back(seq);
  }
  if (after) add_special(*after, after_type);
  return out;
}

}  // namespace

std::vector<Encoding> BertProcessing::process_encodings(std::vector<Encoding> encodings,
                                                        bool add_special_tokens) const {
  if (!add_special_tokens) return encodings;
  std::vector<Encoding> out;
  for (size_t i = 0; i < encodings.size(); ++i) {
    const Encoding& e = encodings[i];
    auto one = [&](const Encoding& x) {
      return i == 0 ? wrap(x, &cls_, 0, &sep_, 0, std::nullopt, 0) : wrap(x, nullptr, 0, &sep_, 1, std::nullopt, 1);
    };
    Encoding w = one(e);
    for (const Encoding& o : e.overflowing) w.overflowing.push_back(one(o));
    out.push_back(std::move(w));
  }
  return out;
}

std::vector<Encoding> RobertaProcessing::process_encodings(std::vector<Encoding> encodings,
                                                           bool add_special_tokens) const {
  if (trim_offsets_) {
    for (Encoding& e : encodings) {
      trim_byte_level_offsets(e, add_prefix_space_);
      for (Encoding& o : e.overflowing) trim_byte_level_offsets(o, add_prefix_space_);
    }
  }
  // RoBERTa gives every token type id 0, the pair included.
  for (Encoding& e : encodings) e.set_type_ids(0);
  if (!add_special_tokens) return encodings;
  std::vector<Encoding> out;
  for (size_t i = 0; i < encodings.size(); ++i) {
    const Encoding& e = encodings[i];
    auto one = [&](const Encoding& x) {
      return i == 0 ? wrap(x, &cls_, 0, &sep_, 0, 0, 0) : wrap(x, &sep_, 0, &sep_, 0, 0, 1);
    };
    Encoding w = one(e);
    for (const Encoding& o : e.overflowing) w.overflowing.push_back(one(o));
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace automodel::tokenizers
