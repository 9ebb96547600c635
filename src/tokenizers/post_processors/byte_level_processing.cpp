// The ByteLevel post-processor (HF pre_tokenizers/byte_level.rs): offset trimming only.
#include "post_processors.h"
#include "utf8_chars.h"

namespace automodel::tokenizers {

namespace {
constexpr char32_t kByteLevelSpace = 0x0120;  // 'Ġ', the byte-level image of ' '
bool is_space_like(char32_t c) { return c == kByteLevelSpace || utf8::is_whitespace(c); }
}  // namespace

void trim_byte_level_offsets(Encoding& encoding, bool add_prefix_space) {
  const size_t n = std::min(encoding.tokens.size(), encoding.offsets.size());
  for (size_t i = 0; i < n; ++i) {
    const std::string& token = encoding.tokens[i];
    std::vector<char32_t> chars;
    for (size_t k = 0; k < token.size(); k += utf8::char_len(token, k)) chars.push_back(utf8::decode_at(token, k));
    size_t leading = 0;
    while (leading < chars.size() && is_space_like(chars[leading])) ++leading;
    size_t trailing = 0;
    while (trailing < chars.size() && is_space_like(chars[chars.size() - 1 - trailing])) ++trailing;
    Offsets& o = encoding.offsets[i];
    if (leading > 0) {
      // A single leading space on the first token is the one add_prefix_space put there.
      const bool is_first = i == 0 || o.first == 0;
      if (is_first && add_prefix_space && leading == 1) leading = 0;
      o.first = std::min(o.first + leading, o.second);
    }
    if (trailing > 0 && o.second >= trailing) o.second = std::max(o.second - trailing, o.first);
  }
}

std::vector<Encoding> ByteLevelProcessing::process_encodings(std::vector<Encoding> encodings, bool) const {
  if (trim_offsets_) {
    for (Encoding& e : encodings) {
      trim_byte_level_offsets(e, add_prefix_space_);
      for (Encoding& o : e.overflowing) trim_byte_level_offsets(o, add_prefix_space_);
    }
  }
  for (size_t i = 0; i < encodings.size(); ++i) encodings[i].set_sequence_id(static_cast<uint32_t>(i));
  return encodings;
}

}  // namespace automodel::tokenizers
