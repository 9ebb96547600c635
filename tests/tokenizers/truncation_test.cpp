// Truncation: HF tokenizers' own expectations (utils/truncation.rs and tokenizer/encoding.rs
// tests) for lengths, windows with stride and left truncation, plus the errors.
#include <gtest/gtest.h>

#include "automodel/core/error.h"
#include "automodel/tokenizers/components.h"
#include "automodel/tokenizers/truncation_padding.h"

namespace automodel::tokenizers {
namespace {

using Ids = std::vector<int32_t>;

Encoding of_length(size_t n) {
  std::vector<Token> t;
  for (size_t i = 0; i < n; ++i) t.push_back({static_cast<int32_t>(i + 1), "t" + std::to_string(i), {i, i + 1}});
  return Encoding::from_tokens(t, 0);
}

std::pair<size_t, size_t> truncated(size_t n1, size_t n2, const TruncationParams& p) {
  Encoding a = of_length(n1);
  std::optional<Encoding> b = of_length(n2);
  truncate_encodings(a, b, p);
  return {a.size(), b->size()};
}

TEST(Truncation, LongestFirstTableFromHf) {
  TruncationParams p;
  p.max_length = 7;
  // (empty, short, medium, long) = (0, 2, 4, 8) tokens; results as in HF's test.
  const size_t len[4] = {0, 2, 4, 8};
  const std::pair<size_t, size_t> expected[4][4] = {
      {{0, 0}, {0, 2}, {0, 4}, {0, 7}},
      {{2, 0}, {2, 2}, {2, 4}, {2, 5}},
      {{4, 0}, {4, 2}, {3, 4}, {3, 4}},
      {{7, 0}, {5, 2}, {4, 3}, {3, 4}},
  };
  for (int i = 0; i < 4; ++i)
    for (int j = 0; j < 4; ++j) EXPECT_EQ(truncated(len[i], len[j], p), expected[i][j]) << i << "," << j;
}

TEST(Truncation, MaxLengthZeroEmptiesBoth) {
  TruncationParams p;
  p.max_length = 0;
  EXPECT_EQ(truncated(2, 4, p), (std::pair<size_t, size_t>{0, 0}));
  Encoding a = of_length(3);
  std::optional<Encoding> none;
  truncate_encodings(a, none, p);
  ASSERT_EQ(a.overflowing.size(), 1u);
  EXPECT_EQ(a.overflowing[0].ids, (Ids{1, 2, 3}));
}

TEST(Truncation, OnlyFirstAndOnlySecond) {
  TruncationParams p;
  p.max_length = 5;
  p.strategy = TruncationStrategy::only_second;
  EXPECT_EQ(truncated(2, 6, p), (std::pair<size_t, size_t>{2, 3}));
  p.strategy = TruncationStrategy::only_first;
  EXPECT_EQ(truncated(6, 2, p), (std::pair<size_t, size_t>{3, 2}));
  try {
    truncated(2, 6, p);  // would need to remove 3 from a 2-token first sequence
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Truncation error: Sequence to truncate too short to respect the provided max_length");
  }
  p.strategy = TruncationStrategy::only_second;
  Encoding a = of_length(9);
  std::optional<Encoding> none;
  try {
    truncate_encodings(a, none, p);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Truncation error: Second sequence not provided");
  }
}

TEST(Truncation, StrideWindowsFromHf) {
  // HF encoding.rs truncate_overflow_with_stride: 5 tokens, max 4, stride 2.
  Encoding e = of_length(5);
  e.truncate(4, 2, Direction::right);
  EXPECT_EQ(e.ids, (Ids{1, 2, 3, 4}));
  ASSERT_EQ(e.overflowing.size(), 1u);
  EXPECT_EQ(e.overflowing[0].ids, (Ids{3, 4, 5}));
  EXPECT_EQ(e.overflowing[0].offsets, (std::vector<Offsets>{{2, 3}, {3, 4}, {4, 5}}));

  // 10 tokens, max 4, stride 1: windows start every 3 tokens.
  Encoding f = of_length(10);
  f.truncate(4, 1, Direction::right);
  EXPECT_EQ(f.ids, (Ids{1, 2, 3, 4}));
  ASSERT_EQ(f.overflowing.size(), 2u);
  EXPECT_EQ(f.overflowing[0].ids, (Ids{4, 5, 6, 7}));
  EXPECT_EQ(f.overflowing[1].ids, (Ids{7, 8, 9, 10}));

  EXPECT_THROW(of_length(5).truncate(2, 2, Direction::right), Error);
}

TEST(Truncation, LeftDirectionFromHf) {
  // HF encoding.rs truncate_left: keeps the end, the head overflows.
  Encoding e = of_length(3);
  e.truncate(2, 0, Direction::left);
  EXPECT_EQ(e.ids, (Ids{2, 3}));
  ASSERT_EQ(e.overflowing.size(), 1u);
  EXPECT_EQ(e.overflowing[0].ids, (Ids{1}));

  // 7 tokens, max 3, stride 1, from the left: windows end at 7, 5, 3 (the last reaches 0).
  Encoding f = of_length(7);
  f.truncate(3, 1, Direction::left);
  EXPECT_EQ(f.ids, (Ids{5, 6, 7}));
  ASSERT_EQ(f.overflowing.size(), 2u);
  EXPECT_EQ(f.overflowing[0].ids, (Ids{3, 4, 5}));
  EXPECT_EQ(f.overflowing[1].ids, (Ids{1, 2, 3}));
}

TEST(Truncation, PostProcessReservesRoomForSpecialTokens) {
  auto bert = make_post_processor(
      json::parse(R"({"type":"BertProcessing","sep":["[SEP]",102],"cls":["[CLS]",101]})"), "post_processor");
  TruncationParams p;
  p.max_length = 5;
  Encoding out = post_process(bert.get(), &p, nullptr, of_length(6), std::nullopt, true);
  EXPECT_EQ(out.ids, (Ids{101, 1, 2, 3, 102}));
  ASSERT_EQ(out.overflowing.size(), 1u);
  EXPECT_EQ(out.overflowing[0].ids, (Ids{101, 4, 5, 6, 102}));
  // Without special tokens the whole budget goes to the text.
  Encoding raw = post_process(bert.get(), &p, nullptr, of_length(6), std::nullopt, false);
  EXPECT_EQ(raw.ids, (Ids{1, 2, 3, 4, 5}));
  p.max_length = 1;
  EXPECT_THROW(post_process(bert.get(), &p, nullptr, of_length(6), std::nullopt, true), Error);
}

TEST(Truncation, ParseNames) {
  EXPECT_EQ(parse_truncation_strategy("only_second"), TruncationStrategy::only_second);
  EXPECT_EQ(parse_direction("left"), Direction::left);
  EXPECT_THROW(parse_truncation_strategy("longest"), Error);
  EXPECT_THROW(parse_direction("up"), Error);
}

}  // namespace
}  // namespace automodel::tokenizers
