// StreamingDetokenizer over every decode golden of every fixture family: the streamed pieces
// are valid UTF-8 and add up to decode(ids), with and without skip_special_tokens.
#include <gtest/gtest.h>

#include <fstream>

#include "automodel/tokenizers/auto_tokenizer.h"
#include "automodel/tokenizers/streaming.h"
#include "fixtures.h"

namespace {

namespace fs = std::filesystem;
using namespace automodel::tokenizers;
using automodel::json;

bool valid_utf8(const std::string& s) {
  size_t i = 0;
  while (i < s.size()) {
    auto b = static_cast<unsigned char>(s[i]);
    size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

TEST(StreamingDetokenizerGoldens, AddsUpToDecodeForEveryFixtureDecodeCase) {
  AM_REQUIRE_FIXTURES(root);
  size_t streams = 0;
  for (const auto& entry : fs::directory_iterator(root / "tokenizers")) {
    const fs::path dir = entry.path();
    if (!fs::exists(dir / "cases.jsonl")) continue;
    auto tok = AutoTokenizer::from_pretrained(dir.string());
    std::ifstream in(dir / "cases.jsonl");
    for (std::string line; std::getline(in, line);) {
      json r = json::parse(line);
      const std::string kind = r.value("kind", "");
      if ((kind != "decode" && kind != "decode_ids") || r.contains("error")) continue;
      const auto ids = r["ids"].get<std::vector<int32_t>>();
      for (bool skip : {false, true}) {
        DecodeOptions o{skip, std::nullopt};
        StreamingDetokenizer s(tok, o);
        std::string all;
        for (int32_t id : ids) {
          std::string piece = s.put(id);
          EXPECT_TRUE(valid_utf8(piece)) << dir.filename() << " " << r["id"];
          all += piece;
        }
        all += s.finish();
        EXPECT_EQ(all, tok.decode(ids, o)) << dir.filename() << " " << r["id"] << " skip=" << skip;
        ++streams;
      }
    }
  }
  EXPECT_GT(streams, 0u);
}


}  // namespace
