// StreamingDetokenizer: pieces are complete UTF-8, never retracted, and add up to decode().
#include <gtest/gtest.h>


#include "automodel/tokenizers/auto_tokenizer.h"
#include "automodel/tokenizers/streaming.h"
#include "fixtures.h"

namespace {

namespace fs = std::filesystem;
using namespace automodel::tokenizers;
using automodel::json;

TEST(StreamingDetokenizer, SentencePieceLeadingSpaceAndByteFallback) {
  AM_REQUIRE_FIXTURES(root);
  const fs::path dir = root / "tokenizers" / "llama2-spm";
  if (!fs::exists(dir / "tokenizer.model")) GTEST_SKIP() << "llama2-spm fixture absent";
  auto tok = AutoTokenizer::from_pretrained(dir.string());
  StreamingDetokenizer s(tok);
  EXPECT_EQ(s.put(1), "");            // <s> is skipped (skip_special_tokens)
  EXPECT_EQ(s.put(15043), "Hello");   // the prefix space of the first word is dropped, as decode does
  EXPECT_EQ(s.put(3186), " world");   // later words keep theirs
  // 🤗 = <0xF0><0x9F><0xA4><0x97> (ids 243 162 167 154): nothing until the character is complete.
  EXPECT_EQ(s.put(29871), " ");  // "▁" alone (no clean-up configured: a space is final)
  EXPECT_EQ(s.put(243), "");
  EXPECT_EQ(s.put(162), "");
  EXPECT_EQ(s.put(167), "");
  EXPECT_EQ(s.put(154), "🤗");
  EXPECT_EQ(s.text(), "Hello world 🤗");
  EXPECT_EQ(s.finish(), "");
}

TEST(StreamingDetokenizer, HoldsBackSpacesThatCleanUpMayRemove) {
  AM_REQUIRE_FIXTURES(root);
  const fs::path dir = root / "tokenizers" / "llama3";
  if (!fs::exists(dir / "tokenizer.json")) GTEST_SKIP() << "llama3 fixture absent";
  auto tok = AutoTokenizer::from_pretrained(dir.string());  // clean_up_tokenization_spaces: true
  auto ids = tok.encode("Hello , world", false);
  StreamingDetokenizer s(tok);
  std::string all;
  for (int32_t id : ids) {
    std::string piece = s.put(id);
    // Whatever was emitted stays a prefix of the final cleaned-up text.
    all += piece;
    EXPECT_EQ(tok.decode(ids).compare(0, all.size(), all), 0) << all;
  }
  all += s.finish();
  EXPECT_EQ(all, "Hello, world");
}

}  // namespace
