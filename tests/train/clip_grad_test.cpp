// clip_grad_norm against torch.nn.utils.clip_grad_norm_ (torch 1.13). Reference: torch_reference.h.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "automodel/core/autograd.h"
#include "automodel/core/error.h"
#include "automodel/core/thread_pool.h"
#include "automodel/train/optimizer.h"
#include "torch_reference.h"
#include "train_test_util.h"

namespace automodel::train {
namespace {

using namespace testing;
using namespace reference;

// Our norms are accumulated in double and torch's in float32, so the total may differ in the
// last bits; the clipped gradients inherit that through the coefficient.
::testing::AssertionResult close_bits(const std::vector<uint32_t>& got, const std::vector<uint32_t>& want) {
  if (got.size() != want.size()) return ::testing::AssertionFailure() << "size " << got.size();
  for (size_t i = 0; i < got.size(); ++i) {
    float g = from_bits(got[i]), w = from_bits(want[i]);
    if (std::fabs(g - w) > 2e-7f * std::fabs(w))
      return ::testing::AssertionFailure() << "element " << i << ": " << g << " vs torch " << w;
  }
  return ::testing::AssertionSuccess();
}

TEST(ClipGradNorm, MatchesTorch) {
  for (const auto& c : kClipCases) {
    SCOPED_TRACE(::testing::Message() << "max_norm " << c.max_norm << " norm_type " << c.norm_type);
    Tensor a = Tensor::zeros({kN});
    Tensor b = Tensor::zeros({3, 4});
    Tensor unused = Tensor::zeros({5});  // no gradient: left out of the norm, as in torch
    for (auto* t : {&a, &b, &unused}) autograd::set_requires_grad(*t);
    autograd::set_grad(a, grad_at(1));
    autograd::set_grad(b, grad_at(2, 12).view({3, 4}));
    const double total = clip_grad_norm({{"a", a}, {"b", b}, {"unused", unused}}, c.max_norm, c.norm_type);
    EXPECT_NEAR(total, from_bits(c.total_bits), 2e-7 * from_bits(c.total_bits));
    EXPECT_TRUE(close_bits(float_bits(autograd::grad(a)), c.grad_a));
    EXPECT_TRUE(close_bits(float_bits(autograd::grad(b)), c.grad_b));
    EXPECT_FALSE(autograd::grad(unused).defined());
  }
}

TEST(ClipGradNorm, NoClippingLeavesGradientsBitIdentical) {
  // The 100.0 case of kClipCases: coefficient clamped to 1, so grads are unchanged (torch
  // multiplies by exactly 1.0).
  Tensor a = make_param();
  autograd::set_grad(a, grad_at(1));
  clip_grad_norm({{"a", a}}, 100.0);
  EXPECT_EQ(float_bits(autograd::grad(a)), float_bits(grad_at(1)));
}

TEST(ClipGradNorm, ClippedNormIsMaxNorm) {
  Tensor a = make_param();
  autograd::set_grad(a, grad_at(3));
  const double before = clip_grad_norm({{"a", a}}, 0.25);
  EXPECT_GT(before, 0.25);
  const double after = clip_grad_norm({{"a", a}}, 1e9);
  EXPECT_NEAR(after, 0.25, 1e-6);
}

TEST(ClipGradNorm, LargeGradientNormIsExactAndThreadCountIndependent) {
  // 300001 elements of 0.5 (several partial-sum blocks): the 2-norm is 0.5 * sqrt(300001).
  const int64_t n = 300001;
  Tensor a = Tensor::zeros({n});
  autograd::set_requires_grad(a);
  const int previous_threads = ThreadPool::global().num_threads();
  double norms[2];
  for (int threads : {1, 2}) {
    ThreadPool::set_global_threads(threads);
    autograd::set_grad(a, Tensor::full({n}, 0.5));
    norms[threads - 1] = clip_grad_norm({{"a", a}}, 1e9);
  }
  ThreadPool::set_global_threads(previous_threads);
  EXPECT_EQ(norms[0], double(float(0.5 * std::sqrt(300001.0))));
  EXPECT_EQ(norms[0], norms[1]);
}

TEST(ClipGradNorm, NoGradientsGiveZero) {
  Tensor a = make_param();
  EXPECT_EQ(clip_grad_norm({{"a", a}}, 1.0), 0.0);
}

TEST(ClipGradNorm, RejectsBadNormType) {
  Tensor a = make_param();
  autograd::set_grad(a, grad_at(1));
  EXPECT_THROW(clip_grad_norm({{"a", a}}, 1.0, 0.0), Error);
  EXPECT_THROW(clip_grad_norm({{"a", a}}, 1.0, -std::numeric_limits<double>::infinity()), Error);
}

}  // namespace
}  // namespace automodel::train
