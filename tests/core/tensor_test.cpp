#include "automodel/core/tensor.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <numeric>
#include <string>

#include "automodel/core/thread_pool.h"

using namespace automodel;

namespace {
Tensor iota(const Shape& s) {
  std::vector<float> v(size_t(s.numel()));
  std::iota(v.begin(), v.end(), 0.0f);
  return Tensor::from_vector(v, s);
}
}  // namespace

TEST(Tensor, ContiguousBasics) {
  Tensor t = iota({2, 3, 4});
  EXPECT_EQ(t.numel(), 24);
  EXPECT_EQ(t.strides(), (Strides{12, 4, 1}));
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_EQ(t.item_at({1, 2, 3}), 23);
  EXPECT_EQ(t.size(-1), 4);
  EXPECT_THROW(t.size(3), Error);
}

TEST(Tensor, TransposeAndContiguousMatchNaiveLoop) {
  Tensor t = iota({2, 3, 4});
  Tensor p = t.permute({2, 0, 1});
  EXPECT_EQ(p.shape(), (Shape{4, 2, 3}));
  EXPECT_FALSE(p.is_contiguous());
  Tensor c = p.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  const float* d = c.data<float>();
  for (int a = 0; a < 4; ++a)
    for (int b = 0; b < 2; ++b)
      for (int k = 0; k < 3; ++k) EXPECT_EQ(d[(a * 2 + b) * 3 + k], float(b * 12 + k * 4 + a));
  Tensor tt = t.transpose(0, 2);
  EXPECT_EQ(tt.item_at({3, 1, 0}), t.item_at({0, 1, 3}));
}

TEST(Tensor, NarrowSliceSelect) {
  Tensor t = iota({4, 5});
  Tensor n = t.narrow(1, 1, 3);
  EXPECT_EQ(n.shape(), (Shape{4, 3}));
  EXPECT_EQ(n.item_at({2, 0}), 11);
  Tensor s = t.slice(0, 1, 100, 2);  // rows 1, 3
  EXPECT_EQ(s.shape(), (Shape{2, 5}));
  EXPECT_EQ(s.item_at({1, 4}), 19);
  Tensor neg = t.slice(1, -2, 5);
  EXPECT_EQ(neg.item_at({0, 0}), 3);
  Tensor sel = t.select(0, -1);
  EXPECT_EQ(sel.shape(), (Shape{5}));
  EXPECT_EQ(sel.item_at({2}), 17);
  EXPECT_THROW(t.narrow(0, 3, 2), Error);
  EXPECT_EQ(s.contiguous().to_vector<float>(), (std::vector<float>{5, 6, 7, 8, 9, 15, 16, 17, 18, 19}));
}

TEST(Tensor, ViewRules) {
  Tensor t = iota({2, 3, 4});
  EXPECT_EQ(t.view({6, -1}).shape(), (Shape{6, 4}));
  EXPECT_EQ(t.view({-1}).shape(), (Shape{24}));
  EXPECT_THROW(t.view({5, -1}), Error);
  // A transposed tensor can still split its last dim without a copy...
  Tensor tr = t.transpose(0, 1);  // [3, 2, 4], not contiguous
  Tensor v = tr.view({3, 2, 2, 2});
  EXPECT_TRUE(v.storage() == t.storage());
  EXPECT_EQ(v.item_at({2, 1, 1, 0}), tr.item_at({2, 1, 2}));
  // ...but merging the transposed dims needs one.
  EXPECT_THROW(tr.view({6, 4}), Error);
  Tensor r = tr.reshape({6, 4});
  EXPECT_FALSE(r.storage() == t.storage());
  EXPECT_EQ(r.item_at({1, 0}), t.item_at({1, 0, 0}));
}

TEST(Tensor, ExpandBroadcasts) {
  Tensor t = iota({3, 1});
  Tensor e = t.expand({2, 3, 4});
  EXPECT_EQ(e.strides()[0], 0);
  EXPECT_EQ(e.strides()[2], 0);
  EXPECT_EQ(e.item_at({1, 2, 3}), 2);
  Tensor c = e.contiguous();
  EXPECT_EQ(c.numel(), 24);
  EXPECT_EQ(c.item_at({0, 1, 2}), 1);
  EXPECT_THROW(t.expand({3, 2, 5}), Error);
  Tensor u = t.unsqueeze(0);
  EXPECT_EQ(u.shape(), (Shape{1, 3, 1}));
  EXPECT_EQ(u.squeeze(0).shape(), (Shape{3, 1}));
}

TEST(Tensor, ToDTypeMatchesScalarConversions) {
  std::vector<float> v = {0.1f, -3.3f, 65519.f, 1e-7f, 1.00390625f, 2.5f, -2.5f, 300.7f};
  Tensor t = Tensor::from_vector(v, {8});
  Tensor b = t.to(DType::BF16);
  Tensor h = t.to(DType::F16);
  Tensor i = t.to(DType::I64);
  Tensor u8 = t.to(DType::U8);
  for (size_t k = 0; k < v.size(); ++k) {
    EXPECT_EQ(b.item_at({int64_t(k)}), bf16_to_f32(f32_to_bf16(v[k])));
    EXPECT_EQ(h.item_at({int64_t(k)}), f16_to_f32(f32_to_f16(v[k])));
    EXPECT_EQ(i.item_at({int64_t(k)}), double(int64_t(v[k])));  // truncation toward zero
  }
  EXPECT_EQ(u8.item_at({7}), 255);  // saturates instead of undefined behaviour
  EXPECT_EQ(u8.item_at({1}), 0);
  // Strided conversion equals converting the contiguous copy.
  Tensor m = iota({4, 6}).transpose(0, 1).to(DType::BF16);
  EXPECT_EQ(m.to_vector<float>(), iota({4, 6}).transpose(0, 1).contiguous().to_vector<float>());
  // Integer to integer copies are exact beyond 2^53.
  Tensor big = Tensor::from_vector(std::vector<int64_t>{(1ll << 60) + 1}, {1});
  EXPECT_EQ(big.to(DType::I64).to_vector<int64_t>()[0], (1ll << 60) + 1);
  Tensor bools = Tensor::from_vector(std::vector<float>{0.f, 2.f, -0.5f}, {3}).to(DType::BOOL);
  EXPECT_EQ(bools.to_vector<uint8_t>(), (std::vector<uint8_t>{0, 1, 1}));
}

TEST(Tensor, LargeParallelCopyMatchesSerial) {
  Tensor t = iota({300, 700});
  Tensor tr = t.transpose(0, 1).contiguous();
  const float* p = tr.data<float>();
  for (int r = 0; r < 700; r += 37)
    for (int c = 0; c < 300; c += 13) ASSERT_EQ(p[r * 300 + c], float(c * 700 + r));
}

TEST(Tensor, ReadOnlyStorageRefusesWrites) {
  Tensor t = Tensor::zeros({2, 2});
  EXPECT_NO_THROW(t.mutable_data<float>());
  EXPECT_THROW(t.data<double>(), Error);  // wrong dtype
  Tensor undefined;
  EXPECT_FALSE(undefined.defined());
  EXPECT_THROW(undefined.numel(), Error);
}

TEST(Tensor, FromStorageBoundsChecked) {
  auto s = Storage::allocate(16);
  EXPECT_NO_THROW(Tensor::from_storage(s, DType::F32, {4}));
  EXPECT_THROW(Tensor::from_storage(s, DType::F32, {5}), Error);
  EXPECT_THROW(Tensor::from_storage(s, DType::F32, {2}, {1}, 3), Error);
}

TEST(ThreadPool, CoversRangeExactlyOnce) {
  ThreadPool pool(4);
  for (int64_t n : {1, 7, 1000, 100003}) {
    std::vector<int> hits(size_t(n), 0);
    pool.parallel_for(n, 3, [&](int64_t b, int64_t e) {
      for (int64_t i = b; i < e; ++i) hits[size_t(i)]++;
    });
    for (int h : hits) ASSERT_EQ(h, 1);
  }
  // Nested calls run inline instead of deadlocking.
  std::atomic<int64_t> total{0};
  pool.parallel_for(8, 1, [&](int64_t b, int64_t e) {
    pool.parallel_for(10, 1, [&](int64_t b2, int64_t e2) { total += (e - b) * (e2 - b2); });
  });
  EXPECT_EQ(total.load(), 80);
  // Many tiny jobs back to back (the decode pattern).
  std::atomic<int64_t> sum{0};
  for (int k = 0; k < 2000; ++k) pool.parallel_for(4, 1, [&](int64_t b, int64_t e) { sum += e - b; });
  EXPECT_EQ(sum.load(), 8000);
}

TEST(ThreadPool, ChunksCoverRangeInDecreasingMultiplesOfTheChunk) {
  const int threads = 3;
  ThreadPool pool(threads);
  for (int64_t n : {1, 5, 64, 1001, 100000}) {
    for (int64_t chunk : {1, 4, 64, 5000}) {
      std::vector<int> hits(size_t(n), 0);
      std::mutex mu;
      std::map<int64_t, int64_t> claims;  // begin -> end
      auto body = [&](int64_t b, int64_t e) {  // an lvalue callable
        for (int64_t i = b; i < e; ++i) hits[size_t(i)]++;
        std::lock_guard<std::mutex> lk(mu);
        claims[b] = e;
      };
      pool.parallel_for_chunks(n, chunk, body);
      SCOPED_TRACE(std::to_string(n) + " " + std::to_string(chunk));
      for (int h : hits) ASSERT_EQ(h, 1);
      // Claims are multiples of `chunk` (the last may be cut at n), never growing along the
      // range; the first is max(chunk, n / (2 x threads)) rounded down to a multiple of chunk.
      int64_t previous = n;
      for (const auto& [b, e] : claims) {
        if (e != n) {
          EXPECT_EQ((e - b) % chunk, 0) << b;
          EXPECT_LE(e - b, previous) << b;
        }
        previous = e - b;
      }
      if (n > chunk) {
        const int64_t first = std::max<int64_t>(n / (2 * threads * chunk), 1) * chunk;
        EXPECT_EQ(claims.begin()->second, std::min(n, first));
      }
    }
  }
}

TEST(Device, Parse) {
  EXPECT_TRUE(Device::parse("cpu").is_cpu());
  EXPECT_EQ(Device::parse("cuda:1").index, 1);
  EXPECT_THROW(Device::parse("tpu"), Error);
  EXPECT_THROW(Tensor::empty({2}, DType::F32, Device::parse("cuda")), Error);
}
