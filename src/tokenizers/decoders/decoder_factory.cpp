// make_decoder: builds a decoder from its tokenizer.json object.
#include "automodel/core/error.h"
#include "decoders.h"
#include "json_fields.h"

namespace automodel::tokenizers {

namespace {

PrependScheme metaspace_scheme(const json& j, const std::string& path) {
  const std::string type = "Metaspace";
  PrependScheme scheme = PrependScheme::always;
  if (const json* v = jf::find(j, "prepend_scheme")) {
    const std::string s = jf::as_string(*v, jf::at(path, "prepend_scheme"), type);
    if (s == "first")
      scheme = PrependScheme::first;
    else if (s == "never")
      scheme = PrependScheme::never;
    else if (s == "always")
      scheme = PrependScheme::always;
    else
      fail("tokenizer.json: ", jf::at(path, "prepend_scheme"), " (", type,
           "): expected \"first\", \"never\" or \"always\", found \"", s, "\"");
  }
  // The older layout has add_prefix_space instead; false means "never" (HF refuses a conflict).
  if (const json* v = jf::find(j, "add_prefix_space")) {
    if (!jf::as_bool(*v, jf::at(path, "add_prefix_space"), type)) {
      AM_CHECK(scheme == PrependScheme::never || !jf::find(j, "prepend_scheme"), "tokenizer.json: ", path, " (",
               type, "): add_prefix_space does not match declared prepend_scheme");
      scheme = PrependScheme::never;
    }
  }
  return scheme;
}

}  // namespace

std::unique_ptr<Decoder> make_decoder(const json& j, const std::string& path) {
  if (j.is_null()) return nullptr;
  if (!j.is_object()) jf::bad(path, "decoder", "an object with a \"type\"", j);
  const json* t = jf::find(j, "type");
  if (!t) fail("tokenizer.json: ", path, ": decoder without a \"type\"");
  const std::string type = jf::as_string(*t, jf::at(path, "type"), "decoder");
  if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
  if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
  if (type == "Fuse") return std::make_unique<FuseDecoder>();
  if (type == "Strip")
    return std::make_unique<StripDecoder>(jf::as_char(jf::require(j, "content", path, type), jf::at(path, "content"), type),
                                          jf::as_uint(jf::require(j, "start", path, type), jf::at(path, "start"), type),
                                          jf::as_uint(jf::require(j, "stop", path, type), jf::at(path, "stop"), type));
  if (type == "Metaspace")
    return std::make_unique<MetaspaceDecoder>(
        jf::as_char(jf::require(j, "replacement", path, type), jf::at(path, "replacement"), type),
        metaspace_scheme(j, path));
  if (type == "WordPiece")
    return std::make_unique<WordPieceDecoder>(jf::get_string(j, "prefix", path, type, "##"),
                                              jf::get_bool(j, "cleanup", path, type, true));
  if (type == "BPEDecoder") return std::make_unique<BpeDecoder>(jf::get_string(j, "suffix", path, type, "</w>"));
  if (type == "CTC")
    return std::make_unique<CtcDecoder>(jf::get_string(j, "pad_token", path, type, "<pad>"),
                                        jf::get_string(j, "word_delimiter_token", path, type, "|"),
                                        jf::get_bool(j, "cleanup", path, type, true));
  if (type == "Replace") {
    const json& pattern = jf::require(j, "pattern", path, type);
    const std::string pp = jf::at(path, "pattern");
    if (!pattern.is_object() || pattern.size() != 1 || (!pattern.contains("String") && !pattern.contains("Regex")))
      jf::bad(pp, type, "{\"String\": ...} or {\"Regex\": ...}", pattern);
    const bool is_regex = pattern.contains("Regex");
    const std::string key = is_regex ? "Regex" : "String";
    std::string p = jf::as_string(pattern.at(key), jf::at(pp, key), type);
    std::string content = jf::as_string(jf::require(j, "content", path, type), jf::at(path, "content"), type);
    try {
      return std::make_unique<ReplaceDecoder>(std::move(p), is_regex, std::move(content));
    } catch (const Error& e) {
      fail("tokenizer.json: ", pp, " (", type, "): ", e.what());
    }
  }
  if (type == "Sequence") {
    const json& list = jf::require(j, "decoders", path, type);
    const std::string lp = jf::at(path, "decoders");
    if (!list.is_array()) jf::bad(lp, type, "a list of decoders", list);
    std::vector<std::unique_ptr<Decoder>> decoders;
    for (size_t i = 0; i < list.size(); ++i) {
      auto d = make_decoder(list[i], jf::at(lp, i));
      if (!d) fail("tokenizer.json: ", jf::at(lp, i), " (Sequence): expected a decoder, found null");
      decoders.push_back(std::move(d));
    }
    return std::make_unique<SequenceDecoder>(std::move(decoders));
  }
  fail("tokenizer.json: ", path, ": unknown decoder type \"", type,
       "\" (expected ByteLevel, ByteFallback, Fuse, Strip, Metaspace, WordPiece, BPEDecoder, CTC, Replace or "
       "Sequence)");
}

}  // namespace automodel::tokenizers
