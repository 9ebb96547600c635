// UnicodeScripts: the script of a character comes from PCRE2's Unicode tables (one alternation
// of \p{sc=...} groups, the group number naming the script), cached per code point. Scripts
// that SentencePiece's table (and so HF's) does not know are treated like Any.
#include <mutex>
#include <shared_mutex>
#include <unordered_map>

#include "../unicode.h"
#include "pre_tokenizers.h"

namespace automodel::tokenizers::pre_tokenizers {

namespace {

constexpr const char* kScripts[] = {
    "Common", "Inherited", "Adlam", "Ahom", "Anatolian_Hieroglyphs", "Arabic", "Armenian", "Avestan", "Balinese",
    "Bamum", "Bassa_Vah", "Batak", "Bengali", "Bhaiksuki", "Bopomofo", "Brahmi", "Braille", "Buginese", "Buhid",
    "Canadian_Aboriginal", "Carian", "Caucasian_Albanian", "Chakma", "Cham", "Cherokee", "Coptic", "Cuneiform",
    "Cypriot", "Cyrillic", "Deseret", "Devanagari", "Duployan", "Egyptian_Hieroglyphs", "Elbasan", "Ethiopic",
    "Georgian", "Glagolitic", "Gothic", "Grantha", "Greek", "Gujarati", "Gurmukhi", "Han", "Hangul", "Hanunoo",
    "Hatran", "Hebrew", "Hiragana", "Imperial_Aramaic", "Inscriptional_Pahlavi", "Inscriptional_Parthian",
    "Javanese", "Kaithi", "Kannada", "Katakana", "Kayah_Li", "Kharoshthi", "Khmer", "Khojki", "Khudawadi", "Lao",
    "Latin", "Lepcha", "Limbu", "Linear_A", "Linear_B", "Lisu", "Lycian", "Lydian", "Mahajani", "Malayalam",
    "Mandaic", "Manichaean", "Marchen", "Meetei_Mayek", "Mende_Kikakui", "Meroitic_Cursive",
    "Meroitic_Hieroglyphs", "Miao", "Modi", "Mongolian", "Mro", "Multani", "Myanmar", "Nabataean", "New_Tai_Lue",
    "Newa", "Nko", "Ogham", "Ol_Chiki", "Old_Hungarian", "Old_Italic", "Old_North_Arabian", "Old_Permic",
    "Old_Persian", "Old_South_Arabian", "Old_Turkic", "Oriya", "Osage", "Osmanya", "Pahawh_Hmong", "Palmyrene",
    "Pau_Cin_Hau", "Phags_Pa", "Phoenician", "Psalter_Pahlavi", "Rejang", "Runic", "Samaritan", "Saurashtra",
    "Sharada", "Shavian", "Siddham", "SignWriting", "Sinhala", "Sora_Sompeng", "Sundanese", "Syloti_Nagri",
    "Syriac", "Tagalog", "Tagbanwa", "Tai_Le", "Tai_Tham", "Tai_Viet", "Takri", "Tamil", "Tangut", "Telugu",
    "Thaana", "Thai", "Tibetan", "Tifinagh", "Tirhuta", "Ugaritic", "Vai", "Warang_Citi", "Yi"};
constexpr int kAny = -1;

int han_index() {
  static const int idx = [] {
    for (int i = 0; i < static_cast<int>(std::size(kScripts)); ++i)
      if (std::string_view(kScripts[i]) == "Han") return i;
    return kAny;
  }();
  return idx;
}

int raw_script(char32_t c) {
  static const Regex re = [] {
    std::string p;
    for (const char* name : kScripts) p += std::string(p.empty() ? "" : "|") + "(\\p{sc=" + name + "})";
    return Regex(p, "UnicodeScripts pre-tokenizer");
  }();
  static std::shared_mutex mu;
  static std::unordered_map<char32_t, int> cache;
  {
    std::shared_lock lock(mu);
    if (auto it = cache.find(c); it != cache.end()) return it->second;
  }
  std::string s;
  unicode::append_utf8(s, c);
  int script = kAny;
  size_t b, e;
  if (re.search(s, 0, b, e) && b == 0) {
    // Find which alternative matched by matching each script alone (rare: cached afterwards).
    for (int i = 0; i < static_cast<int>(std::size(kScripts)); ++i) {
      Regex one(std::string("\\p{sc=") + kScripts[i] + "}", "UnicodeScripts pre-tokenizer");
      if (one.search(s, 0, b, e)) {
        script = i;
        break;
      }
    }
  }
  std::unique_lock lock(mu);
  cache.emplace(c, script);
  return script;
}

int fixed_script(char32_t c) {
  if (c == 0x30FC) return han_index();
  if (c == U' ') return kAny;
  int s = raw_script(c);
  std::string_view name = s == kAny ? "" : kScripts[s];
  if (name == "Hiragana" || name == "Katakana") return han_index();
  return s;
}

}  // namespace

void UnicodeScripts::pre_tokenize(PreTokenizedString& s) const {
  s.split([](size_t, NormalizedString&& n, std::vector<tokenizers::Split>& out) {
    const std::string& text = n.get();
    std::vector<size_t> cuts;
    cuts.push_back(0);
    std::optional<int> last;
    for (size_t i = 0; i < text.size();) {
      size_t b = i;
      char32_t c = unicode::next_char(text, i);
      int script = fixed_script(c);
      if (script != kAny && last != kAny && last != script && b != 0) cuts.push_back(b);
      if (script != kAny) last = script;
    }
    cuts.push_back(text.size());
    for (size_t k = 0; k + 1 < cuts.size(); ++k)
      if (auto piece = n.slice({cuts[k], cuts[k + 1]})) out.push_back({std::move(*piece), std::nullopt});
  });
}

}  // namespace automodel::tokenizers::pre_tokenizers
