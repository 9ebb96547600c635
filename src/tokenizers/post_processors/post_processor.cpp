// PostProcessor::process (HF's default trait method) and the post-processor factory.
#include <utility>

#include "automodel/core/error.h"
#include "json_fields.h"
#include "post_processors.h"

namespace automodel::tokenizers {

Encoding PostProcessor::process(Encoding a, std::optional<Encoding> b, bool add_special_tokens) const {
  std::vector<Encoding> encodings;
  encodings.push_back(std::move(a));
  if (b) encodings.push_back(std::move(*b));
  for (size_t i = 0; i < encodings.size(); ++i) {
    Encoding& e = encodings[i];
    e.set_sequence_id(static_cast<uint32_t>(i));
    for (Encoding& o : e.overflowing) o.set_sequence_id(static_cast<uint32_t>(i));
    e.set_type_ids(static_cast<int32_t>(i));
  }
  return Encoding::merge(process_encodings(std::move(encodings), add_special_tokens), false);
}

namespace {

SpecialTokenRef special_token_ref(const json& j, const char* key, const std::string& path, const std::string& type) {
  const std::string p = jf::at(path, key);
  const json& v = jf::require(j, key, path, type);
  if (!v.is_array() || v.size() != 2) jf::bad(p, type, "a [token, id] pair", v);
  return {jf::as_string(v[0], p + "[0]", type), jf::as_id(v[1], p + "[1]", type)};
}

TemplateProcessing::Template template_from_json(const json& v, const std::string& path) {
  const std::string type = "TemplateProcessing";
  if (v.is_string()) return TemplateProcessing::parse_template(v.get<std::string>());
  if (!v.is_array()) jf::bad(path, type, "a list of template pieces", v);
  TemplateProcessing::Template t;
  for (size_t i = 0; i < v.size(); ++i) {
    const json& p = v[i];
    const std::string pp = jf::at(path, i);
    if (p.is_string()) {  // the Python constructor's form, accepted for hand-written files
      t.push_back(TemplateProcessing::parse_piece(p.get<std::string>()));
      continue;
    }
    if (!p.is_object() || p.size() != 1) jf::bad(pp, type, "{\"Sequence\": ...} or {\"SpecialToken\": ...}", p);
    TemplateProcessing::Piece piece;
    // The object's single member; taken through an iterator that outlives the uses (a structured
    // binding of *items().begin() would refer to a destroyed temporary).
    const auto member = p.begin();
    const std::string kind = member.key();
    const json& body = member.value();
    if (!body.is_object()) jf::bad(jf::at(pp, kind), type, "an object", body);
    const std::string bp = jf::at(pp, kind);
    if (kind == "Sequence") {
      piece.is_sequence = true;
      const std::string id = jf::as_string(jf::require(body, "id", bp, type), jf::at(bp, "id"), type);
      if (id == "A")
        piece.sequence = 0;
      else if (id == "B")
        piece.sequence = 1;
      else
        fail("tokenizer.json: ", jf::at(bp, "id"), " (", type, "): expected \"A\" or \"B\", found \"", id, "\"");
    } else if (kind == "SpecialToken") {
      piece.special_id = jf::as_string(jf::require(body, "id", bp, type), jf::at(bp, "id"), type);
    } else {
      fail("tokenizer.json: ", pp, " (", type, "): unknown template piece \"", kind,
           "\" (expected Sequence or SpecialToken)");
    }
    const json* tid = jf::find(body, "type_id");
    piece.type_id = tid ? jf::as_id(*tid, jf::at(bp, "type_id"), type) : 0;
    t.push_back(std::move(piece));
  }
  return t;
}

std::unique_ptr<PostProcessor> make_template(const json& j, const std::string& path) {
  const std::string type = "TemplateProcessing";
  auto single = template_from_json(jf::require(j, "single", path, type), jf::at(path, "single"));
  auto pair = template_from_json(jf::require(j, "pair", path, type), jf::at(path, "pair"));
  std::map<std::string, TemplateProcessing::SpecialToken> specials;
  if (const json* st = jf::find(j, "special_tokens")) {
    const std::string sp = jf::at(path, "special_tokens");
    if (!st->is_object()) jf::bad(sp, type, "an object of special tokens", *st);
    for (const auto& [key, tok] : st->items()) {
      const std::string kp = jf::at(sp, key);
      if (!tok.is_object()) jf::bad(kp, type, "an object {id, ids, tokens}", tok);
      TemplateProcessing::SpecialToken s;
      const json& ids = jf::require(tok, "ids", kp, type);
      const json& toks = jf::require(tok, "tokens", kp, type);
      if (!ids.is_array()) jf::bad(jf::at(kp, "ids"), type, "a list of ids", ids);
      if (!toks.is_array()) jf::bad(jf::at(kp, "tokens"), type, "a list of strings", toks);
      for (size_t i = 0; i < ids.size(); ++i) s.ids.push_back(jf::as_id(ids[i], jf::at(jf::at(kp, "ids"), i), type));
      for (size_t i = 0; i < toks.size(); ++i)
        s.tokens.push_back(jf::as_string(toks[i], jf::at(jf::at(kp, "tokens"), i), type));
      AM_CHECK(s.ids.size() == s.tokens.size(), "tokenizer.json: ", kp, " (", type,
               "): ids and tokens must be of the same length, found ", s.ids.size(), " ids and ", s.tokens.size(),
               " tokens");
      specials.emplace(key, std::move(s));
    }
  }
  try {
    return std::make_unique<TemplateProcessing>(std::move(single), std::move(pair), std::move(specials));
  } catch (const Error& e) {
    fail("tokenizer.json: ", path, " (", type, "): ", e.what());
  }
}

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const json& j, const std::string& path) {
  if (j.is_null()) return nullptr;
  if (!j.is_object()) jf::bad(path, "post_processor", "an object with a \"type\"", j);
  const json* t = jf::find(j, "type");
  if (!t) fail("tokenizer.json: ", path, ": post_processor without a \"type\"");
  const std::string type = jf::as_string(*t, jf::at(path, "type"), "post_processor");
  if (type == "TemplateProcessing") return make_template(j, path);
  if (type == "BertProcessing")
    return std::make_unique<BertProcessing>(special_token_ref(j, "sep", path, type),
                                            special_token_ref(j, "cls", path, type));
  if (type == "RobertaProcessing")
    return std::make_unique<RobertaProcessing>(special_token_ref(j, "sep", path, type),
                                               special_token_ref(j, "cls", path, type),
                                               jf::get_bool(j, "trim_offsets", path, type, true),
                                               jf::get_bool(j, "add_prefix_space", path, type, true));
  if (type == "ByteLevel")
    return std::make_unique<ByteLevelProcessing>(jf::get_bool(j, "trim_offsets", path, type, true),
                                                 jf::get_bool(j, "add_prefix_space", path, type, true));
  if (type == "Sequence") {
    const json& list = jf::require(j, "processors", path, type);
    const std::string lp = jf::at(path, "processors");
    if (!list.is_array()) jf::bad(lp, type, "a list of post-processors", list);
    std::vector<std::unique_ptr<PostProcessor>> processors;
    for (size_t i = 0; i < list.size(); ++i) {
      auto p = make_post_processor(list[i], jf::at(lp, i));
      if (!p) fail("tokenizer.json: ", jf::at(lp, i), " (Sequence): expected a post-processor, found null");
      processors.push_back(std::move(p));
    }
    return std::make_unique<SequenceProcessing>(std::move(processors));
  }
  fail("tokenizer.json: ", path, ": unknown post_processor type \"", type,
       "\" (expected TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel or Sequence)");
}

}  // namespace automodel::tokenizers
