// The autograd engine: accumulation, zero_grad, frozen parameters, grad mode, fan-out, the
// freed graph, and the errors for misuse. Expected gradients are worked out by hand from
// small formulas (y = w * c  ->  dL/dw = c, and so on).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "automodel/core/autograd.h"
#include "automodel/core/ops.h"
#include "ops_test_util.h"

using namespace automodel;
using automodel::testing::random_tensor;

namespace {

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

Tensor vec(std::vector<float> v) { return Tensor::from_vector(v, {int64_t(v.size())}); }

// L = sum(w * c): dL/dw = c.
Tensor weighted_sum(const Tensor& w, const Tensor& c) { return ops::sum_last(ops::mul(w, c)); }

TEST(Autograd, LeafFlagsAndGradMode) {
  Tensor w = vec({1, 2, 3});
  EXPECT_FALSE(autograd::requires_grad(w));
  EXPECT_TRUE(autograd::is_leaf(w));
  autograd::set_requires_grad(w);
  EXPECT_TRUE(autograd::requires_grad(w));
  Tensor copy = w;  // handles share the autograd slot
  EXPECT_TRUE(autograd::requires_grad(copy));
  Tensor y = ops::mul_scalar(w, 2.0);
  EXPECT_TRUE(autograd::requires_grad(y));
  EXPECT_FALSE(autograd::is_leaf(y));
  EXPECT_FALSE(autograd::requires_grad(ops::mul_scalar(vec({1, 2}), 2.0)));
  EXPECT_TRUE(grad_enabled());
}

TEST(Autograd, GradientsAccumulateAcrossBackwardCallsUntilZeroGrad) {
  Tensor w = vec({0.5f, -1.0f, 2.0f});
  const Tensor c1 = vec({1, 2, 3}), c2 = vec({-4, 0.25f, 1});
  autograd::set_requires_grad(w);
  EXPECT_FALSE(autograd::grad(w).defined());
  autograd::backward(weighted_sum(w, c1));
  EXPECT_EQ(autograd::grad(w).to_vector<float>(), (std::vector<float>{1, 2, 3}));
  autograd::backward(weighted_sum(w, c2));
  EXPECT_EQ(autograd::grad(w).to_vector<float>(), (std::vector<float>{-3, 2.25f, 4}));
  autograd::zero_grad(w);
  EXPECT_FALSE(autograd::grad(w).defined());
  autograd::backward(weighted_sum(w, c2));
  EXPECT_EQ(autograd::grad(w).to_vector<float>(), (std::vector<float>{-4, 0.25f, 1}));
  // The weight's values were never touched.
  EXPECT_EQ(w.to_vector<float>(), (std::vector<float>{0.5f, -1.0f, 2.0f}));
}

TEST(Autograd, AccumulatedGradientIsNotAliasedWithTheSeed) {
  Tensor w = vec({1, 2});
  autograd::set_requires_grad(w);
  Tensor seed = vec({3, 4});
  autograd::backward(ops::mul_scalar(w, 1.0), seed);
  autograd::backward(ops::mul_scalar(w, 1.0), seed);
  EXPECT_EQ(autograd::grad(w).to_vector<float>(), (std::vector<float>{6, 8}));
  EXPECT_EQ(seed.to_vector<float>(), (std::vector<float>{3, 4}));
}

TEST(Autograd, FrozenParametersGetNoGradient) {
  Tensor x = random_tensor({2, 3}, 1), w = random_tensor({4, 3}, 2), b = random_tensor({4}, 3);
  autograd::set_requires_grad(x);
  autograd::set_requires_grad(w);
  autograd::set_requires_grad(w, false);  // frozen again
  autograd::set_requires_grad(b);
  autograd::backward(ops::sum_last(ops::sum_last(ops::linear(x, w, b)).unsqueeze(0)));
  EXPECT_FALSE(autograd::grad(w).defined());
  ASSERT_TRUE(autograd::grad(x).defined());
  ASSERT_TRUE(autograd::grad(b).defined());
  // dL/db = 1 per output; dL/dx[r, i] = sum_o w[o, i].
  EXPECT_EQ(autograd::grad(b).to_vector<float>(), (std::vector<float>{2, 2, 2, 2}));
  for (int64_t i = 0; i < 3; ++i) {
    double col = 0;
    for (int64_t o = 0; o < 4; ++o) col += w.item_at({o, i});
    EXPECT_NEAR(autograd::grad(x).item_at({0, i}), col, 1e-6);
    EXPECT_NEAR(autograd::grad(x).item_at({1, i}), col, 1e-6);
  }
}

TEST(Autograd, NoGradGuardRecordsNothing) {
  Tensor w = vec({1, 2, 3});
  autograd::set_requires_grad(w);
  Tensor y;
  {
    NoGradGuard guard;
    EXPECT_FALSE(grad_enabled());
    {
      NoGradGuard nested;
      EXPECT_FALSE(grad_enabled());
    }
    EXPECT_FALSE(grad_enabled());  // the inner guard restores the outer state, not "on"
    y = ops::mul(ops::exp(w), w.narrow(0, 0, 3));
    EXPECT_FALSE(autograd::requires_grad(y));
    EXPECT_FALSE(autograd::requires_grad(w.transpose(0, 0)));
  }
  EXPECT_TRUE(grad_enabled());
  EXPECT_TRUE(autograd::requires_grad(w));  // the parameter itself is unchanged
  EXPECT_NE(error_of([&] { autograd::backward(ops::sum_last(y)); }).find("does not require grad"), std::string::npos);
  EXPECT_FALSE(autograd::grad(w).defined());
}

TEST(Autograd, FanOutSumsTheGradients) {
  // y = w * w + w + exp(w) with w used four times: dy/dw = 2w + 1 + exp(w).
  Tensor w = vec({0.5f, -1.5f, 2.0f});
  autograd::set_requires_grad(w);
  Tensor y = ops::add(ops::add(ops::mul(w, w), w), ops::exp(w));
  autograd::backward(ops::sum_last(y));
  const std::vector<float> g = autograd::grad(w).to_vector<float>();
  const std::vector<float> wv = w.to_vector<float>();
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(g[i], 2 * wv[i] + 1 + std::exp(double(wv[i])), 1e-5) << i;
}

TEST(Autograd, FanOutThroughAnIntermediateAndViews) {
  // h = 3w is used by two views; L = sum(h[0:2]) + sum(h[1:3] * h[1:3]): dL/dw = 3 (1[i<2] + 2 h_i 1[i>=1]).
  Tensor w = vec({1, 2, 3});
  autograd::set_requires_grad(w);
  Tensor h = ops::mul_scalar(w, 3.0);
  Tensor a = h.narrow(0, 0, 2), b = h.narrow(0, 1, 2);
  Tensor loss = ops::add(ops::sum_last(a), ops::sum_last(ops::mul(b, b)));
  autograd::backward(loss);
  EXPECT_EQ(autograd::grad(w).to_vector<float>(), (std::vector<float>{3, 3 + 6 * 6, 6 * 9}));
}

TEST(Autograd, SecondBackwardThroughTheSameGraphIsAClearError) {
  Tensor w = vec({1, 2});
  autograd::set_requires_grad(w);
  Tensor loss = ops::sum_last(ops::mul(w, w));
  autograd::backward(loss);
  const std::string msg = error_of([&] { autograd::backward(loss); });
  EXPECT_NE(msg.find("second time"), std::string::npos) << msg;
  EXPECT_NE(msg.find("sum_last"), std::string::npos) << msg;
  EXPECT_EQ(autograd::grad(w).to_vector<float>(), (std::vector<float>{2, 4}));  // unchanged by the failed call
}

TEST(Autograd, MisuseErrors) {
  Tensor w = vec({1, 2});
  autograd::set_requires_grad(w);
  Tensor y = ops::mul_scalar(w, 2.0);
  std::string msg = error_of([&] { autograd::set_requires_grad(y); });
  EXPECT_NE(msg.find("output of an op"), std::string::npos) << msg;
  msg = error_of([&] { autograd::set_requires_grad(Tensor::arange(3)); });
  EXPECT_NE(msg.find("floating"), std::string::npos) << msg;
  msg = error_of([&] { autograd::backward(y); });  // two elements, no grad_output
  EXPECT_NE(msg.find("one-element"), std::string::npos) << msg;
  msg = error_of([&] { autograd::backward(y, vec({1, 2, 3})); });
  EXPECT_NE(msg.find("grad_output"), std::string::npos) << msg;
  msg = error_of([&] { autograd::backward(vec({1})); });
  EXPECT_NE(msg.find("does not require grad"), std::string::npos) << msg;
  msg = error_of([&] { autograd::set_grad(w, vec({1, 2, 3})); });
  EXPECT_NE(msg.find("does not match"), std::string::npos) << msg;
}

TEST(Autograd, KvWriteRejectsInputsThatRequireGrad) {
  Tensor cache = Tensor::zeros({1, 2, 4, 3});
  Tensor src = random_tensor({1, 2, 1, 3}, 5);
  autograd::set_requires_grad(src);
  const std::string msg = error_of([&] { ops::kv_write_(cache, src, 1); });
  EXPECT_NE(msg.find("kv_write_"), std::string::npos) << msg;
  EXPECT_NE(msg.find("not differentiable"), std::string::npos) << msg;
  EXPECT_EQ(cache.to_vector<float>(), std::vector<float>(24, 0.0f));  // nothing half-written
  // Under NoGradGuard (generation) the same write is fine.
  {
    NoGradGuard guard;
    ops::kv_write_(cache, src, 1);
  }
  EXPECT_EQ(cache.item_at({0, 1, 1, 2}), src.item_at({0, 1, 0, 2}));
}

TEST(Autograd, Bf16ParameterGetsFloat32Gradient) {
  Tensor w = vec({1.5f, -2.0f, 0.25f}).to(DType::BF16);
  autograd::set_requires_grad(w);
  autograd::backward(weighted_sum(ops::cast(w, DType::F32), vec({1, 2, 3})));
  const Tensor g = autograd::grad(w);
  ASSERT_TRUE(g.defined());
  EXPECT_EQ(g.dtype(), DType::F32);
  EXPECT_EQ(g.to_vector<float>(), (std::vector<float>{1, 2, 3}));
}

TEST(Autograd, DetachAndSetGrad) {
  Tensor w = vec({1, 2});
  autograd::set_requires_grad(w);
  Tensor d = autograd::detach(w);
  EXPECT_FALSE(autograd::requires_grad(d));
  EXPECT_TRUE(d.storage() == w.storage());
  Tensor y = ops::mul(w, d);  // d is a constant: dy/dw = d
  autograd::backward(ops::sum_last(y));
  EXPECT_EQ(autograd::grad(w).to_vector<float>(), (std::vector<float>{1, 2}));
  EXPECT_FALSE(autograd::grad(d).defined());
  autograd::set_grad(w, vec({5, 6}));
  autograd::backward(ops::sum_last(ops::mul(w, d)));
  EXPECT_EQ(autograd::grad(w).to_vector<float>(), (std::vector<float>{6, 8}));
  autograd::set_grad(w, Tensor());
  EXPECT_FALSE(autograd::grad(w).defined());
}

TEST(Autograd, ReplaceDataKeepsTheParameterSlot) {
  Tensor w = vec({1, 2});
  autograd::set_requires_grad(w);
  Tensor alias = w;
  w.replace_data(vec({3, 4}));
  EXPECT_TRUE(autograd::requires_grad(alias));
  EXPECT_EQ(alias.to_vector<float>(), (std::vector<float>{3, 4}));
  autograd::backward(ops::sum_last(ops::mul(alias, alias)));
  EXPECT_EQ(autograd::grad(w).to_vector<float>(), (std::vector<float>{6, 8}));
}

}  // namespace

namespace {
// A view of an expanded tensor that is not itself the expand (narrow, transpose) aliases
// elements; torch handles it through as_strided. We refuse it with a clear error rather than
// a wrong gradient (no model builds one: they make the expansion contiguous first).
TEST(Autograd, ViewOfAnExpandedTensorIsAClearError) {
  Tensor w = Tensor::from_vector(std::vector<float>{1, 2, 3}, {3});
  autograd::set_requires_grad(w);
  const Tensor e = w.unsqueeze(0).expand({4, 3});
  for (auto make : {+[](const Tensor& t) { return t.narrow(0, 1, 2); }, +[](const Tensor& t) { return t.transpose(0, 1); }}) {
    try {
      make(e);
      FAIL() << "expected an error";
    } catch (const Error& err) {
      EXPECT_NE(std::string(err.what()).find("view of an expanded tensor"), std::string::npos) << err.what();
    }
  }
  // The expand itself differentiates: each of the 4 rows adds its gradient.
  Tensor y = ops::mul_scalar(e.contiguous(), 2.0);
  autograd::backward(y, Tensor::full({4, 3}, 1.0));
  EXPECT_EQ(autograd::grad(w).to_vector<float>(), (std::vector<float>{8, 8, 8}));
}
}  // namespace
