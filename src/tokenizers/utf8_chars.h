// UTF-8 helpers for the model / post-processor / decoder stages: stepping over code points,
// encoding them, Rust's char::is_whitespace and String::from_utf8_lossy (the byte-level and
// byte-fallback decoders must replace invalid bytes exactly as HF does).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace automodel::tokenizers::utf8 {

// Length in bytes of the code point starting at s[i] (1 for a stray byte, so loops advance).
inline size_t char_len(std::string_view s, size_t i) {
  const auto b = static_cast<unsigned char>(s[i]);
  size_t n = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 1;
  return i + n <= s.size() ? n : 1;
}

// The code point starting at s[i] (the byte itself for a malformed sequence).
inline char32_t decode_at(std::string_view s, size_t i) {
  const size_t n = char_len(s, i);
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  switch (n) {
    case 2: return static_cast<char32_t>(((b(0) & 0x1F) << 6) | (b(1) & 0x3F));
    case 3: return static_cast<char32_t>(((b(0) & 0x0F) << 12) | ((b(1) & 0x3F) << 6) | (b(2) & 0x3F));
    case 4:
      return static_cast<char32_t>(((b(0) & 0x07) << 18) | ((b(1) & 0x3F) << 12) | ((b(2) & 0x3F) << 6) |
                                   (b(3) & 0x3F));
    default: return b(0);
  }
}

inline void append(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

inline std::string encode(char32_t c) {
  std::string s;
  append(s, c);
  return s;
}

inline size_t count_chars(std::string_view s) {
  size_t n = 0;
  for (size_t i = 0; i < s.size(); i += char_len(s, i)) ++n;
  return n;
}

// Rust's char::is_whitespace (the Unicode White_Space property).
inline bool is_whitespace(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

// Length of the valid UTF-8 sequence at s[i], or 0 when it is invalid; `bad` then receives the
// number of bytes Rust's decoder treats as one invalid unit (the longest valid-looking prefix).
size_t valid_sequence_len(std::string_view s, size_t i, size_t& bad);

// True when the whole of `s` is valid UTF-8 (Rust's String::from_utf8 succeeds).
bool is_valid(std::string_view s);

// Rust's String::from_utf8_lossy: every maximal invalid subsequence becomes one U+FFFD.
std::string from_utf8_lossy(std::string_view s);

}  // namespace automodel::tokenizers::utf8
