// Unigram: Viterbi over piece scores, unknown characters (scored min_score - 10) fused, byte
// fallback. Best paths worked out by hand from the scores.
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

std::unique_ptr<Model> unigram(const std::string& vocab, const std::string& extra = "") {
  return make_model(json::parse(R"({"type":"Unigram","unk_id":0,)" + extra + R"("vocab":)" + vocab + "}"), "model");
}

TEST(Unigram, BestScoringSegmentation) {
  // "ab" as one piece scores -2.5 > a + b = -3.
  auto m = unigram(R"([["<unk>",0],["a",-1],["b",-2],["ab",-2.5],["c",-3]])");
  EXPECT_EQ(toks(*m, "ab"), (std::vector<Triple>{{3, "ab", {0, 2}}}));
  EXPECT_EQ(toks(*m, "abc"), (std::vector<Triple>{{3, "ab", {0, 2}}, {4, "c", {2, 3}}}));
  // Here a + b = -2 beats "ab" = -3: not the longest match.
  auto n = unigram(R"([["<unk>",0],["a",-1],["b",-1],["ab",-3]])");
  EXPECT_EQ(toks(*n, "ab"), (std::vector<Triple>{{1, "a", {0, 1}}, {2, "b", {1, 2}}}));
}

TEST(Unigram, UnknownRunsAreFusedAndKeepTheirText) {
  auto m = unigram(R"([["<unk>",0],["a",-1],["b",-2],["ab",-2.5]])");
  EXPECT_EQ(toks(*m, "abd"), (std::vector<Triple>{{3, "ab", {0, 2}}, {0, "d", {2, 3}}}));
  EXPECT_EQ(toks(*m, "xéy"), (std::vector<Triple>{{0, "xéy", {0, 4}}}));
  EXPECT_EQ(toks(*m, "xay"), (std::vector<Triple>{{0, "x", {0, 1}}, {1, "a", {1, 2}}, {0, "y", {2, 3}}}));
  EXPECT_TRUE(m->tokenize("").empty());
}

TEST(Unigram, ByteFallback) {
  auto m = unigram(R"([["<unk>",0],["a",-1],["<0x64>",-5],["<0xC3>",-5],["<0xA9>",-5]])", R"("byte_fallback":true,)");
  EXPECT_EQ(toks(*m, "ad"), (std::vector<Triple>{{1, "a", {0, 1}}, {2, "<0x64>", {1, 2}}}));
  // Both byte tokens of a two-byte character span the whole character.
  EXPECT_EQ(toks(*m, "é"), (std::vector<Triple>{{3, "<0xC3>", {0, 2}}, {4, "<0xA9>", {0, 2}}}));
  // A byte without its token: the whole unknown piece falls back to unk.
  EXPECT_EQ(toks(*m, "z"), (std::vector<Triple>{{0, "z", {0, 1}}}));
}

TEST(Unigram, OldLayoutAndLookups) {
  auto m = make_model(json::parse(R"({"unk_id":0,"vocab":[["<unk>",0],["▁hi",-1]]})"), "model");
  EXPECT_EQ(toks(*m, "▁hi"), (std::vector<Triple>{{1, "▁hi", {0, 5}}}));
  EXPECT_EQ(m->vocab_size(), 2u);
  EXPECT_EQ(m->token_to_id("▁hi"), 1);
  EXPECT_EQ(m->id_to_token(0), "<unk>");
  EXPECT_EQ(m->id_to_token(2), std::nullopt);
}

TEST(Unigram, Errors) {
  EXPECT_THROW(make_model(json::parse(R"({"type":"Unigram","unk_id":5,"vocab":[["a",-1]]})"), "model"), Error);
  auto no_unk = make_model(json::parse(R"({"type":"Unigram","vocab":[["a",-1]]})"), "model");
  EXPECT_THROW(no_unk->tokenize("b"), Error);
  EXPECT_THROW(make_model(json::parse(R"({"type":"Unigram","vocab":[["a"]]})"), "model"), Error);
}

}  // namespace
}  // namespace automodel::tokenizers
