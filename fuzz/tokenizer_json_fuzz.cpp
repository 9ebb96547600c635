// libFuzzer target: arbitrary bytes as tokenizer.json. Loading must either succeed or throw
// automodel::Error (never crash, hang or throw anything else); a tokenizer that loads must then
// encode and decode a few strings.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "automodel/core/error.h"
#include "automodel/tokenizers/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using automodel::tokenizers::Tokenizer;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    Tokenizer tok = Tokenizer::from_json_text(text, "fuzz/tokenizer.json");
    for (std::string_view s : {"", "Hello world!", " a  b\n\tc ", "héllo 日本 🤗 <s>", "\xff\xfe"}) {
      auto e = tok.encode(s, true);
      tok.decode(e.ids, false);
      tok.decode(e.ids, true);
      tok.encode_pair(s, "x", true);
    }
    tok.decode({0, 1, 2, -1, 1 << 30}, false);
  } catch (const automodel::Error&) {
  }
  return 0;
}
