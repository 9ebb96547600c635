#include <gtest/gtest.h>

#include "automodel/core/autograd.h"
#include "automodel/core/ops.h"
#include "ops_test_util.h"

using namespace automodel;
using automodel::testing::max_abs_diff;
using automodel::testing::random_tensor;

namespace {

// y[n][o] = sum_i x[n][i] * w[o][i] + b[o], in double from the (widened) stored values.
Tensor naive_linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  const int64_t in = x.size(-1), out = w.size(0), n = x.numel() / in;
  const auto xv = x.to_vector<double>(), wv = w.to_vector<double>();
  const std::vector<double> bv = b.defined() ? b.to_vector<double>() : std::vector<double>(size_t(out), 0.0);
  std::vector<float> y(size_t(n * out));
  for (int64_t r = 0; r < n; ++r)
    for (int64_t o = 0; o < out; ++o) {
      double s = bv[size_t(o)];
      for (int64_t i = 0; i < in; ++i) s += xv[size_t(r * in + i)] * wv[size_t(o * in + i)];
      y[size_t(r * out + o)] = float(s);
    }
  return Tensor::from_vector(y, {n, out});
}

class LinearTest : public ::testing::TestWithParam<std::tuple<DType, int64_t>> {};

TEST_P(LinearTest, MatchesNaiveLoop) {
  const auto [wdtype, rows] = GetParam();
  const int64_t in = 67, out = 131;  // odd sizes exercise the SIMD tails and the 4-row blocks
  Tensor x = random_tensor({rows, in}, 1);
  Tensor w = random_tensor({out, in}, 2, wdtype);
  Tensor b = random_tensor({out}, 3);
  Tensor y = ops::linear(x, w, b);
  EXPECT_EQ(y.dtype(), DType::F32);
  EXPECT_EQ(w.dtype(), wdtype);  // weights are never widened in memory
  EXPECT_LT(max_abs_diff(y, naive_linear(x, w, b)), 2e-4);
}

INSTANTIATE_TEST_SUITE_P(Dtypes, LinearTest,
                         ::testing::Combine(::testing::Values(DType::F32, DType::BF16, DType::F16),
                                            ::testing::Values(int64_t(1), int64_t(3), int64_t(9), int64_t(70))));

TEST(Linear, KeepsLeadingDimsAndBf16Activations) {
  Tensor x = random_tensor({2, 5, 16}, 4, DType::BF16);
  Tensor w = random_tensor({8, 16}, 5, DType::BF16);
  Tensor y = ops::linear(x, w);
  EXPECT_EQ(y.shape(), Shape({2, 5, 8}));
  EXPECT_EQ(y.dtype(), DType::BF16);
  // bf16 result = the f32-accumulated product rounded once.
  Tensor ref = naive_linear(x.reshape({10, 16}), w, Tensor()).to(DType::BF16).view({2, 5, 8});
  EXPECT_LE(max_abs_diff(y, ref), 0.02);
}

TEST(Linear, RejectsMismatchedShapes) {
  Tensor x = random_tensor({2, 5}, 1), w = random_tensor({3, 4}, 2);
  EXPECT_THROW(ops::linear(x, w), Error);
  EXPECT_THROW(ops::linear(random_tensor({2, 4}, 1), w, random_tensor({4}, 3)), Error);
  EXPECT_THROW(ops::linear(Tensor::zeros({2, 4}, DType::I64), w), Error);
}

TEST(Matmul, BatchedWithBroadcast) {
  Tensor a = random_tensor({2, 3, 4, 5}, 7), b = random_tensor({3, 5, 6}, 8);
  Tensor y = ops::matmul(a, b);
  ASSERT_EQ(y.shape(), Shape({2, 3, 4, 6}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t m = 0; m < 4; ++m)
        for (int64_t n = 0; n < 6; ++n) {
          double s = 0;
          for (int64_t k = 0; k < 5; ++k) s += a.item_at({i, j, m, k}) * b.item_at({j, k, n});
          EXPECT_NEAR(y.item_at({i, j, m, n}), s, 1e-5);
        }
  EXPECT_THROW(ops::matmul(a, random_tensor({3, 4, 6}, 9)), Error);
}

}  // namespace

// linear_group gives each weight's linear() exactly: the decode path (a few rows, one pass over
// the pool with chunks that straddle weights) as well as the many-rows path, with mixed
// weight dtypes, shapes and biases.
TEST(LinearGroup, EqualsOneLinearPerWeight) {
  const int64_t in = 67;
  const std::vector<Tensor> ws{random_tensor({131, in}, 2, DType::BF16), random_tensor({5, in}, 3),
                              random_tensor({300, in}, 4, DType::F16), random_tensor({2, in}, 5, DType::BF16)};
  const std::vector<Tensor> bs{random_tensor({131}, 6), Tensor(), random_tensor({300}, 7), Tensor()};
  for (int64_t rows : {1, 2, 4, 9}) {
    for (DType xdt : {DType::F32, DType::BF16}) {
      Tensor x = random_tensor({1, rows, in}, 10 + uint64_t(rows), xdt);
      const std::vector<Tensor> ys = ops::linear_group(x, ws, bs);
      ASSERT_EQ(ys.size(), ws.size());
      for (size_t i = 0; i < ws.size(); ++i) {
        const Tensor ref = ops::linear(x, ws[i], bs[i]);
        EXPECT_EQ(ys[i].shape(), ref.shape()) << i;
        EXPECT_EQ(ys[i].dtype(), xdt);
        EXPECT_EQ(ys[i].to_vector<float>(), ref.to_vector<float>()) << "weight " << i << ", rows " << rows;
      }
    }
  }
  EXPECT_TRUE(ops::linear_group(random_tensor({1, in}, 1), {}).empty());
}

TEST(LinearGroup, RejectsMismatchesLikeLinear) {
  Tensor x = random_tensor({1, 4}, 1);
  EXPECT_THROW(ops::linear_group(x, {random_tensor({3, 4}, 2), random_tensor({3, 5}, 3)}), Error);
  EXPECT_THROW(ops::linear_group(x, {random_tensor({3, 4}, 2)}, {random_tensor({4}, 3)}), Error);
  EXPECT_THROW(ops::linear_group(x, {random_tensor({3, 4}, 2)}, {Tensor(), Tensor()}), Error);
  EXPECT_THROW(ops::linear_group(Tensor::full({}, 1.0), {random_tensor({3, 4}, 2)}), Error);
  // The message names the weight's place in the group.
  try {
    ops::linear_group(x, {random_tensor({3, 4}, 2), random_tensor({3, 5}, 3)});
    FAIL() << "no error for a weight of the wrong width";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("weight 1 [3, 5]"), std::string::npos) << e.what();
  }
}

// With a graph to record, each product is an ordinary linear node: gradients equal the
// separate calls'.
TEST(LinearGroup, RecordsGradientsLikeSeparateLinears) {
  Tensor x = random_tensor({1, 6}, 1);
  Tensor w1 = random_tensor({3, 6}, 2), w2 = random_tensor({4, 6}, 3);
  autograd::set_requires_grad(w1, true);
  autograd::set_requires_grad(w2, true);
  const std::vector<Tensor> ys = ops::linear_group(x, {w1, w2});
  autograd::backward(ops::add(ops::sum_last(ys[0]), ops::sum_last(ys[1])));
  Tensor v1 = random_tensor({3, 6}, 2), v2 = random_tensor({4, 6}, 3);
  autograd::set_requires_grad(v1, true);
  autograd::set_requires_grad(v2, true);
  autograd::backward(ops::add(ops::sum_last(ops::linear(x, v1)), ops::sum_last(ops::linear(x, v2))));
  EXPECT_EQ(autograd::grad(w1).to_vector<float>(), autograd::grad(v1).to_vector<float>());
  EXPECT_EQ(autograd::grad(w2).to_vector<float>(), autograd::grad(v2).to_vector<float>());
}
