// The ByteLevel decoder (HF pre_tokenizers/byte_level.rs): maps GPT-2's printable byte alphabet
// back to bytes and decodes them as lossy UTF-8, all tokens fused into one string.
#include <array>

#include "decoders.h"
#include "utf8_chars.h"

namespace automodel::tokenizers {

namespace {

struct Alphabet {
  std::array<char32_t, 256> to_char{};
  Alphabet() {
    // Printable Latin-1 bytes stand for themselves; the others take 256, 257, ... in byte order.
    char32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
      to_char[static_cast<size_t>(b)] = printable ? static_cast<char32_t>(b) : next++;
    }
  }
};

const Alphabet& alphabet() {
  static const Alphabet a;
  return a;
}

}  // namespace

char32_t byte_to_char(uint8_t b) { return alphabet().to_char[b]; }

int char_to_byte(char32_t c) {
  if (c < 256) {
    const bool printable = (c >= 33 && c <= 126) || (c >= 161 && c <= 172) || (c >= 174 && c <= 255);
    return printable ? static_cast<int>(c) : -1;
  }
  if (c < 256 + 68) {  // 68 = the number of non-printable bytes
    static const std::array<uint8_t, 68> back = [] {
      std::array<uint8_t, 68> r{};
      for (int b = 0; b < 256; ++b) {
        const char32_t ch = byte_to_char(static_cast<uint8_t>(b));
        if (ch >= 256) r[ch - 256] = static_cast<uint8_t>(b);
      }
      return r;
    }();
    return back[c - 256];
  }
  return -1;
}

std::vector<std::string> ByteLevelDecoder::decode_chain(std::vector<std::string> tokens) const {
  std::string bytes;
  for (const std::string& t : tokens) {
    // A token with any character outside the alphabet (an added token) is taken as it is.
    const size_t mark = bytes.size();
    bool all_mapped = true;
    for (size_t i = 0; i < t.size(); i += utf8::char_len(t, i)) {
      const int b = char_to_byte(utf8::decode_at(t, i));
      if (b < 0) {
        all_mapped = false;
        break;
      }
      bytes += static_cast<char>(b);
    }
    if (!all_mapped) {
      bytes.resize(mark);
      bytes += t;
    }
  }
  return {utf8::from_utf8_lossy(bytes)};
}

}  // namespace automodel::tokenizers
