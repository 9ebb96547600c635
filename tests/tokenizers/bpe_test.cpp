// BPE model: merge order, byte fallback, unk fusing, prefixes/suffixes, ignore_merges, dropout,
// both merge layouts and the JSON factory. Expected tokens are worked out by hand from the
// merge ranks (or taken from HF tokenizers' own unit tests where noted).
#include <gtest/gtest.h>

#include "automodel/core/error.h"
#include "automodel/tokenizers/components.h"
#include "tokenizers/models/models.h"

namespace automodel::tokenizers {
namespace {

struct Tok {
  int32_t id;
  std::string value;
  size_t start, end;
  bool operator==(const Tok&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Tok& t) {
  return os << "{" << t.id << ", \"" << t.value << "\", " << t.start << ", " << t.end << "}";
}

std::vector<Tok> toks(const Model& m, std::string_view s) {
  std::vector<Tok> out;
  for (const Token& t : m.tokenize(s)) out.push_back({t.id, t.value, t.offsets.first, t.offsets.second});
  return out;
}

std::unique_ptr<Model> bpe(const std::string& model_json) {
  return make_model(json::parse(model_json), "model");
}

TEST(Bpe, LowerRankMergesFirst) {
  // "b c" has rank 0, "a b" rank 1: in "abc" b+c merges first, after which "a bc" has no merge.
  auto m = bpe(R"({"type":"BPE","vocab":{"a":0,"b":1,"c":2,"ab":3,"bc":4,"abc":5},
                   "merges":["b c","a b","ab c"]})");
  EXPECT_EQ(toks(*m, "abc"), (std::vector<Tok>{{0, "a", 0, 1}, {4, "bc", 1, 3}}));
  // With "a b" first, "ab c" then applies.
  auto m2 = bpe(R"({"type":"BPE","vocab":{"a":0,"b":1,"c":2,"ab":3,"bc":4,"abc":5},
                    "merges":["a b","b c","ab c"]})");
  EXPECT_EQ(toks(*m2, "abc"), (std::vector<Tok>{{5, "abc", 0, 3}}));
}

TEST(Bpe, EqualRanksMergeLeftmostFirst) {
  auto m = bpe(R"({"type":"BPE","vocab":{"a":0,"aa":1},"merges":["a a"]})");
  EXPECT_EQ(toks(*m, "aaa"), (std::vector<Tok>{{1, "aa", 0, 2}, {0, "a", 2, 3}}));
  EXPECT_EQ(toks(*m, "aaaa"), (std::vector<Tok>{{1, "aa", 0, 2}, {1, "aa", 2, 4}}));
}

TEST(Bpe, HfUnrelatedExample) {
  // HF tokenizers' test_tokenize_with_and_without_dropout: "unrelated" merges into one token.
  const std::string vocab =
      R"("u":0,"n":1,"r":2,"e":3,"l":4,"a":5,"t":6,"d":7,"re":8,"at":9,"ed":10,"un":11,"ated":12,"rel":13,)"
      R"("related":14,"unrelated":15)";
  const std::string merges = R"(["r e","a t","e d","u n","at ed","re l","rel ated","un related"])";
  auto m = bpe(R"({"type":"BPE","vocab":{)" + vocab + R"(},"merges":)" + merges + "}");
  EXPECT_EQ(toks(*m, "unrelated"), (std::vector<Tok>{{15, "unrelated", 0, 9}}));
  // Dropout 1.0 skips every merge: one token per character.
  auto d = bpe(R"({"type":"BPE","dropout":1.0,"vocab":{)" + vocab + R"(},"merges":)" + merges + "}");
  auto t = toks(*d, "unrelated");
  ASSERT_EQ(t.size(), 9u);
  EXPECT_EQ(t[0], (Tok{0, "u", 0, 1}));
  EXPECT_EQ(t[8], (Tok{7, "d", 8, 9}));
  // Dropout 0 is the deterministic algorithm.
  auto z = bpe(R"({"type":"BPE","dropout":0.0,"vocab":{)" + vocab + R"(},"merges":)" + merges + "}");
  EXPECT_EQ(toks(*z, "unrelated"), (std::vector<Tok>{{15, "unrelated", 0, 9}}));
}

TEST(Bpe, MergesAsPairsEqualMergesAsStrings) {
  auto s = bpe(R"({"type":"BPE","vocab":{"h":0,"e":1,"l":2,"o":3,"he":4,"ll":5,"llo":6},
                   "merges":["h e","l l","ll o"]})");
  auto p = bpe(R"({"type":"BPE","vocab":{"h":0,"e":1,"l":2,"o":3,"he":4,"ll":5,"llo":6},
                   "merges":[["h","e"],["l","l"],["ll","o"]]})");
  const std::vector<Tok> expected{{4, "he", 0, 2}, {6, "llo", 2, 5}};
  EXPECT_EQ(toks(*s, "hello"), expected);
  EXPECT_EQ(toks(*p, "hello"), expected);
  // Pair form allows a space inside a token.
  auto sp = bpe(R"({"type":"BPE","vocab":{"a":0," ":1,"b":2," b":3,"a b":4},"merges":[[" ","b"],["a"," b"]]})");
  EXPECT_EQ(toks(*sp, "a b"), (std::vector<Tok>{{4, "a b", 0, 3}}));
}

TEST(Bpe, OldLayoutWithoutTypeIsBpe) {
  auto m = bpe(R"({"dropout":null,"unk_token":null,"continuing_subword_prefix":"","end_of_word_suffix":"",
                   "fuse_unk":false,"vocab":{"a":0,"b":1,"ab":2},"merges":["a b"]})");
  EXPECT_EQ(toks(*m, "ab"), (std::vector<Tok>{{2, "ab", 0, 2}}));
}

TEST(Bpe, MultiByteCharactersKeepByteOffsets) {
  auto m = bpe(R"({"type":"BPE","vocab":{"é":0,"t":1,"é t":2,"ét":3},"merges":["é t"]})");
  EXPECT_EQ(toks(*m, "ét"), (std::vector<Tok>{{3, "ét", 0, 3}}));
}

TEST(Bpe, ByteFallback) {
  // HF's test_bpe_byte_fallback: "c" has neither a token nor a byte token -> unk; "a" -> <0x61>.
  auto m = bpe(R"({"type":"BPE","unk_token":"<unk>","byte_fallback":true,
                   "vocab":{"<unk>":0,"<0x61>":1},"merges":[]})");
  EXPECT_EQ(toks(*m, "c"), (std::vector<Tok>{{0, "<unk>", 0, 1}}));
  EXPECT_EQ(toks(*m, "a"), (std::vector<Tok>{{1, "<0x61>", 0, 1}}));
  // A two-byte character falls back to two byte tokens of one byte each.
  auto m2 = bpe(R"({"type":"BPE","byte_fallback":true,"vocab":{"x":0,"<0xC3>":1,"<0xA9>":2},"merges":[]})");
  EXPECT_EQ(toks(*m2, "xé"), (std::vector<Tok>{{0, "x", 0, 1}, {1, "<0xC3>", 1, 2}, {2, "<0xA9>", 2, 3}}));
}

TEST(Bpe, UnknownCharactersWithAndWithoutFusing) {
  const std::string vocab = R"("vocab":{"<unk>":0,"a":1,"b":2},"merges":[])";
  auto plain = bpe(R"({"type":"BPE","unk_token":"<unk>",)" + vocab + "}");
  EXPECT_EQ(toks(*plain, "axyb"),
            (std::vector<Tok>{{1, "a", 0, 1}, {0, "<unk>", 1, 2}, {0, "<unk>", 2, 3}, {2, "b", 3, 4}}));
  auto fused = bpe(R"({"type":"BPE","unk_token":"<unk>","fuse_unk":true,)" + vocab + "}");
  EXPECT_EQ(toks(*fused, "axyb"), (std::vector<Tok>{{1, "a", 0, 1}, {0, "<unk>", 1, 3}, {2, "b", 3, 4}}));
  // Without an unk token, unknown characters vanish (HF drops them); offsets are the running
  // sum of the kept symbols' lengths, so the ones after a dropped character shift left, as HF's.
  auto none = bpe(R"({"type":"BPE",)" + vocab + "}");
  EXPECT_EQ(toks(*none, "axb"), (std::vector<Tok>{{1, "a", 0, 1}, {2, "b", 1, 2}}));
}

TEST(Bpe, ContinuingSubwordPrefix) {
  // HF's test_bpe_with_continuing_subword_prefix.
  auto m = bpe(R"({"type":"BPE","continuing_subword_prefix":"##",
                   "vocab":{"a":0,"##b":1,"##c":2,"ab":3,"abc":4},"merges":["a ##b","ab ##c"]})");
  EXPECT_EQ(toks(*m, "ab"), (std::vector<Tok>{{3, "ab", 0, 2}}));
  EXPECT_EQ(toks(*m, "abc"), (std::vector<Tok>{{4, "abc", 0, 3}}));
}

TEST(Bpe, EndOfWordSuffix) {
  // CLIP style: the last character carries "</w>".
  auto m = bpe(R"({"type":"BPE","end_of_word_suffix":"</w>",
                   "vocab":{"h":0,"i":1,"i</w>":2,"hi</w>":3},"merges":["h i</w>"]})");
  EXPECT_EQ(toks(*m, "hi"), (std::vector<Tok>{{3, "hi</w>", 0, 2}}));
  // "h</w>" is not in the vocab and there is no unk token: the character is dropped.
  EXPECT_EQ(toks(*m, "ih"), (std::vector<Tok>{{1, "i", 0, 1}}));
}

TEST(Bpe, IgnoreMerges) {
  const std::string body = R"("vocab":{"h":0,"e":1,"l":2,"o":3,"he":4,"ll":5,"hello":6},"merges":["h e","l l"]})";
  auto with = bpe(R"({"type":"BPE","ignore_merges":true,)" + body);
  EXPECT_EQ(toks(*with, "hello"), (std::vector<Tok>{{6, "hello", 0, 5}}));
  auto without = bpe(R"({"type":"BPE","ignore_merges":false,)" + body);
  EXPECT_EQ(toks(*without, "hello"), (std::vector<Tok>{{4, "he", 0, 2}, {5, "ll", 2, 4}, {3, "o", 4, 5}}));
}

TEST(Bpe, CachedWordGivesSameTokens) {
  auto m = bpe(R"({"type":"BPE","vocab":{"a":0,"b":1,"ab":2},"merges":["a b"]})");
  const auto first = toks(*m, "abab");
  EXPECT_EQ(toks(*m, "abab"), first);
  EXPECT_EQ(first, (std::vector<Tok>{{2, "ab", 0, 2}, {2, "ab", 2, 4}}));
  EXPECT_TRUE(m->tokenize("").empty());
}

TEST(Bpe, VocabLookups) {
  auto m = bpe(R"({"type":"BPE","vocab":{"a":0,"b":1,"ab":2},"merges":["a b"]})");
  EXPECT_EQ(m->vocab_size(), 3u);
  EXPECT_EQ(m->token_to_id("ab"), 2);
  EXPECT_EQ(m->token_to_id("zz"), std::nullopt);
  EXPECT_EQ(m->id_to_token(1), "b");
  EXPECT_EQ(m->id_to_token(7), std::nullopt);
}

TEST(Bpe, FromTextEqualsFromJson) {
  const std::string text =
      R"({"type":"BPE","dropout":null,"unk_token":"<unk>","fuse_unk":false,"byte_fallback":false,
          "vocab":{"<unk>":0,"a":1,"b":2,"ab":3,"\u00e9":4,"q\"":5},"merges":[["a","b"]]})";
  auto from_text = make_model_from_text(text, "model");
  auto from_json = bpe(text);
  for (std::string_view s : {"ab", "aab", "xé", "bq\""}) EXPECT_EQ(toks(*from_text, s), toks(*from_json, s)) << s;
  EXPECT_EQ(from_text->token_to_id("é"), 4);
  EXPECT_EQ(from_text->token_to_id("q\""), 5);
}

TEST(Bpe, BadModelsNameTheJsonPath) {
  auto expect_error = [](const std::string& j, const std::string& needle) {
    try {
      bpe(j);
      ADD_FAILURE() << "no error for " << j;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error(R"({"type":"BPE","vocab":{"a":0},"merges":["a b"]})", "\"b\" is not in the vocabulary");
  expect_error(R"({"type":"BPE","vocab":{"a":0},"merges":["a b"]})", "model (BPE)");
  expect_error(R"({"type":"BPE","vocab":{"a":0},"merges":["a"]})", "model.merges[0]");
  expect_error(R"({"type":"BPE","vocab":{"a":0}})", "missing field \"merges\"");
  expect_error(R"({"type":"BPE","vocab":{"a":"x"},"merges":[]})", "model.vocab.a");
  expect_error(R"({"type":"BPE","dropout":1.5,"vocab":{},"merges":[]})", "dropout");
  expect_error(R"({"type":"Bogus","vocab":{}})", "unknown model type \"Bogus\"");
  EXPECT_THROW(make_model_from_text(R"({"type":"BPE","vocab":{"a":0,},"merges":[]})", "model"), Error);
  EXPECT_THROW(make_model_from_text(R"({"type":"BPE","vocab":{"a":0},"merges":[)", "model"), Error);
}

TEST(Bpe, UnkTokenMissingFromVocabIsAnErrorWhenNeeded) {
  auto m = bpe(R"({"type":"BPE","unk_token":"<unk>","vocab":{"a":0},"merges":[]})");
  EXPECT_EQ(toks(*m, "a"), (std::vector<Tok>{{0, "a", 0, 1}}));
  EXPECT_THROW(m->tokenize("b"), Error);
}

}  // namespace
}  // namespace automodel::tokenizers
