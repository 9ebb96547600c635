#include "normalizers.h"

#include <utf8proc.h>

#include "../byte_level_chars.h"
#include "../unicode.h"

namespace automodel::tokenizers::normalizers {

void UnicodeNormalizer::normalize(NormalizedString& s) const {
  switch (form_) {
    case UnicodeForm::nfc: s.nfc(); break;
    case UnicodeForm::nfd: s.nfd(); break;
    case UnicodeForm::nfkc: s.nfkc(); break;
    case UnicodeForm::nfkd: s.nfkd(); break;
  }
}

void Strip::normalize(NormalizedString& s) const {
  if (left_ && right_) {
    s.strip();
  } else if (left_) {
    s.lstrip();
  } else if (right_) {
    s.rstrip();
  }
}

void StripAccents::normalize(NormalizedString& s) const {
  s.filter([](char32_t c) {
    if (c < 0x300) return true;
    auto k = utf8proc_category(static_cast<utf8proc_int32_t>(c));
    return !(k == UTF8PROC_CATEGORY_MN || k == UTF8PROC_CATEGORY_MC || k == UTF8PROC_CATEGORY_ME);
  });
}

void ByteLevel::normalize(NormalizedString& s) const {
  if (s.empty()) return;
  const auto& table = byte_level_chars();
  const std::string& text = s.get();
  std::vector<CharChange> changes;
  changes.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t n = unicode::utf8_len_from_lead(static_cast<unsigned char>(text[i]));
    for (size_t k = 0; k < n; ++k) changes.push_back({table[static_cast<unsigned char>(text[i + k])], k > 0 ? 1 : 0});
    i += n;
  }
  s.transform(changes, 0);
}

void BertNormalizer::normalize(NormalizedString& s) const {
  if (clean_text_) {
    s.filter([](char32_t c) { return !(c == 0 || c == 0xFFFD || unicode::is_bert_control(c)); });
    s.map([](char32_t c) {
      return (c == '\t' || c == '\n' || c == '\r' || unicode::is_whitespace(c)) ? char32_t(' ') : c;
    });
  }
  if (handle_chinese_chars_) {
    bool any = false;
    std::vector<CharChange> changes;
    const std::string& text = s.get();
    changes.reserve(text.size());
    for (size_t i = 0; i < text.size();) {
      char32_t c = unicode::next_char(text, i);
      if (unicode::is_chinese_char(c)) {
        changes.push_back({U' ', 0});
        changes.push_back({c, 1});
        changes.push_back({U' ', 1});
        any = true;
      } else {
        changes.push_back({c, 0});
      }
    }
    if (any) s.transform(changes, 0);
  }
  if (strip_accents_) {
    s.nfd();
    s.filter([](char32_t c) { return !unicode::is_nonspacing_mark(c); });
  }
  if (lowercase_) s.lowercase();
}

void Nmt::normalize(NormalizedString& s) const {
  s.filter([](char32_t c) {
    return !((c >= 0x01 && c <= 0x08) || c == 0x0B || (c >= 0x0E && c <= 0x1F) || c == 0x7F || c == 0x8F ||
             c == 0x9F);
  });
  s.map([](char32_t c) -> char32_t {
    switch (c) {
      case 0x09: case 0x0A: case 0x0C: case 0x0D: case 0x1680: case 0x2028: case 0x2029: case 0x2581:
      case 0xFEFF: case 0xFFFD:
        return U' ';
      default:
        return (c >= 0x200B && c <= 0x200F) ? char32_t(U' ') : c;
    }
  });
}

}  // namespace automodel::tokenizers::normalizers
