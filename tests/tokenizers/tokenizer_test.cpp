// Tokenizer orchestration on a tiny inline tokenizer.json: added-token matching (special,
// single_word, lstrip, rstrip, normalized, longest match first), offsets in code points,
// invalid UTF-8 input, decode, and load errors that name the JSON path.
#include <gtest/gtest.h>

#include "automodel/core/error.h"
#include "automodel/tokenizers/tokenizer.h"

namespace automodel::tokenizers {
namespace {

std::string tiny_json(const std::string& added_tokens, const std::string& normalizer = "null") {
  return R"({"version":"1.0","truncation":null,"padding":null,"added_tokens":)" + added_tokens +
         R"(,"normalizer":)" + normalizer + R"(,"pre_tokenizer":{"type":"WhitespaceSplit"},"post_processor":null,
  "decoder":null,"model":{"type":"WordLevel","unk_token":"[UNK]","vocab":
  {"[UNK]":0,"hello":1,"world":2,"ab":3,"abc":4,"x":5,"hi":6,"�":7,"a":8,"b":9}}})";
}

std::string token(const std::string& content, int id, bool special, const std::string& extra = "") {
  return R"({"id":)" + std::to_string(id) + R"(,"content":")" + content + R"(","single_word":false,"lstrip":false,)" +
         R"("rstrip":false,"normalized":false,"special":)" + (special ? "true" : "false") + extra + "}";
}

TEST(Tokenizer, AddedTokensAreMatchedBeforeTheModel) {
  auto tok = Tokenizer::from_json_text(tiny_json("[" + token("<s>", 10, true) + "]"));
  auto e = tok.encode("hello<s>world");
  EXPECT_EQ(e.ids, (std::vector<int32_t>{1, 10, 2}));  // the added token splits the word
  e = tok.encode("hello <s> world");
  EXPECT_EQ(e.ids, (std::vector<int32_t>{1, 10, 2}));
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"hello", "<s>", "world"}));
  EXPECT_EQ(e.offsets, (std::vector<Offsets>{{0, 5}, {6, 9}, {10, 15}}));
  EXPECT_EQ(tok.token_to_id("<s>"), 10);
  EXPECT_EQ(tok.id_to_token(10), "<s>");
  EXPECT_EQ(tok.vocab_size(false), 10u);
  EXPECT_EQ(tok.vocab_size(true), 11u);
}

TEST(Tokenizer, LongestAddedTokenWinsAtTheSamePosition) {
  auto tok = Tokenizer::from_json_text(tiny_json("[" + token("ab", 3, false) + "," + token("abc", 4, false) + "]"));
  EXPECT_EQ(tok.encode("xabcx").tokens, (std::vector<std::string>{"x", "abc", "x"}));
  EXPECT_EQ(tok.encode("xabx").tokens, (std::vector<std::string>{"x", "ab", "x"}));
}

TEST(Tokenizer, SingleWordTokensOnlyMatchWholeWords) {
  auto tok = Tokenizer::from_json_text(
      tiny_json(std::string("[") + R"({"id":5,"content":"x","single_word":true,"lstrip":false,"rstrip":false,"normalized":false,"special":false})" + "]"));
  EXPECT_EQ(tok.encode("a x b").tokens, (std::vector<std::string>{"a", "x", "b"}));
  EXPECT_EQ(tok.encode("axb").ids, (std::vector<int32_t>{0}));  // inside a word: not an added token
}

TEST(Tokenizer, LstripAndRstripTakeTheSurroundingSpaces) {
  auto tok = Tokenizer::from_json_text(
      tiny_json(std::string("[") + R"({"id":10,"content":"<m>","single_word":false,"lstrip":true,"rstrip":true,"normalized":false,"special":true})" + "]"));
  auto e = tok.encode("hi  <m>  hi");
  EXPECT_EQ(e.tokens, (std::vector<std::string>{"hi", "  <m>  ", "hi"}));
  EXPECT_EQ(e.offsets, (std::vector<Offsets>{{0, 2}, {2, 9}, {9, 11}}));
}

TEST(Tokenizer, NormalizedAddedTokensMatchTheNormalizedText) {
  auto tok = Tokenizer::from_json_text(tiny_json(
      std::string("[") + R"({"id":10,"content":"Tag","single_word":false,"lstrip":false,"rstrip":false,"normalized":true,"special":false})" + "]",
      R"({"type":"Lowercase"})"));
  auto e = tok.encode("hello TAG");
  EXPECT_EQ(e.ids, (std::vector<int32_t>{1, 10}));
  EXPECT_EQ(e.offsets.back(), Offsets(6, 9));
}

TEST(Tokenizer, OffsetsAreCodePoints) {
  auto tok = Tokenizer::from_json_text(tiny_json("[]"));
  auto e = tok.encode("héllo wörld hi");
  EXPECT_EQ(e.offsets, (std::vector<Offsets>{{0, 5}, {6, 11}, {12, 14}}));
}

TEST(Tokenizer, InvalidUtf8IsReplacedByU_FFFD) {
  auto tok = Tokenizer::from_json_text(tiny_json("[]"));
  auto e = tok.encode("hi \xff hi");
  EXPECT_EQ(e.ids, (std::vector<int32_t>{6, 7, 6}));
  EXPECT_EQ(e.tokens[1], "\xEF\xBF\xBD");
  // A truncated sequence at the end is one U+FFFD too.
  EXPECT_EQ(tok.encode("hi \xE2\x82").ids, (std::vector<int32_t>{6, 7}));
}

TEST(Tokenizer, DecodeSkipsSpecialTokensAndDropsUnknownIds) {
  auto tok = Tokenizer::from_json_text(tiny_json("[" + token("<s>", 10, true) + "," + token("<t>", 11, false) + "]"));
  EXPECT_EQ(tok.decode({10, 1, 11, 2, 999}), "<s> hello <t> world");  // no decoder: joined by spaces
  EXPECT_EQ(tok.decode({10, 1, 11, 2}, /*skip_special_tokens=*/true), "hello <t> world");
  EXPECT_EQ(tok.decode({}), "");
}

TEST(Tokenizer, BatchEncodesEveryInput) {
  auto tok = Tokenizer::from_json_text(tiny_json("[]"));
  auto batch = tok.encode_batch({"hello", "world hi", ""});
  ASSERT_EQ(batch.size(), 3u);
  EXPECT_EQ(batch[1].ids, (std::vector<int32_t>{2, 6}));
  EXPECT_TRUE(batch[2].ids.empty());
  auto pairs = tok.encode_batch_pairs({{"hello", "world"}});
  EXPECT_EQ(pairs[0].ids, (std::vector<int32_t>{1, 2}));
  EXPECT_EQ(pairs[0].type_ids, (std::vector<int32_t>{0, 1}));
}

TEST(Tokenizer, LoadErrorsNameTheJsonPath) {
  auto expect_error = [](const std::string& text, const std::string& needle) {
    try {
      Tokenizer::from_json_text(text);
      ADD_FAILURE() << "expected an error containing " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error(tiny_json("[]", R"({"type":"Bogus"})"), "Bogus");
  expect_error(tiny_json("[]", R"({"type":"Sequence","normalizers":[{"type":"NFC"},{"type":"Replace"}]})"),
               "normalizer.normalizers[1]");
  expect_error(tiny_json(R"([{"id":1}])"), "added_tokens[0]");
  expect_error(R"({"version":"2.0","model":{"type":"WordLevel","vocab":{},"unk_token":"x"}})", "version");
  expect_error(R"({"version":"1.0"})", "model");
  expect_error("[1,2]", "tokenizer.json");
  expect_error("{\"model\": ", "tokenizer.json");
}

}  // namespace
}  // namespace automodel::tokenizers
