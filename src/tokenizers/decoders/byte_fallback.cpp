// The ByteFallback decoder (HF decoders/byte_fallback.rs): runs of <0xXX> tokens become the
// string their bytes spell, or one U+FFFD per byte when those bytes are not valid UTF-8.
#include "decoders.h"
#include "utf8_chars.h"

namespace automodel::tokenizers {

namespace {

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Rust's u8::from_str_radix(&token[3..5], 16) on a 6-byte "<0x..>" token (a leading '+' is
// accepted there, as Rust does).
std::optional<uint8_t> byte_token(const std::string& t) {
  if (t.size() != 6 || t.compare(0, 3, "<0x") != 0 || t[5] != '>') return std::nullopt;
  if (t[3] == '+') {
    const int d = hex_digit(t[4]);
    return d < 0 ? std::nullopt : std::optional<uint8_t>(static_cast<uint8_t>(d));
  }
  const int hi = hex_digit(t[3]), lo = hex_digit(t[4]);
  if (hi < 0 || lo < 0) return std::nullopt;
  return static_cast<uint8_t>(hi * 16 + lo);
}

void flush(std::string& pending, std::vector<std::string>& out) {
  if (pending.empty()) return;
  if (utf8::is_valid(pending)) {
    out.push_back(pending);
  } else {
    for (size_t i = 0; i < pending.size(); ++i) out.emplace_back("\xEF\xBF\xBD");
  }
  pending.clear();
}

}  // namespace

std::vector<std::string> ByteFallbackDecoder::decode_chain(std::vector<std::string> tokens) const {
  std::vector<std::string> out;
  std::string pending;
  for (std::string& t : tokens) {
    if (auto b = byte_token(t)) {
      pending += static_cast<char>(*b);
    } else {
      flush(pending, out);
      out.push_back(std::move(t));
    }
  }
  flush(pending, out);
  return out;
}

}  // namespace automodel::tokenizers
