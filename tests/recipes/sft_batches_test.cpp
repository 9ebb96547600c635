// Batches: right padding in HF layout, the label-token count, the seeded per-epoch order (against
// an independent Python MT19937-64, scripts/reference/sft_shuffle_order.py) and resuming from a
// saved position.
#include <gtest/gtest.h>

#include <set>

#include "automodel/core/error.h"
#include "automodel/recipes/sft_data.h"
#include "word_tokenizer.h"

namespace {

using namespace automodel;
using namespace automodel::recipes;
using automodel::testing::WordTokenizerSpec;
using automodel::testing::word_tokenizer;

constexpr int32_t X = kIgnoreIndex;

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::vector<int64_t> values(const Tensor& t) {
  EXPECT_EQ(t.dtype(), DType::I64);
  const int64_t* p = t.data<int64_t>();
  return std::vector<int64_t>(p, p + t.numel());
}

// n rows; row i has i % 3 + 2 tokens, ids 100 * i + k, the first label of each row masked.
SftDataset numbered_rows(size_t n) {
  std::vector<SftExample> examples;
  for (size_t i = 0; i < n; ++i) {
    SftExample e;
    for (size_t k = 0; k < i % 3 + 2; ++k) {
      e.input_ids.push_back(int32_t(100 * i + k));
      e.labels.push_back(k == 0 ? X : int32_t(100 * i + k));
    }
    examples.push_back(e);
  }
  SftDataOptions o;
  o.max_length = 16;
  return SftDataset::from_examples(std::move(examples), o, "numbered");
}

TEST(SftBatches, RightPaddingMaskLabelsAndTheShiftedLabelCount) {
  SftDataOptions o;
  o.max_length = 16;
  auto ds = SftDataset::from_examples({{{5, 6, 7}, {X, 6, 7}}, {{8, 9, 10, 11, 12}, {X, X, X, 11, 12}}, {{13}, {13}}}, o);
  SftBatch b = collate_sft_batch(ds, {1, 0, 2}, /*pad_token_id=*/2);
  EXPECT_EQ(b.input_ids.shape(), (Shape{3, 5}));
  EXPECT_EQ(values(b.input_ids), (std::vector<int64_t>{8, 9, 10, 11, 12, 5, 6, 7, 2, 2, 13, 2, 2, 2, 2}));
  EXPECT_EQ(values(b.attention_mask), (std::vector<int64_t>{1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 0, 0, 0, 0}));
  EXPECT_EQ(values(b.labels), (std::vector<int64_t>{X, X, X, 11, 12, X, 6, 7, X, X, 13, X, X, X, X}));
  // labels[:, 1:] != -100: 2 + 2 + 0 (row 2's only label sits at position 0 and is shifted away).
  EXPECT_EQ(b.num_label_tokens, 4);
  EXPECT_EQ(b.num_tokens, 9);
  EXPECT_EQ(b.rows, (std::vector<size_t>{1, 0, 2}));
}

TEST(SftBatches, PadIdIsPadElseEos) {
  EXPECT_EQ(sft_pad_token_id(word_tokenizer("pad")), automodel::testing::kPad);
  WordTokenizerSpec no_pad;
  no_pad.has_pad = false;
  EXPECT_EQ(sft_pad_token_id(word_tokenizer("no-pad", no_pad)), automodel::testing::kEos);
  no_pad.has_eos = false;
  EXPECT_EQ(error_of([&] { sft_pad_token_id(word_tokenizer("neither", no_pad)); }),
            "the tokenizer has neither a pad token nor an eos token to pad batches with");
}

TEST(SftBatches, MersenneTwisterAndShuffleMatchTheIndependentReference) {
  // [rand.predef]: the 10000th output of a default-constructed mt19937_64.
  std::mt19937_64 standard;
  standard.discard(9999);
  EXPECT_EQ(standard(), 9981545732273789042ull);
  // scripts/reference/sft_shuffle_order.py (pure Python MT19937-64 + the same Fisher–Yates).
  std::mt19937_64 rng(42);
  EXPECT_EQ(shuffled_order(10, rng), (std::vector<size_t>{1, 7, 9, 0, 3, 8, 4, 2, 5, 6}));
  EXPECT_EQ(shuffled_order(10, rng), (std::vector<size_t>{1, 2, 8, 0, 5, 4, 3, 6, 9, 7}));
  EXPECT_EQ(shuffled_order(10, rng), (std::vector<size_t>{0, 2, 5, 1, 6, 7, 4, 3, 8, 9}));
  // A bound near 2^63 rejects about half the draws (outputs 3, 5 and 6 of seed 7 are rejected).
  std::mt19937_64 r7(7);
  const uint64_t big = (uint64_t(1) << 63) + 1;
  std::vector<uint64_t> draws;
  for (int i = 0; i < 6; ++i) draws.push_back(uniform_below(r7, big));
  EXPECT_EQ(draws, (std::vector<uint64_t>{4692580601820535206ull, 8288144301770457441ull, 7229522069929557237ull,
                                          6133966320490684800ull, 7391803606906455109ull, 4019650396926626531ull}));
}

TEST(SftBatches, IteratorVisitsEveryRowOncePerEpochInTheReferenceOrder) {
  auto ds = numbered_rows(7);
  SftBatchIterator it(ds, 3, 0, 2026);
  EXPECT_EQ(it.batches_per_epoch(), 3);  // 3 + 3 + 1: the last batch is smaller
  // scripts/reference/sft_shuffle_order.py, seed 2026, epochs 0..3.
  const std::vector<std::vector<size_t>> expected = {
      {5, 4, 3, 2, 1, 6, 0}, {5, 1, 6, 4, 0, 3, 2}, {5, 6, 0, 1, 2, 3, 4}, {6, 2, 1, 0, 3, 4, 5}};
  for (int64_t epoch = 0; epoch < 4; ++epoch) {
    std::vector<size_t> seen;
    for (int64_t b = 0; b < 3; ++b) {
      auto rows = it.next_rows();
      EXPECT_EQ(it.epoch(), epoch);
      EXPECT_EQ(it.batch_in_epoch(), b + 1);
      EXPECT_EQ(rows.size(), b < 2 ? 3u : 1u);
      seen.insert(seen.end(), rows.begin(), rows.end());
    }
    EXPECT_TRUE(it.epoch_finished());
    EXPECT_EQ(seen, expected[size_t(epoch)]) << "epoch " << epoch;
  }
  // Without a seed: dataset order, every epoch.
  SftBatchIterator plain(ds, 4, 0, std::nullopt);
  EXPECT_EQ(plain.next_rows(), (std::vector<size_t>{0, 1, 2, 3}));
  EXPECT_EQ(plain.next_rows(), (std::vector<size_t>{4, 5, 6}));
  EXPECT_EQ(plain.next_rows(), (std::vector<size_t>{0, 1, 2, 3}));
  EXPECT_EQ(plain.epoch(), 1);
}

TEST(SftBatches, ResumedIteratorContinuesExactlyLikeTheUninterruptedOne) {
  auto ds = numbered_rows(11);
  for (int64_t stop : {0, 1, 3, 4, 5, 9}) {  // 4 batches per epoch: includes epoch boundaries
    SftBatchIterator a(ds, 3, 0, 1234);
    for (int64_t i = 0; i < stop; ++i) a.next();
    // Through text, as a checkpoint stores it.
    const json saved = json::parse(a.state().dump());
    SftBatchIterator b(ds, 3, 0, 1234);
    b.next();  // a fresh iterator's own progress is replaced
    b.load_state(saved);
    EXPECT_EQ(b.epoch(), a.epoch());
    EXPECT_EQ(b.batch_in_epoch(), a.batch_in_epoch());
    for (int i = 0; i < 14; ++i) {
      SftBatch x = a.next(), y = b.next();
      ASSERT_EQ(x.rows, y.rows) << "stopped after " << stop << ", batch " << i;
      EXPECT_EQ(values(x.input_ids), values(y.input_ids));
      EXPECT_EQ(values(x.labels), values(y.labels));
      EXPECT_EQ(x.num_label_tokens, y.num_label_tokens);
    }
  }
}

TEST(SftBatches, PositionFromOtherDataBatchSizeOrSeedIsRefused) {
  auto ds = numbered_rows(6);
  SftBatchIterator a(ds, 2, 0, 9);
  a.next();
  const json state = a.state();
  auto other = numbered_rows(7);
  SftBatchIterator b(other, 2, 0, 9);
  EXPECT_NE(error_of([&] { b.load_state(state, "checkpoint-10/data_state.json"); })
                .find("checkpoint-10/data_state.json: the position is for a dataset of 6 rows"),
            std::string::npos);
  SftBatchIterator c(ds, 3, 0, 9);
  EXPECT_EQ(error_of([&] { c.load_state(state, "s"); }), "s: the position is for batches of 2, this run uses 3");
  SftBatchIterator d(ds, 2, 0, 10);
  EXPECT_EQ(error_of([&] { d.load_state(state, "s"); }), "s: the position was saved with shuffle seed 9, this run uses 10");
  json broken = state;
  broken["rng_state"] = "not numbers";
  SftBatchIterator e(ds, 2, 0, 9);
  EXPECT_EQ(error_of([&] { e.load_state(broken, "s"); }), "s: 'rng_state' is not a std::mt19937_64 state");
  broken = state;
  broken["batch_in_epoch"] = 4;
  EXPECT_EQ(error_of([&] { e.load_state(broken, "s"); }), "s: epoch 0 batch 4 is outside an epoch of 3 batches");
  broken.erase("epoch");
  EXPECT_EQ(error_of([&] { e.load_state(broken, "s"); }), "s: missing 'epoch'");
  EXPECT_EQ(error_of([&] { SftBatchIterator(ds, 0, 0, 1); }), "batch size must be >= 1, found 0");
}

}  // namespace
