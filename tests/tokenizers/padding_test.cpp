// Padding: batch-longest and fixed, both sides, pad_to_multiple_of, overflowing parts, and the
// pair merge without a post-processor. Expected values written out by hand from HF padding.rs.
#include <gtest/gtest.h>

#include "automodel/tokenizers/truncation_padding.h"

namespace automodel::tokenizers {
namespace {

using Ids = std::vector<int32_t>;

Encoding of_length(size_t n, int32_t type_id = 0) {
  std::vector<Token> t;
  for (size_t i = 0; i < n; ++i) t.push_back({static_cast<int32_t>(i + 1), "t", {i, i + 1}});
  return Encoding::from_tokens(t, type_id);
}

TEST(Padding, BatchLongestRight) {
  std::vector<Encoding> batch{of_length(2), of_length(4)};
  PaddingParams p;
  p.pad_id = 0;
  p.pad_token = "<pad>";
  pad_encodings(batch, p);
  EXPECT_EQ(batch[0].ids, (Ids{1, 2, 0, 0}));
  EXPECT_EQ(batch[0].attention_mask, (Ids{1, 1, 0, 0}));
  EXPECT_EQ(batch[0].special_tokens_mask, (Ids{0, 0, 1, 1}));
  EXPECT_EQ(batch[0].tokens[3], "<pad>");
  EXPECT_EQ(batch[0].offsets[3], (Offsets{0, 0}));
  EXPECT_FALSE(batch[0].word_ids[3].has_value());
  EXPECT_EQ(batch[1].ids, (Ids{1, 2, 3, 4}));
}

TEST(Padding, FixedLeftWithTypeId) {
  std::vector<Encoding> batch{of_length(2, 1)};
  PaddingParams p;
  p.strategy = PaddingStrategy::fixed;
  p.fixed_length = 5;
  p.direction = Direction::left;
  p.pad_id = 9;
  p.pad_type_id = 3;
  pad_encodings(batch, p);
  EXPECT_EQ(batch[0].ids, (Ids{9, 9, 9, 1, 2}));
  EXPECT_EQ(batch[0].type_ids, (Ids{3, 3, 3, 1, 1}));
  EXPECT_EQ(batch[0].attention_mask, (Ids{0, 0, 0, 1, 1}));
  EXPECT_EQ(batch[0].offsets[3], (Offsets{0, 1}));
  // Never truncates: a longer encoding is left alone.
  std::vector<Encoding> longer{of_length(7)};
  pad_encodings(longer, p);
  EXPECT_EQ(longer[0].size(), 7u);
}

TEST(Padding, PadToMultipleOf) {
  std::vector<Encoding> batch{of_length(5), of_length(6)};
  PaddingParams p;
  p.pad_to_multiple_of = 8;
  pad_encodings(batch, p);
  EXPECT_EQ(batch[0].size(), 8u);
  EXPECT_EQ(batch[1].size(), 8u);
  std::vector<Encoding> exact{of_length(8)};
  pad_encodings(exact, p);
  EXPECT_EQ(exact[0].size(), 8u);
  std::vector<Encoding> fixed{of_length(2)};
  p.strategy = PaddingStrategy::fixed;
  p.fixed_length = 7;
  p.pad_to_multiple_of = 4;
  pad_encodings(fixed, p);
  EXPECT_EQ(fixed[0].size(), 8u);
}

TEST(Padding, OverflowingPartsArePaddedToo) {
  Encoding e = of_length(5);
  e.truncate(3, 0, Direction::right);
  ASSERT_EQ(e.overflowing.size(), 1u);
  std::vector<Encoding> batch{e};
  PaddingParams p;
  pad_encodings(batch, p);
  EXPECT_EQ(batch[0].ids, (Ids{1, 2, 3}));
  EXPECT_EQ(batch[0].overflowing[0].ids, (Ids{4, 5, 0}));
}

TEST(Padding, PostProcessWithoutProcessorMergesThePair) {
  PaddingParams p;
  p.strategy = PaddingStrategy::fixed;
  p.fixed_length = 6;
  Encoding out = post_process(nullptr, nullptr, &p, of_length(2), of_length(3, 1), true);
  EXPECT_EQ(out.ids, (Ids{1, 2, 1, 2, 3, 0}));
  EXPECT_EQ(out.type_ids, (Ids{0, 0, 1, 1, 1, 0}));
  EXPECT_EQ(out.sequence_ids,
            (std::vector<std::optional<uint32_t>>{0u, 0u, 1u, 1u, 1u, std::nullopt}));
}

}  // namespace
}  // namespace automodel::tokenizers
