// UTF-8 decoding/encoding and the Unicode character classes the pipeline needs, with the
// semantics of Rust's `char` methods that HF `tokenizers` calls (is_whitespace,
// is_alphanumeric, to_lowercase, ...). Backed by utf8proc.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace automodel::tokenizers::unicode {

// Decodes the code point starting at s[i] of VALID UTF-8 (the pipeline validates its input once,
// see sanitize_utf8) and advances i past it.
inline char32_t next_char(std::string_view s, size_t& i) {
  auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    ++i;
    return b0;
  }
  if (b0 < 0xE0) {
    char32_t c = ((b0 & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
    i += 2;
    return c;
  }
  if (b0 < 0xF0) {
    char32_t c = ((b0 & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
                 (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
    i += 3;
    return c;
  }
  char32_t c = ((b0 & 0x07u) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 12) |
               ((static_cast<unsigned char>(s[i + 2]) & 0x3Fu) << 6) | (static_cast<unsigned char>(s[i + 3]) & 0x3Fu);
  i += 4;
  return c;
}

// Byte length of the UTF-8 sequence that starts with lead byte b.
inline size_t utf8_len_from_lead(unsigned char b) { return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4; }
inline size_t utf8_len(char32_t c) { return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4; }
inline bool is_char_boundary(std::string_view s, size_t i) {
  return i == 0 || i >= s.size() || (static_cast<unsigned char>(s[i]) & 0xC0) != 0x80;
}

void append_utf8(std::string& out, char32_t c);

// Replaces every invalid UTF-8 sequence by U+FFFD (Python's errors="replace" / Rust's
// from_utf8_lossy: one U+FFFD per maximal invalid subpart). Returns true if it changed anything.
bool sanitize_utf8(std::string& s);
bool is_valid_utf8(std::string_view s);

size_t count_chars(std::string_view s);

// Rust char::is_whitespace (the White_Space property).
bool is_whitespace(char32_t c);
// Rust char::is_alphanumeric (Alphabetic or Numeric, approximated by the L* and N* categories).
bool is_alphanumeric(char32_t c);
// Unicode P* categories (HF's is_punctuation) or ASCII punctuation.
bool is_punctuation(char32_t c);
bool is_ascii_punctuation(char32_t c);
// Unicode general category Mn (nonspacing mark), used by StripAccents.
bool is_nonspacing_mark(char32_t c);
// Cc / Cf (HF BertNormalizer is_control: Cc, Cf, Cn, Co, except \t \n \r).
bool is_bert_control(char32_t c);
bool is_chinese_char(char32_t c);
// Unicode N* categories (Rust char::is_numeric).
bool is_numeric(char32_t c);

// Rust char::to_lowercase: writes 1 or more code points; returns how many.
int to_lowercase(char32_t c, char32_t out[3]);

}  // namespace automodel::tokenizers::unicode
