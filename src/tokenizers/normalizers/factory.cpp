// make_normalizer: tokenizer.json "normalizer" objects (any layout HF accepts) to Normalizers.
#include "automodel/core/error.h"
#include "../base64.h"
#include "../json_fields.h"
#include "normalizers.h"

namespace automodel::tokenizers {

namespace {

// {"String": s} or {"Regex": r} (Replace / Split patterns) to a compiled regex.
std::unique_ptr<Regex> pattern_regex(const json& j, const std::string& path, const std::string& component) {
  if (!j.is_object() || j.size() != 1) jf::bad(path, component, "{\"String\": ...} or {\"Regex\": ...}", j);
  if (auto it = j.find("String"); it != j.end())
    return std::make_unique<Regex>(Regex::escape(jf::as_string(*it, jf::at(path, "String"), component)),
                                   "tokenizer.json: " + jf::at(path, "String"));
  if (auto it = j.find("Regex"); it != j.end())
    return std::make_unique<Regex>(jf::as_string(*it, jf::at(path, "Regex"), component),
                                   "tokenizer.json: " + jf::at(path, "Regex"));
  jf::bad(path, component, "{\"String\": ...} or {\"Regex\": ...}", j);
}

}  // namespace

std::unique_ptr<Regex> make_pattern_regex(const json& j, const std::string& path, const std::string& component) {
  return pattern_regex(j, path, component);
}

std::unique_ptr<Normalizer> make_normalizer(const json& j, const std::string& path) {
  using namespace normalizers;
  if (j.is_null()) return nullptr;
  if (!j.is_object()) jf::bad(path, "normalizer", "an object", j);
  const json* type_field = jf::find(j, "type");
  if (!type_field) fail("tokenizer.json: ", path, ": normalizer has no \"type\"");
  const std::string type = jf::as_string(*type_field, jf::at(path, "type"), "normalizer");
  if (type == "NFC") return std::make_unique<UnicodeNormalizer>(UnicodeForm::nfc);
  if (type == "NFD") return std::make_unique<UnicodeNormalizer>(UnicodeForm::nfd);
  if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(UnicodeForm::nfkc);
  if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(UnicodeForm::nfkd);
  if (type == "Lowercase") return std::make_unique<Lowercase>();
  if (type == "StripAccents") return std::make_unique<StripAccents>();
  if (type == "Nmt") return std::make_unique<Nmt>();
  if (type == "ByteLevel") return std::make_unique<normalizers::ByteLevel>();
  if (type == "Strip" || type == "StripNormalizer")
    return std::make_unique<Strip>(jf::get_bool(j, "strip_left", path, type, true),
                                   jf::get_bool(j, "strip_right", path, type, true));
  if (type == "Prepend")
    return std::make_unique<Prepend>(jf::as_string(jf::require(j, "prepend", path, type), jf::at(path, "prepend"), type));
  if (type == "Replace") {
    auto re = pattern_regex(jf::require(j, "pattern", path, type), jf::at(path, "pattern"), type);
    return std::make_unique<Replace>(std::move(re),
                                     jf::as_string(jf::require(j, "content", path, type), jf::at(path, "content"), type));
  }
  if (type == "BertNormalizer" || type == "Bert") {
    bool lowercase = jf::get_bool(j, "lowercase", path, type, true);
    bool strip_accents = lowercase;
    if (const json* v = jf::find(j, "strip_accents")) strip_accents = jf::as_bool(*v, jf::at(path, "strip_accents"), type);
    return std::make_unique<BertNormalizer>(jf::get_bool(j, "clean_text", path, type, true),
                                            jf::get_bool(j, "handle_chinese_chars", path, type, true), strip_accents,
                                            lowercase);
  }
  if (type == "Precompiled") {
    const json& cm = jf::require(j, "precompiled_charsmap", path, type);
    std::string where = jf::at(path, "precompiled_charsmap");
    auto bytes = base64_decode(jf::as_string(cm, where, type));
    if (!bytes) fail("tokenizer.json: ", where, " (Precompiled): not valid base64");
    return std::make_unique<Precompiled>(std::move(*bytes), path);
  }
  if (type == "Sequence") {
    const json& list = jf::require(j, "normalizers", path, type);
    if (!list.is_array()) jf::bad(jf::at(path, "normalizers"), type, "an array", list);
    std::vector<std::unique_ptr<Normalizer>> items;
    for (size_t i = 0; i < list.size(); ++i) {
      std::string item_path = jf::at(jf::at(path, "normalizers"), i);
      if (list[i].is_null()) jf::bad(item_path, type, "a normalizer object", list[i]);
      items.push_back(make_normalizer(list[i], item_path));
    }
    return std::make_unique<Sequence>(std::move(items));
  }
  fail("tokenizer.json: ", path, ": unsupported normalizer type \"", type,
       "\" (known: BertNormalizer, Strip, StripAccents, NFC, NFD, NFKC, NFKD, Lowercase, Nmt, Precompiled, Replace, "
       "Prepend, ByteLevel, Sequence)");
}

}  // namespace automodel::tokenizers
