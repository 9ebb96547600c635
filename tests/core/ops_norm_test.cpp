#include <gtest/gtest.h>

#include <cmath>

#include "automodel/core/ops.h"
#include "ops_test_util.h"

using namespace automodel;
using automodel::testing::random_tensor;

namespace {

TEST(Softmax, RowsSumToOneAndMatchFormula) {
  Tensor x = random_tensor({3, 17}, 1, DType::F32, 4.0f);
  Tensor y = ops::softmax(x, -1);
  for (int64_t r = 0; r < 3; ++r) {
    double mx = -1e30, sum = 0;
    for (int64_t i = 0; i < 17; ++i) mx = std::max(mx, x.item_at({r, i}));
    for (int64_t i = 0; i < 17; ++i) sum += std::exp(x.item_at({r, i}) - mx);
    for (int64_t i = 0; i < 17; ++i) EXPECT_NEAR(y.item_at({r, i}), std::exp(x.item_at({r, i}) - mx) / sum, 1e-6);
  }
  Tensor y0 = ops::softmax(x, 0);
  EXPECT_NEAR(y0.item_at({0, 5}) + y0.item_at({1, 5}) + y0.item_at({2, 5}), 1.0, 1e-6);
}

TEST(RmsNorm, LlamaGemmaAndOlmo2Styles) {
  Tensor x = random_tensor({4, 32}, 2), w = random_tensor({32}, 3);
  const double eps = 1e-6;
  Tensor ll = ops::rms_norm(x, w, eps);
  Tensor ge = ops::rms_norm(x, w, eps, ops::RmsNormStyle::kUnitOffset);
  Tensor o2 = ops::rms_norm(x, w, eps, ops::RmsNormStyle::kWeightBeforeCast);
  for (int64_t r = 0; r < 4; ++r) {
    double ss = 0;
    for (int64_t i = 0; i < 32; ++i) ss += x.item_at({r, i}) * x.item_at({r, i});
    const double inv = 1 / std::sqrt(ss / 32 + eps);
    for (int64_t i = 0; i < 32; ++i) {
      EXPECT_NEAR(ll.item_at({r, i}), w.item_at({i}) * x.item_at({r, i}) * inv, 1e-5);
      EXPECT_NEAR(o2.item_at({r, i}), w.item_at({i}) * x.item_at({r, i}) * inv, 1e-5);
      EXPECT_NEAR(ge.item_at({r, i}), (1 + w.item_at({i})) * x.item_at({r, i}) * inv, 1e-5);
    }
  }
  EXPECT_THROW(ops::rms_norm(x, random_tensor({31}, 4), eps), Error);
}

TEST(RmsNorm, Bf16CastsBeforeWeightLikeLlama) {
  Tensor x = random_tensor({1, 8}, 5, DType::BF16), w = random_tensor({8}, 6, DType::BF16);
  Tensor y = ops::rms_norm(x, w, 1e-6);
  ASSERT_EQ(y.dtype(), DType::BF16);
  float ss = 0;
  for (int64_t i = 0; i < 8; ++i) ss += float(x.item_at({0, i})) * float(x.item_at({0, i}));
  const float r = 1.0f / std::sqrt(ss / 8 + 1e-6f);
  for (int64_t i = 0; i < 8; ++i) {
    const float normed = bf16_to_f32(f32_to_bf16(float(x.item_at({0, i})) * r));
    EXPECT_EQ(y.item_at({0, i}), double(bf16_to_f32(f32_to_bf16(float(w.item_at({i})) * normed))));
  }
}

TEST(RmsNorm, WideRowsAndReducedPrecisionWeights) {
  // 773 columns: the vectorised sum of squares and its scalar tail; a bf16 weight is widened
  // (an f32 one is read in place).
  const int64_t d = 773;
  Tensor x = random_tensor({3, d}, 11), w32 = random_tensor({d}, 12);
  Tensor w16 = w32.to(DType::BF16);
  Tensor y32 = ops::rms_norm(x, w32, 1e-6), y16 = ops::rms_norm(x, w16, 1e-6);
  for (int64_t r = 0; r < 3; ++r) {
    double ss = 0;
    for (int64_t i = 0; i < d; ++i) ss += x.item_at({r, i}) * x.item_at({r, i});
    const double inv = 1 / std::sqrt(ss / double(d) + 1e-6);
    for (int64_t i = 0; i < d; ++i) {
      EXPECT_NEAR(y32.item_at({r, i}), w32.item_at({i}) * x.item_at({r, i}) * inv, 1e-5);
      EXPECT_NEAR(y16.item_at({r, i}), w16.item_at({i}) * x.item_at({r, i}) * inv, 1e-5);
    }
  }
}

TEST(AddRmsNorm, SameValuesAsAddThenRmsNorm) {
  const std::pair<ops::RmsNormStyle, const char*> styles[] = {{ops::RmsNormStyle::kWeightAfterCast, "llama"},
                                                              {ops::RmsNormStyle::kWeightBeforeCast, "olmo2"},
                                                              {ops::RmsNormStyle::kUnitOffset, "gemma"}};
  uint64_t seed = 30;
  for (DType dt : {DType::F32, DType::BF16, DType::F16}) {
    for (const auto& st : styles) {
      SCOPED_TRACE(std::string(dtype_name(dt)) + " " + st.second);
      Tensor x = random_tensor({2, 3, 70}, seed++, dt), delta = random_tensor({2, 3, 70}, seed++, dt);
      Tensor w = random_tensor({70}, seed++, dt);
      auto [sum, normed] = ops::add_rms_norm(x, delta, w, 1e-6, st.first);
      Tensor want_sum = ops::add(x, delta);
      ASSERT_EQ(sum.dtype(), dt);
      ASSERT_EQ(normed.shape(), x.shape());
      EXPECT_EQ(sum.to_vector<float>(), want_sum.to_vector<float>());
      EXPECT_EQ(normed.to_vector<float>(), ops::rms_norm(want_sum, w, 1e-6, st.first).to_vector<float>());
    }
  }
}

TEST(AddRmsNorm, BroadcastDeltaAndBadWeight) {
  Tensor x = random_tensor({2, 16}, 40), delta = random_tensor({16}, 41), w = random_tensor({16}, 42);
  auto [sum, normed] = ops::add_rms_norm(x, delta, w, 1e-6);
  EXPECT_EQ(sum.to_vector<float>(), ops::add(x, delta).to_vector<float>());
  EXPECT_EQ(normed.to_vector<float>(), ops::rms_norm(ops::add(x, delta), w, 1e-6).to_vector<float>());
  EXPECT_THROW(ops::add_rms_norm(x, x, random_tensor({15}, 43), 1e-6), Error);
  EXPECT_THROW(ops::add_rms_norm(x, x, Tensor(), 1e-6), Error);
}

TEST(LayerNorm, AffineAndNonParametric) {
  Tensor x = random_tensor({3, 10}, 7), w = random_tensor({10}, 8), b = random_tensor({10}, 9);
  Tensor y = ops::layer_norm(x, w, b, 1e-5), y0 = ops::layer_norm(x, Tensor(), Tensor(), 1e-5);
  for (int64_t r = 0; r < 3; ++r) {
    double mean = 0, var = 0;
    for (int64_t i = 0; i < 10; ++i) mean += x.item_at({r, i}) / 10;
    for (int64_t i = 0; i < 10; ++i) var += (x.item_at({r, i}) - mean) * (x.item_at({r, i}) - mean) / 10;
    for (int64_t i = 0; i < 10; ++i) {
      const double n = (x.item_at({r, i}) - mean) / std::sqrt(var + 1e-5);
      EXPECT_NEAR(y0.item_at({r, i}), n, 1e-5);
      EXPECT_NEAR(y.item_at({r, i}), n * w.item_at({i}) + b.item_at({i}), 1e-5);
    }
  }
}

TEST(Argmax, FirstIndexOnTies) {
  Tensor x = Tensor::from_vector<float>({1, 3, 3, 0, 5, 5, 5, 2}, {2, 4});
  EXPECT_EQ(ops::argmax(x, -1).to_vector<int64_t>(), (std::vector<int64_t>{1, 0}));
  EXPECT_EQ(ops::argmax(x, 0).to_vector<int64_t>(), (std::vector<int64_t>{1, 1, 1, 1}));
}

TEST(Argmax, ReducedPrecisionRowsAndNaN) {
  Tensor x = Tensor::from_vector<float>({0.5f, 2.0f, 2.0f, -1.0f, 1.0f, NAN, 3.0f, 0.0f}, {2, 4}).to(DType::BF16);
  // torch.argmax treats NaN as the maximum.
  EXPECT_EQ(ops::argmax(x, -1).to_vector<int64_t>(), (std::vector<int64_t>{1, 1}));
}

TEST(TopK, SortedDescendingLowerIndexOnTies) {
  Tensor x = Tensor::from_vector<float>({0.1f, 0.7f, 0.7f, 0.2f}, {1, 4});
  auto [v, i] = ops::topk(x, 3);
  EXPECT_EQ(i.to_vector<int64_t>(), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(v.to_vector<float>(), (std::vector<float>{0.7f, 0.7f, 0.2f}));
  EXPECT_THROW(ops::topk(x, 5), Error);
}

}  // namespace
