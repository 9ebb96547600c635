// make_pre_tokenizer: tokenizer.json "pre_tokenizer" objects (any layout HF accepts).
#include "automodel/core/error.h"
#include "../json_fields.h"
#include "../unicode.h"
#include "pre_tokenizers.h"

namespace automodel::tokenizers {

namespace {

SplitDelimiterBehavior behavior_field(const json& j, const char* key, const std::string& path, const std::string& type,
                                      SplitDelimiterBehavior def) {
  const json* v = jf::find(j, key);
  if (!v) return def;
  std::string name = jf::as_string(*v, jf::at(path, key), type);
  auto b = parse_split_delimiter_behavior(name);
  if (!b)
    fail("tokenizer.json: ", jf::at(path, key), " (", type, "): unknown behavior \"", name,
         "\" (expected Removed, Isolated, MergedWithPrevious, MergedWithNext or Contiguous)");
  return *b;
}

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const json& j, const std::string& path) {
  using namespace pre_tokenizers;
  if (j.is_null()) return nullptr;
  if (!j.is_object()) jf::bad(path, "pre_tokenizer", "an object", j);
  const json* type_field = jf::find(j, "type");
  if (!type_field) fail("tokenizer.json: ", path, ": pre_tokenizer has no \"type\"");
  const std::string type = jf::as_string(*type_field, jf::at(path, "type"), "pre_tokenizer");
  if (type == "ByteLevel")
    return std::make_unique<pre_tokenizers::ByteLevel>(jf::get_bool(j, "add_prefix_space", path, type, true),
                                                       jf::get_bool(j, "use_regex", path, type, true));
  if (type == "Split") {
    auto re = make_pattern_regex(jf::require(j, "pattern", path, type), jf::at(path, "pattern"), type);
    const json& behavior = jf::require(j, "behavior", path, type);
    (void)behavior;
    auto b = behavior_field(j, "behavior", path, type, SplitDelimiterBehavior::removed);
    return std::make_unique<pre_tokenizers::Split>(std::move(re), b,
                                                   jf::get_bool(j, "invert", path, type, false));
  }
  if (type == "Whitespace") return std::make_unique<Whitespace>();
  if (type == "WhitespaceSplit") return std::make_unique<WhitespaceSplit>();
  if (type == "BertPreTokenizer") return std::make_unique<BertPreTokenizer>();
  if (type == "UnicodeScripts") return std::make_unique<UnicodeScripts>();
  if (type == "Punctuation")
    return std::make_unique<Punctuation>(behavior_field(j, "behavior", path, type, SplitDelimiterBehavior::isolated));
  if (type == "Digits") return std::make_unique<Digits>(jf::get_bool(j, "individual_digits", path, type, false));
  if (type == "CharDelimiterSplit" || type == "Delimiter")
    return std::make_unique<CharDelimiterSplit>(
        jf::as_char(jf::require(j, "delimiter", path, type), jf::at(path, "delimiter"), type));
  if (type == "FixedLength") {
    uint64_t length = jf::get_uint(j, "length", path, type, 5);
    AM_CHECK(length > 0, "tokenizer.json: ", jf::at(path, "length"), " (FixedLength): must be at least 1");
    return std::make_unique<FixedLength>(static_cast<size_t>(length));
  }
  if (type == "Metaspace") {
    char32_t replacement = jf::as_char(jf::require(j, "replacement", path, type), jf::at(path, "replacement"), type);
    PrependScheme scheme = PrependScheme::always;
    if (const json* v = jf::find(j, "prepend_scheme")) {
      std::string name = jf::as_string(*v, jf::at(path, "prepend_scheme"), type);
      if (name == "first") scheme = PrependScheme::first;
      else if (name == "always") scheme = PrependScheme::always;
      else if (name == "never") scheme = PrependScheme::never;
      else fail("tokenizer.json: ", jf::at(path, "prepend_scheme"), " (Metaspace): unknown prepend_scheme \"", name,
                "\" (expected first, always or never)");
    }
    // Legacy field: add_prefix_space false means never (and contradicts any other scheme).
    if (const json* v = jf::find(j, "add_prefix_space"); v && !jf::as_bool(*v, jf::at(path, "add_prefix_space"), type)) {
      AM_CHECK(scheme == PrependScheme::never || !jf::find(j, "prepend_scheme"), "tokenizer.json: ", path,
               " (Metaspace): add_prefix_space does not match declared prepend_scheme");
      scheme = PrependScheme::never;
    }
    return std::make_unique<Metaspace>(replacement, scheme, jf::get_bool(j, "split", path, type, true));
  }
  if (type == "Sequence") {
    const json& list = jf::require(j, "pretokenizers", path, type);
    if (!list.is_array()) jf::bad(jf::at(path, "pretokenizers"), type, "an array", list);
    std::vector<std::unique_ptr<PreTokenizer>> items;
    for (size_t i = 0; i < list.size(); ++i) {
      std::string item_path = jf::at(jf::at(path, "pretokenizers"), i);
      if (list[i].is_null()) jf::bad(item_path, type, "a pre-tokenizer object", list[i]);
      items.push_back(make_pre_tokenizer(list[i], item_path));
    }
    return std::make_unique<pre_tokenizers::Sequence>(std::move(items));
  }
  fail("tokenizer.json: ", path, ": unsupported pre_tokenizer type \"", type,
       "\" (known: BertPreTokenizer, ByteLevel, CharDelimiterSplit, Metaspace, Whitespace, WhitespaceSplit, Split, "
       "Punctuation, Digits, UnicodeScripts, FixedLength, Sequence)");
}

}  // namespace automodel::tokenizers
