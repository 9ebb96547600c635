// NormalizedString alignment bookkeeping, checked against values worked out by hand from HF's
// rules (a replacing character takes the alignment of the one it replaces, an inserted one the
// alignment of the character before it).
#include <gtest/gtest.h>

#include "automodel/tokenizers/normalized_string.h"
#include "tokenizers/regex.h"

namespace automodel::tokenizers {
namespace {

TEST(NormalizedString, StartsAsIdentityWithPerCharacterAlignments) {
  NormalizedString n("aé");  // 'a' (1 byte), 'é' (2 bytes)
  EXPECT_EQ(n.get(), "aé");
  ASSERT_EQ(n.alignments().size(), 3u);
  EXPECT_EQ(n.alignments()[0], Offsets(0, 1));
  EXPECT_EQ(n.alignments()[1], Offsets(1, 3));
  EXPECT_EQ(n.alignments()[2], Offsets(1, 3));
}

TEST(NormalizedString, NfdDecompositionMapsBackToTheComposedCharacter) {
  NormalizedString n("é!");
  n.nfd();
  EXPECT_EQ(n.get(), "e\xCC\x81!");
  EXPECT_EQ(n.normalized_to_original({0, 1}), Offsets(0, 2));  // 'e' comes from 'é'
  EXPECT_EQ(n.normalized_to_original({1, 3}), Offsets(0, 2));  // the accent too
  EXPECT_EQ(n.normalized_to_original({3, 4}), Offsets(2, 3));
}

TEST(NormalizedString, NfcComposesAndKeepsBothSourceCharacters) {
  NormalizedString n("e\xCC\x81x");  // e + combining acute + x
  n.nfc();
  EXPECT_EQ(n.get(), "éx");
  EXPECT_EQ(n.normalized_to_original({0, 2}), Offsets(0, 1));  // HF aligns the composite to 'e'
  EXPECT_EQ(n.normalized_to_original({2, 3}), Offsets(3, 4));
}

TEST(NormalizedString, NfkcFoldsCompatibilityCharacters) {
  NormalizedString n("ﬁ");  // U+FB01 LATIN SMALL LIGATURE FI
  n.nfkc();
  EXPECT_EQ(n.get(), "fi");
  EXPECT_EQ(n.normalized_to_original({1, 2}), Offsets(0, 3));
}

TEST(NormalizedString, LowercaseUsesFullMappings) {
  NormalizedString n("AİB");
  n.lowercase();
  EXPECT_EQ(n.get(), "ai\xCC\x87" "b");  // U+0130 lowercases to i + U+0307
  EXPECT_EQ(n.normalized_to_original({1, 4}), Offsets(1, 3));
}

TEST(NormalizedString, FilterRemovesAndKeepsOffsets) {
  NormalizedString n("Hello");
  n.filter([](char32_t c) { return c != U'l'; });
  EXPECT_EQ(n.get(), "Heo");
  EXPECT_EQ(n.normalized_to_original({2, 3}), Offsets(4, 5));
  EXPECT_EQ(n.normalized_to_original({0, 3}), Offsets(0, 5));
}

TEST(NormalizedString, PrependAlignsToTheFirstCharacter) {
  NormalizedString n("hi");
  n.prepend("▁");
  EXPECT_EQ(n.get(), "▁hi");
  EXPECT_EQ(n.normalized_to_original({0, 3}), Offsets(0, 1));
  EXPECT_EQ(n.normalized_to_original({3, 4}), Offsets(0, 1));
  EXPECT_EQ(n.normalized_to_original({4, 5}), Offsets(1, 2));
}

TEST(NormalizedString, AppendAlignsToTheLastCharacter) {
  NormalizedString n("hi");
  n.append("!?");
  EXPECT_EQ(n.get(), "hi!?");
  EXPECT_EQ(n.normalized_to_original({2, 4}), Offsets(1, 2));
}

TEST(NormalizedString, StripKeepsTheMiddle) {
  NormalizedString n("  hi \t");
  n.strip();
  EXPECT_EQ(n.get(), "hi");
  EXPECT_EQ(n.normalized_to_original({0, 2}), Offsets(2, 4));
  NormalizedString l("  hi  ");
  l.lstrip();
  EXPECT_EQ(l.get(), "hi  ");
  NormalizedString r("  hi  ");
  r.rstrip();
  EXPECT_EQ(r.get(), "  hi");
}

TEST(NormalizedString, ReplaceMapsTheReplacementToTheMatch) {
  Regex space(" ", "test");
  NormalizedString n("a b");
  n.replace(RegexPattern(space), "▁");
  EXPECT_EQ(n.get(), "a▁b");
  EXPECT_EQ(n.normalized_to_original({1, 4}), Offsets(1, 2));
  EXPECT_EQ(n.normalized_to_original({4, 5}), Offsets(2, 3));
}

TEST(NormalizedString, SliceKeepsOriginalShift) {
  NormalizedString n("hello world", 10);
  auto s = n.slice({6, 11});
  ASSERT_TRUE(s);
  EXPECT_EQ(s->get(), "world");
  EXPECT_EQ(s->original_size(), 5u);
  EXPECT_EQ(s->offsets_original(), Offsets(16, 21));
  EXPECT_FALSE(NormalizedString("é").slice({0, 1}));  // not a character boundary
}

// The delimiter behaviours on HF's documented example "the-final--countdown".
std::vector<std::string> split_dash(SplitDelimiterBehavior b) {
  NormalizedString n("the-final--countdown");
  std::vector<std::string> out;
  for (auto& p : n.split(CharPredicatePattern([](char32_t c) { return c == U'-'; }), b))
    if (!p.empty()) out.push_back(p.get());
  return out;
}

TEST(NormalizedString, SplitBehaviours) {
  using V = std::vector<std::string>;
  EXPECT_EQ(split_dash(SplitDelimiterBehavior::removed), (V{"the", "final", "countdown"}));
  EXPECT_EQ(split_dash(SplitDelimiterBehavior::isolated), (V{"the", "-", "final", "-", "-", "countdown"}));
  EXPECT_EQ(split_dash(SplitDelimiterBehavior::merged_with_previous), (V{"the-", "final-", "-", "countdown"}));
  EXPECT_EQ(split_dash(SplitDelimiterBehavior::merged_with_next), (V{"the", "-final", "-", "-countdown"}));
  EXPECT_EQ(split_dash(SplitDelimiterBehavior::contiguous), (V{"the", "-", "final", "--", "countdown"}));
}

TEST(ByteToCharOffsets, ConvertsBytesToCodePoints) {
  ByteToCharOffsets c("aé€x");  // bytes: a(0) é(1,2) €(3,4,5) x(6)
  EXPECT_EQ(c.convert({1, 3}), Offsets(1, 2));
  EXPECT_EQ(c.convert({3, 7}), Offsets(2, 4));
  EXPECT_EQ(c.convert({4, 6}), Offsets(2, 3));  // inside '€': the character's index
  EXPECT_FALSE(c.convert({7, 7}));
}

}  // namespace
}  // namespace automodel::tokenizers
