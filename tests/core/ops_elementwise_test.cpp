#include <gtest/gtest.h>

#include <cmath>

#include "automodel/core/ops.h"
#include "ops_test_util.h"

using namespace automodel;
using automodel::testing::random_tensor;

namespace {

TEST(Binary, BroadcastsLikeTorch) {
  Tensor a = random_tensor({2, 1, 4}, 1), b = random_tensor({3, 1}, 2);
  Tensor y = ops::add(a, b);
  ASSERT_EQ(y.shape(), Shape({2, 3, 4}));
  for (int64_t i = 0; i < 2; ++i)
    for (int64_t j = 0; j < 3; ++j)
      for (int64_t k = 0; k < 4; ++k) EXPECT_FLOAT_EQ(y.item_at({i, j, k}), float(a.item_at({i, 0, k}) + b.item_at({j, 0})));
  Tensor m = ops::mul(a, b), s = ops::sub(a, b), d = ops::div(a, b);
  EXPECT_FLOAT_EQ(m.item_at({1, 2, 3}), float(a.item_at({1, 0, 3}) * b.item_at({2, 0})));
  EXPECT_FLOAT_EQ(s.item_at({1, 2, 3}), float(a.item_at({1, 0, 3}) - b.item_at({2, 0})));
  EXPECT_FLOAT_EQ(d.item_at({1, 2, 3}), float(a.item_at({1, 0, 3}) / b.item_at({2, 0})));
  EXPECT_THROW(ops::add(random_tensor({2, 3}, 1), random_tensor({4}, 2)), Error);
}

TEST(Binary, Bf16RoundsOncePerOp) {
  Tensor a = random_tensor({64}, 3, DType::BF16), b = random_tensor({64}, 4, DType::BF16);
  Tensor y = ops::mul(a, b);
  ASSERT_EQ(y.dtype(), DType::BF16);
  for (int64_t i = 0; i < 64; ++i) {
    const float exact = float(a.item_at({i})) * float(b.item_at({i}));
    EXPECT_EQ(y.item_at({i}), double(bf16_to_f32(f32_to_bf16(exact))));
  }
  // bf16 with f32 promotes to f32
  EXPECT_EQ(ops::add(a, random_tensor({64}, 5)).dtype(), DType::F32);
}

TEST(Unary, ActivationsMatchFormulas) {
  Tensor x = random_tensor({257}, 6, DType::F32, 3.0f);
  auto check = [&](const Tensor& y, auto f, double tol) {
    for (int64_t i = 0; i < 257; ++i) EXPECT_NEAR(y.item_at({i}), f(x.item_at({i})), tol) << i;
  };
  check(ops::silu(x), [](double v) { return v / (1 + std::exp(-v)); }, 1e-6);
  check(ops::gelu(x), [](double v) { return 0.5 * v * (1 + std::erf(v / std::sqrt(2.0))); }, 1e-6);
  check(ops::gelu_tanh(x),
        [](double v) { return 0.5 * v * (1 + std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v))); }, 1e-6);
  check(ops::relu(x), [](double v) { return v > 0 ? v : 0.0; }, 0);
  check(ops::tanh(x), [](double v) { return std::tanh(v); }, 1e-6);
  check(ops::exp(x), [](double v) { return std::exp(v); }, 1e-4);
  check(ops::neg(x), [](double v) { return -v; }, 0);
  check(ops::mul_scalar(x, 0.5), [](double v) { return v * 0.5; }, 0);
  check(ops::add_scalar(x, 2.0), [](double v) { return v + 2.0; }, 1e-6);
  check(ops::clamp(x, -1, 1), [](double v) { return std::min(std::max(v, -1.0), 1.0); }, 0);
  EXPECT_EQ(ops::activation(x, "gelu_new").to_vector<float>(), ops::gelu_tanh(x).to_vector<float>());
  EXPECT_THROW(ops::activation(x, "swiglu_nonexistent"), Error);
}

// The vectorised SiLU at the ends of the range, where exp(-x) over- or underflows: values as
// torch's float32 silu gives them (a full vector of them plus a scalar tail).
TEST(Unary, SiluAtExtremes) {
  const std::vector<float> in{-1000.0f, -200.0f, -104.5f, -88.0f, -50.0f, 0.0f, 50.0f, 88.0f, 104.5f, 200.0f,
                              1000.0f, 3.4e38f, -3.4e38f, 1e-30f, -1e-30f, 20.0f, -20.0f};
  const std::vector<float> out = ops::silu(Tensor::from_vector(in, {int64_t(in.size())})).to_vector<float>();
  for (size_t i = 0; i < in.size(); ++i) {
    const double v = in[i];
    const double want = v / (1 + std::exp(-v));  // -> -0 for very negative v
    EXPECT_NEAR(out[i], want, std::abs(want) * 1e-6 + 1e-30) << "silu(" << in[i] << ")";
  }
  const std::vector<float> inf = ops::silu(Tensor::from_vector(std::vector<float>(17, INFINITY), {17})).to_vector<float>();
  for (float v : inf) EXPECT_EQ(v, INFINITY);
}

TEST(Where, SelectsAndBroadcasts) {
  Tensor cond = Tensor::from_vector<int64_t>({1, 0, 1}, {3});
  Tensor a = Tensor::full({2, 3}, 5.0), b = Tensor::full({2, 3}, -5.0);
  Tensor y = ops::where(cond, a, b);
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{5, -5, 5, 5, -5, 5}));
  Tensor f = ops::masked_fill(a, cond, 1.0);
  EXPECT_EQ(f.to_vector<float>(), (std::vector<float>{1, 5, 1, 1, 5, 1}));
}

TEST(Cat, ConcatenatesAlongAnyDim) {
  Tensor a = random_tensor({2, 3}, 1), b = random_tensor({2, 1}, 2);
  Tensor y = ops::cat({a, b}, 1);
  ASSERT_EQ(y.shape(), Shape({2, 4}));
  EXPECT_EQ(y.item_at({1, 3}), b.item_at({1, 0}));
  EXPECT_EQ(y.item_at({0, 2}), a.item_at({0, 2}));
  EXPECT_THROW(ops::cat({a, random_tensor({3, 1}, 2)}, 1), Error);
}

TEST(IndexAdd, AccumulatesRepeatedRows) {
  Tensor base = Tensor::zeros({3, 2});
  Tensor src = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {3, 2});
  Tensor y = ops::index_add0(base, {2, 0, 2}, src);
  EXPECT_EQ(y.to_vector<float>(), (std::vector<float>{3, 4, 0, 0, 6, 8}));
  EXPECT_EQ(base.to_vector<float>(), (std::vector<float>(6, 0.0f)));  // input untouched
}

TEST(ActivationMul, SameValuesAsActivationThenMul) {
  uint64_t seed = 60;
  for (DType dt : {DType::F32, DType::BF16, DType::F16}) {
    for (const char* name : {"silu", "gelu", "gelu_new", "relu", "tanh"}) {
      SCOPED_TRACE(std::string(dtype_name(dt)) + " " + name);
      // 2500 values: whole 1024-value blocks and a partial one.
      Tensor g = random_tensor({2, 1250}, seed++, dt, 3.0f), u = random_tensor({2, 1250}, seed++, dt);
      Tensor y = ops::activation_mul(g, u, name);
      ASSERT_EQ(y.dtype(), dt);
      EXPECT_EQ(y.to_vector<float>(), ops::mul(ops::activation(g, name), u).to_vector<float>());
    }
  }
}

TEST(ActivationMul, NonContiguousBroadcastAndUnknownName) {
  // Halves of one fused gate_up output (Phi-3), and an up broadcast over rows.
  Tensor gu = random_tensor({3, 16}, 70);
  Tensor gate = gu.narrow(-1, 0, 8), up = gu.narrow(-1, 8, 8);
  EXPECT_EQ(ops::activation_mul(gate, up, "silu").to_vector<float>(),
            ops::mul(ops::activation(gate, "silu"), up).to_vector<float>());
  Tensor row = random_tensor({8}, 71);
  EXPECT_EQ(ops::activation_mul(gate, row, "silu").to_vector<float>(),
            ops::mul(ops::activation(gate, "silu"), row).to_vector<float>());
  try {
    ops::activation_mul(gate, up, "mish");
    FAIL() << "no error for an unknown activation";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("mish"), std::string::npos) << e.what();
  }
}

}  // namespace
