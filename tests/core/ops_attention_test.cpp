#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "automodel/core/ops.h"
#include "ops_test_util.h"

using namespace automodel;
using automodel::testing::max_abs_diff;
using automodel::testing::random_tensor;

namespace {

// The unfused composition the fused kernel must equal: repeat kv heads, q @ k^T * scale,
// optional soft-cap, additive finfo.min mask (HF eager), softmax, @ v.
Tensor reference_attention(const Tensor& q, const Tensor& k, const Tensor& v, const ops::AttentionOptions& opt) {
  const int64_t B = q.size(0), H = q.size(1), Tq = q.size(2), Hkv = k.size(1), Tk = k.size(2);
  std::vector<int64_t> rep;
  for (int64_t h = 0; h < H; ++h) rep.push_back(h / (H / Hkv));
  auto repeat_heads = [&](const Tensor& t) {
    return ops::index_select0(t.transpose(0, 1), rep).transpose(0, 1).contiguous();
  };
  Tensor kk = repeat_heads(k), vv = repeat_heads(v);
  Tensor s = ops::mul_scalar(ops::matmul(q, kk.transpose(2, 3)), opt.scale);
  if (opt.softcap > 0) s = ops::mul_scalar(ops::tanh(ops::mul_scalar(s, 1 / opt.softcap)), opt.softcap);
  const int64_t off = opt.q_offset >= 0 ? opt.q_offset : Tk - Tq;
  std::vector<float> mask(size_t(B * Tq * Tk));
  const std::vector<int64_t> kpm =
      opt.key_padding_mask.defined() ? opt.key_padding_mask.to_vector<int64_t>() : std::vector<int64_t>(size_t(B * Tk), 1);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < Tq; ++i)
      for (int64_t j = 0; j < Tk; ++j) {
        const int64_t p = off + i;
        bool ok = (!opt.causal || j <= p) && (opt.sliding_window == 0 || p - j < opt.sliding_window) && kpm[size_t(b * Tk + j)];
        mask[size_t((b * Tq + i) * Tk + j)] = ok ? 0.0f : std::numeric_limits<float>::lowest();
      }
  s = ops::add(s, Tensor::from_vector(mask, {B, 1, Tq, Tk}));
  return ops::matmul(ops::softmax(s, -1), vv);
}

struct Case {
  int64_t H, Hkv, Tq, Tk, window;
  double softcap;
  bool padding;
  int64_t D = 8;
};

class SdpaTest : public ::testing::TestWithParam<Case> {};

TEST_P(SdpaTest, FusedEqualsUnfusedReference) {
  const Case c = GetParam();
  const int64_t B = 3, D = c.D;
  Tensor q = random_tensor({B, c.H, c.Tq, D}, 1), k = random_tensor({B, c.Hkv, c.Tk, D}, 2),
         v = random_tensor({B, c.Hkv, c.Tk, D}, 3);
  ops::AttentionOptions opt;
  opt.scale = 1 / std::sqrt(double(D));
  opt.softcap = c.softcap;
  opt.sliding_window = c.window;
  if (c.padding) {
    std::vector<int64_t> m(size_t(B * c.Tk), 1);
    for (int64_t j = 0; j < 3; ++j) m[size_t(1 * c.Tk + j)] = 0;       // row 1: 3 left pads
    for (int64_t j = 0; j < c.Tk - 1; ++j) m[size_t(2 * c.Tk + j)] = 0;  // row 2: only the last key
    opt.key_padding_mask = Tensor::from_vector(m, {B, c.Tk});
  }
  Tensor fused = ops::scaled_dot_product_attention(q, k, v, opt);
  Tensor ref = reference_attention(q, k, v, opt);
  ASSERT_EQ(fused.shape(), ref.shape());
  EXPECT_LT(max_abs_diff(fused, ref), 1e-5);
  for (float x : fused.to_vector<float>()) ASSERT_FALSE(std::isnan(x));
}

INSTANTIATE_TEST_SUITE_P(Variants, SdpaTest,
                         ::testing::Values(Case{4, 4, 6, 6, 0, 0, false}, Case{4, 2, 6, 6, 0, 0, true},
                                           Case{4, 1, 1, 9, 0, 0, true}, Case{4, 2, 7, 7, 3, 0, true},
                                           Case{2, 2, 5, 5, 0, 5.0, true}, Case{4, 2, 2, 10, 4, 2.0, false},
                                           // >= 32 f32 queries take the sgemm (blocked) kernel
                                           Case{4, 2, 40, 40, 0, 0, true}, Case{4, 1, 33, 45, 7, 3.0, true},
                                           Case{2, 2, 64, 64, 0, 0, false},
                                           // decode-sized rows long enough for the vectorised softmax
                                           // and value sums (whole vectors plus tails)
                                           Case{4, 2, 1, 70, 0, 0, true, 40}, Case{4, 4, 3, 37, 9, 0, true, 40},
                                           Case{2, 1, 1, 50, 0, 2.0, false, 64},
                                           // no padding and no soft-cap: the allowed keys are one range
                                           Case{4, 2, 1, 70, 0, 0, false, 40}, Case{4, 2, 5, 33, 6, 0, false, 24}));

TEST(Sdpa, FullyMaskedRowAveragesValuesLikeEager) {
  Tensor q = random_tensor({1, 1, 2, 4}, 1), k = random_tensor({1, 1, 2, 4}, 2), v = random_tensor({1, 1, 2, 4}, 3);
  ops::AttentionOptions opt;
  opt.key_padding_mask = Tensor::from_vector<int64_t>({0, 1}, {1, 2});
  Tensor y = ops::scaled_dot_product_attention(q, k, v, opt);
  // query 0 may only see key 0, which is padding: HF eager gives the mean over all keys
  for (int64_t d = 0; d < 4; ++d) EXPECT_NEAR(y.item_at({0, 0, 0, d}), (v.item_at({0, 0, 0, d}) + v.item_at({0, 0, 1, d})) / 2, 1e-6);
}

TEST(Sdpa, StridedCacheViewsAndErrors) {
  Tensor buf = random_tensor({1, 2, 16, 4}, 5);
  Tensor k = buf.narrow(2, 0, 5), v = random_tensor({1, 2, 16, 4}, 6).narrow(2, 0, 5);
  Tensor q = random_tensor({1, 4, 1, 4}, 7);
  ops::AttentionOptions opt;
  Tensor a = ops::scaled_dot_product_attention(q, k, v, opt);
  Tensor b = ops::scaled_dot_product_attention(q, k.contiguous(), v.contiguous(), opt);
  EXPECT_EQ(a.to_vector<float>(), b.to_vector<float>());
  EXPECT_THROW(ops::scaled_dot_product_attention(random_tensor({1, 3, 1, 4}, 1), k, v, opt), Error);
}

TEST(KvWrite, WritesIntoSlot) {
  Tensor buf = Tensor::zeros({1, 2, 8, 3});
  Tensor src = random_tensor({1, 2, 2, 3}, 1);
  ops::kv_write_(buf, src, 5);
  EXPECT_EQ(buf.item_at({0, 1, 6, 2}), src.item_at({0, 1, 1, 2}));
  EXPECT_EQ(buf.item_at({0, 1, 4, 2}), 0.0);
  EXPECT_THROW(ops::kv_write_(buf, src, 7), Error);
}

TEST(Rotary, HalfSplitPartialRotation) {
  const int64_t B = 2, H = 3, T = 4, D = 8, rot = 4;
  Tensor x = random_tensor({B, H, T, D}, 1);
  Tensor pos = Tensor::from_vector<int64_t>({0, 1, 2, 3, 5, 6, 7, 8}, {B, T});
  const std::vector<float> inv = {1.0f, 0.01f};
  auto [cos, sin] = ops::rope_cos_sin(pos, inv, 1.0, DType::F32);
  ASSERT_EQ(cos.shape(), Shape({B, T, rot}));
  Tensor y = ops::apply_rotary(x, cos, sin);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h)
      for (int64_t t = 0; t < T; ++t) {
        const double p = pos.item_at({b, t});
        for (int64_t j = 0; j < rot; ++j) {
          const double ang = double(inv[size_t(j % 2)] * float(p));
          const double rh = j < 2 ? -x.item_at({b, h, t, j + 2}) : x.item_at({b, h, t, j - 2});
          EXPECT_NEAR(y.item_at({b, h, t, j}), x.item_at({b, h, t, j}) * std::cos(ang) + rh * std::sin(ang), 1e-5);
        }
        for (int64_t j = rot; j < D; ++j) EXPECT_EQ(y.item_at({b, h, t, j}), x.item_at({b, h, t, j}));
      }
}

TEST(Rotary, Bf16RoundsEachProductAndTheSum) {
  // torch on bf16: x * cos and rotate_half(x) * sin are bf16 tensors, and so is their sum.
  const int64_t H = 2, T = 3, D = 6, rot = 4;
  Tensor x = random_tensor({1, H, T, D}, 3, DType::BF16);
  Tensor pos = Tensor::from_vector<int64_t>({4, 9, 17}, {1, T});
  auto [cos, sin] = ops::rope_cos_sin(pos, {1.0f, 0.1f}, 1.0, DType::BF16);
  Tensor y = ops::apply_rotary(x, cos, sin);
  ASSERT_EQ(y.dtype(), DType::BF16);
  auto r = [](float v) { return bf16_to_f32(f32_to_bf16(v)); };
  for (int64_t h = 0; h < H; ++h)
    for (int64_t t = 0; t < T; ++t) {
      for (int64_t j = 0; j < rot; ++j) {
        const float c = float(cos.item_at({0, t, j})), s = float(sin.item_at({0, t, j}));
        const float xj = float(x.item_at({0, h, t, j}));
        const float rh = j < rot / 2 ? -float(x.item_at({0, h, t, j + rot / 2})) : float(x.item_at({0, h, t, j - rot / 2}));
        EXPECT_EQ(y.item_at({0, h, t, j}), double(r(r(xj * c) + r(rh * s))));
      }
      for (int64_t j = rot; j < D; ++j) EXPECT_EQ(y.item_at({0, h, t, j}), x.item_at({0, h, t, j}));
    }
}

TEST(Embedding, GathersAndConverts) {
  Tensor w = random_tensor({5, 3}, 1, DType::BF16);
  Tensor ids = Tensor::from_vector<int64_t>({4, 0, 4}, {1, 3});
  Tensor e = ops::embedding(w, ids, DType::F32);
  ASSERT_EQ(e.shape(), Shape({1, 3, 3}));
  EXPECT_EQ(e.item_at({0, 2, 1}), w.item_at({4, 1}));
  EXPECT_THROW(ops::embedding(w, Tensor::from_vector<int64_t>({5}, {1}), DType::F32), Error);
}

}  // namespace
