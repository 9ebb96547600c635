// TemplateProcessing (HF processors/template.rs): single and pair templates of sequences and
// special tokens, each with its type id.
#include <charconv>
#include <set>

#include "automodel/core/error.h"
#include "post_processors.h"

namespace automodel::tokenizers {

namespace {

std::optional<TemplateProcessing::Piece> extract_id(const std::string& s) {
  TemplateProcessing::Piece p;
  if (!s.empty() && s[0] == '$') {
    const std::string rest = s.substr(1);
    p.is_sequence = true;
    if (rest.empty() || rest == "A" || rest == "a") {
      p.sequence = 0;
    } else if (rest == "B" || rest == "b") {
      p.sequence = 1;
    } else {
      uint32_t type_id = 0;
      auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), type_id);
      if (ec != std::errc() || ptr != rest.data() + rest.size()) return std::nullopt;
      p.sequence = 0;
      p.type_id = static_cast<int32_t>(type_id);
    }
    return p;
  }
  p.special_id = s;
  return p;
}

}  // namespace

TemplateProcessing::Piece TemplateProcessing::parse_piece(const std::string& s) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == ':') {
      parts.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  std::optional<Piece> p;
  if (parts.size() == 1) {
    p = extract_id(parts[0]);
  } else if (parts.size() == 2) {
    uint32_t type_id = 0;
    const std::string& t = parts[1];
    auto [ptr, ec] = std::from_chars(t.data(), t.data() + t.size(), type_id);
    if (ec == std::errc() && ptr == t.data() + t.size() && !t.empty()) {
      p = extract_id(parts[0]);
      if (p) p->type_id = static_cast<int32_t>(type_id);
    }
  }
  AM_CHECK(p.has_value(), "Cannot build Piece from string \"", s, "\"");
  return *p;
}

TemplateProcessing::Template TemplateProcessing::parse_template(const std::string& s) {
  Template t;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == ' ') {
      t.push_back(parse_piece(s.substr(start, i - start)));
      start = i + 1;
    }
  }
  return t;
}

TemplateProcessing::TemplateProcessing(Template single, Template pair,
                                       std::map<std::string, SpecialToken> special_tokens)
    : single_(std::move(single)), pair_(std::move(pair)), special_tokens_(std::move(special_tokens)) {
  bool has_a = false, has_b = false;
  for (const Piece& p : pair_)
    if (p.is_sequence) (p.sequence == 0 ? has_a : has_b) = true;
  AM_CHECK(has_a && has_b, "Template for `pair` must use both sequences");
  std::set<std::string> missing;
  for (const Template* t : {&single_, &pair_})
    for (const Piece& p : *t)
      if (!p.is_sequence && !special_tokens_.count(p.special_id)) missing.insert(p.special_id);
  if (!missing.empty()) {
    std::string names;
    for (const auto& m : missing) names += (names.empty() ? "" : ", ") + m;
    fail("Missing SpecialToken(s) with id(s) `", names, "`");
  }
  added_single_ = count_added(single_);
  added_pair_ = count_added(pair_);
}

size_t TemplateProcessing::count_added(const Template& t) const {
  size_t n = 0;
  for (const Piece& p : t)
    if (!p.is_sequence) n += special_tokens_.at(p.special_id).ids.size();
  return n;
}

std::vector<Encoding> TemplateProcessing::process_encodings(std::vector<Encoding> encodings,
                                                            bool add_special_tokens) const {
  AM_CHECK(encodings.size() == 1 || encodings.size() == 2, "TemplateProcessing: expected 1 or 2 sequences, got ",
           encodings.size());
  const Template& t = encodings.size() == 2 ? pair_ : single_;
  std::vector<Encoding> out;
  for (const Piece& p : t) {
    if (p.is_sequence) {
      const size_t i = static_cast<size_t>(p.sequence);
      AM_CHECK(i < encodings.size(), "TemplateProcessing: the single-sequence template uses $B");
      Encoding& e = encodings[i];
      e.set_type_ids(p.type_id);
      e.set_sequence_id(static_cast<uint32_t>(i));
      out.push_back(e);
    } else if (add_special_tokens) {
      const SpecialToken& s = special_tokens_.at(p.special_id);
      const size_t n = s.ids.size();
      Encoding e;
      e.ids = s.ids;
      e.tokens = s.tokens;
      e.type_ids.assign(n, p.type_id);
      e.word_ids.assign(n, std::nullopt);
      e.offsets.assign(n, Offsets{0, 0});
      e.special_tokens_mask.assign(n, 1);
      e.attention_mask.assign(n, 1);
      e.sequence_ids.assign(n, std::nullopt);
      out.push_back(std::move(e));
    }
  }
  return out;
}

}  // namespace automodel::tokenizers
