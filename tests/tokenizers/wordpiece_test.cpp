// WordPiece: greedy longest match with the continuing prefix, unk for unmatchable or too long
// words; both JSON layouts. Expected pieces worked out by hand.
#include <gtest/gtest.h>

#include "automodel/core/error.h"
#include "automodel/tokenizers/components.h"

namespace automodel::tokenizers {
namespace {

using Triple = std::tuple<int32_t, std::string, Offsets>;

std::vector<Triple> toks(const Model& m, std::string_view s) {
  std::vector<Triple> out;
  for (const Token& t : m.tokenize(s)) out.emplace_back(t.id, t.value, t.offsets);
  return out;
}

const char* kVocab = R"({"[UNK]":0,"un":1,"##aff":2,"##able":3,"a":4,"##ff":5,"é":6,"##t":7})";

std::unique_ptr<Model> wordpiece(size_t max_chars = 100) {
  return make_model(json::parse(std::string(R"({"type":"WordPiece","unk_token":"[UNK]",)") +
                                R"("continuing_subword_prefix":"##","max_input_chars_per_word":)" +
                                std::to_string(max_chars) + R"(,"vocab":)" + kVocab + "}"),
                    "model");
}

TEST(WordPiece, GreedyLongestMatch) {
  auto m = wordpiece();
  EXPECT_EQ(toks(*m, "unaffable"),
            (std::vector<Triple>{{1, "un", {0, 2}}, {2, "##aff", {2, 5}}, {3, "##able", {5, 9}}}));
  EXPECT_EQ(toks(*m, "a"), (std::vector<Triple>{{4, "a", {0, 1}}}));
  EXPECT_EQ(toks(*m, "ét"), (std::vector<Triple>{{6, "é", {0, 2}}, {7, "##t", {2, 3}}}));
}

TEST(WordPiece, UnmatchablePartMakesTheWholeWordUnk) {
  auto m = wordpiece();
  EXPECT_EQ(toks(*m, "unx"), (std::vector<Triple>{{0, "[UNK]", {0, 3}}}));
  EXPECT_EQ(toks(*m, "é"), (std::vector<Triple>{{6, "é", {0, 2}}}));
  EXPECT_EQ(toks(*m, "éé"), (std::vector<Triple>{{0, "[UNK]", {0, 4}}}));
}

TEST(WordPiece, TooLongWordIsUnk) {
  auto m = wordpiece(5);
  EXPECT_EQ(toks(*m, "unaffable"), (std::vector<Triple>{{0, "[UNK]", {0, 9}}}));
  EXPECT_EQ(toks(*m, "unaff"), (std::vector<Triple>{{1, "un", {0, 2}}, {2, "##aff", {2, 5}}}));
}

TEST(WordPiece, OldLayoutWithoutType) {
  auto m = make_model(json::parse(std::string(R"({"unk_token":"[UNK]","continuing_subword_prefix":"##",)") +
                                  R"("max_input_chars_per_word":100,"vocab":)" + kVocab + "}"),
                      "model");
  EXPECT_EQ(toks(*m, "unaff"), (std::vector<Triple>{{1, "un", {0, 2}}, {2, "##aff", {2, 5}}}));
  EXPECT_EQ(m->vocab_size(), 8u);
  EXPECT_EQ(m->id_to_token(3), "##able");
}

TEST(WordPiece, MissingUnkTokenIsAnError) {
  auto m = make_model(json::parse(R"({"type":"WordPiece","unk_token":"[UNK]","vocab":{"a":0}})"), "model");
  EXPECT_THROW(m->tokenize("b"), Error);
}

TEST(WordLevel, WholeWordOrUnk) {
  auto m = make_model(json::parse(R"({"type":"WordLevel","unk_token":"<unk>","vocab":{"<unk>":0,"hello":1}})"),
                      "model");
  EXPECT_EQ(toks(*m, "hello"), (std::vector<Triple>{{1, "hello", {0, 5}}}));
  EXPECT_EQ(toks(*m, "world"), (std::vector<Triple>{{0, "<unk>", {0, 5}}}));
  // Old layout: unk_token + vocab object, no type.
  auto old = make_model(json::parse(R"({"unk_token":"<unk>","vocab":{"<unk>":0,"hi":1}})"), "model");
  EXPECT_EQ(toks(*old, "hi"), (std::vector<Triple>{{1, "hi", {0, 2}}}));
  auto no_unk = make_model(json::parse(R"({"type":"WordLevel","unk_token":"<unk>","vocab":{"hi":0}})"), "model");
  EXPECT_THROW(no_unk->tokenize("x"), Error);
}

}  // namespace
}  // namespace automodel::tokenizers
